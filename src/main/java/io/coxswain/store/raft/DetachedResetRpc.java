package io.coxswain.store.raft;

import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft client's transport, with its connection resets taken off the thread that hit the error.
 *
 * <p>When a request fails in a way that calls for a new connection (a member that says it is not the leader,
 * a refused connection), the Ratis client resets its proxy for that member. Ratis 3.2 closes the old gRPC
 * channel gracefully right there, waiting up to 3 s for the calls still open on it, and the client's ordered
 * stream to a live member always is one. The wait blocked the thread that was to schedule the request's retry:
 * after the leader was killed, a surviving master whose client had asked itself (a follower still naming the
 * dead leader) sat 3 s on that close before trying the new leader, and its writes behind that request waited
 * with it (a failover gap of 2.1–2.2 s where the election took 0.6 s). The reset now runs on a thread of its
 * own; the retry goes at once to the member the client now names, on a new channel.
 */
final class DetachedResetRpc implements RaftClientRpc {
  private static final Logger LOG = LoggerFactory.getLogger(DetachedResetRpc.class);
  /** Resets are rare (a leader change, a member going away): threads come and go with them. */
  private static final Executor RESETS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "raft-client-reset");
    t.setDaemon(true);
    return t;
  });

  private final RaftClientRpc rpc;
  private final Executor resets;

  DetachedResetRpc(RaftClientRpc rpc) {
    this(rpc, RESETS);
  }

  DetachedResetRpc(RaftClientRpc rpc, Executor resets) {
    this.rpc = rpc;
    this.resets = resets;
  }

  @Override
  public CompletableFuture<RaftClientReply> sendRequestAsync(RaftClientRequest request) {
    return rpc.sendRequestAsync(request);
  }

  @Override
  public CompletableFuture<RaftClientReply> sendRequestAsyncUnordered(RaftClientRequest request) {
    return rpc.sendRequestAsyncUnordered(request);
  }

  @Override
  public RaftClientReply sendRequest(RaftClientRequest request) throws IOException {
    return rpc.sendRequest(request);
  }

  @Override
  public void addRaftPeers(Collection<RaftPeer> peers) {
    rpc.addRaftPeers(peers);
  }

  /** Whether the error calls for a new connection, answered at once; the reset itself runs on its own thread. */
  @Override
  public boolean handleException(RaftPeerId serverId, Throwable t, boolean reconnect) {
    if (!reconnect && !rpc.shouldReconnect(t)) {
      return false;
    }
    resets.execute(() -> {
      try {
        rpc.handleException(serverId, t, true);
      } catch (RuntimeException e) {
        LOG.debug("resetting the Raft client's connection to {}: {}", serverId, e.toString());
      }
    });
    return true;
  }

  @Override
  public boolean shouldReconnect(Throwable t) {
    return rpc.shouldReconnect(t);
  }

  @Override
  public void close() throws IOException {
    rpc.close();
  }
}
