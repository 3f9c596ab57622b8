package io.coxswain.store.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.store.Op;
import io.coxswain.store.TermFencedStore;
import io.coxswain.store.Txn;
import io.coxswain.store.UnavailableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader that steps down and is elected again, with no other leader between (here the only member of its
 * group): Ratis tells only of the election, yet the listeners hear that it stopped leading and then leads again,
 * so that the components fenced by the old term start again for the new one.
 */
class RaftKvStoreLeadershipTest {
  @TempDir
  Path tmp;

  private static Txn put(String key) {
    return new Txn(List.of(), List.of(Op.put(key, key.getBytes(StandardCharsets.UTF_8))), List.of());
  }

  /** A one-member group of its own, started and leading. */
  private RaftKvStore leadingAlone(String id) throws Exception {
    RaftKvStore store = RaftKvStore.start(RaftStoreConfig.bootstrap(id, tmp.resolve(id), "127.0.0.1",
        RaftKvStoreClusterTest.freePort(), id + "-group").withRequestTimeout(Duration.ofSeconds(3)));
    RaftKvStoreClusterTest.await(store::isLeader, Duration.ofSeconds(20), "the member to lead");
    return store;
  }

  @Test
  void aLeaderElectedAgainIsToldItStoppedAndLeadsAgainInTheNewTerm() throws Exception {
    try (RaftKvStore store = leadingAlone("solo")) {
      List<Boolean> told = new CopyOnWriteArrayList<>();
      store.addLeadershipListener(told::add);
      RaftKvStoreClusterTest.await(() -> !told.isEmpty() && told.get(told.size() - 1), Duration.ofSeconds(5),
          "told it leads");
      int leading = told.size();
      long first = store.leaderTerm();
      TermFencedStore fenced = new TermFencedStore(store, first);
      assertTrue(fenced.txn(put("/before")).get().succeeded());

      store.stepDown();
      RaftKvStoreClusterTest.await(() -> store.leaderTerm() > first && told.subList(leading, told.size()).contains(false)
          && told.get(told.size() - 1), Duration.ofSeconds(20), "elected again in a later term and told so");
      List<Boolean> after = told.subList(leading, told.size());
      assertEquals(1, java.util.Collections.frequency(after, false), "told " + told);
      // the old term's components are done: their writes are refused, the new term's go in
      ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> fenced.txn(put("/after-old")).get());
      assertTrue(refused.getCause() instanceof UnavailableException, refused.toString());
      assertTrue(new TermFencedStore(store, store.leaderTerm()).txn(put("/after-new")).get().succeeded());
    }
  }

  @Test
  void aRaftServerThatStoppedUnderTheStoreIsReported() throws Exception {
    try (RaftKvStore store = leadingAlone("lone")) {
      assertEquals(null, store.serverFailure());
      store.closeServerOnly();
      String failure = store.serverFailure();
      assertTrue(failure != null && failure.startsWith("its Raft server is clos"), String.valueOf(failure));
      store.close();
      assertEquals(null, store.serverFailure(), "a store closed on purpose is no failure");
    }
  }
}
