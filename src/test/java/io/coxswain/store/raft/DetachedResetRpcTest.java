package io.coxswain.store.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

class DetachedResetRpcTest {
  /** A transport whose reset blocks until released, as Ratis' graceful close of a channel with open calls does. */
  static final class SlowReset implements RaftClientRpc {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch reset = new CountDownLatch(1);
    final List<String> calls = new ArrayList<>();

    @Override
    public RaftClientReply sendRequest(RaftClientRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void addRaftPeers(Collection<RaftPeer> peers) {
      synchronized (calls) {
        calls.add("add " + peers.size());
      }
    }

    @Override
    public boolean handleException(RaftPeerId serverId, Throwable t, boolean reconnect) {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (calls) {
        calls.add("reset " + serverId + " " + reconnect);
      }
      reset.countDown();
      return true;
    }

    @Override
    public void close() {}
  }

  @Test
  void aResetReturnsAtOnceAndHappensOnAnotherThread() throws Exception {
    SlowReset slow = new SlowReset();
    ExecutorService resets = Executors.newSingleThreadExecutor();
    try {
      DetachedResetRpc rpc = new DetachedResetRpc(slow, resets);
      // the caller is not held by the reset: it is still blocked when the answer comes
      assertTrue(rpc.handleException(RaftPeerId.valueOf("m2"), new ConnectException("refused"), true));
      assertEquals(1, slow.reset.getCount(), "the reset has not run yet");
      slow.release.countDown();
      assertTrue(slow.reset.await(30, TimeUnit.SECONDS));
      synchronized (slow.calls) {
        assertEquals(List.of("reset m2 true"), slow.calls);
      }
    } finally {
      resets.shutdownNow();
    }
  }

  @Test
  void anErrorThatCallsForNoNewConnectionIsLeftAlone() {
    SlowReset slow = new SlowReset();
    slow.release.countDown();
    DetachedResetRpc rpc = new DetachedResetRpc(slow, Runnable::run);
    // not a reconnect, and not an error Ratis reconnects for
    assertFalse(rpc.handleException(RaftPeerId.valueOf("m1"), new IllegalStateException("bad reply"), false));
    // one Ratis reconnects for, though not asked
    assertTrue(rpc.handleException(RaftPeerId.valueOf("m1"), new ConnectException("refused"), false));
    assertEquals(List.of("reset m1 true"), slow.calls);
  }

  @Test
  void peersGoToTheTransport() throws IOException {
    SlowReset slow = new SlowReset();
    try (DetachedResetRpc rpc = new DetachedResetRpc(slow)) {
      rpc.addRaftPeers(List.of(RaftPeer.newBuilder().setId("m1").setAddress("127.0.0.1:2380").build()));
    }
    assertEquals(List.of("add 1"), slow.calls);
  }
}
