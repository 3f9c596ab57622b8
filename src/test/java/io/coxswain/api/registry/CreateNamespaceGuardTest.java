package io.coxswain.api.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.ApiException;
import io.coxswain.model.Json;
import io.coxswain.store.CompactedException;
import io.coxswain.store.KeyValue;
import io.coxswain.store.MemoryStore;
import io.coxswain.store.RangeResult;
import io.coxswain.store.Store;
import io.coxswain.store.Txn;
import io.coxswain.store.TxnResult;
import io.coxswain.store.Watch;
import io.coxswain.store.WatchListener;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A create checks its namespace in the member's local state and commits under a guard on the namespace's
 * revision: a member whose local copy lags must neither refuse a create it should accept nor accept one the
 * current namespace forbids.
 */
class CreateNamespaceGuardTest {
  /** A member lagging behind the group: local reads of the frozen keys answer an older pair. */
  static final class LaggingStore implements Store {
    final MemoryStore inner = new MemoryStore(1000);
    final Map<String, Optional<KeyValue>> frozen = new HashMap<>();
    int linearizableReads;

    void freeze(String key) {
      frozen.put(key, inner.get(key, Consistency.LINEARIZABLE).join());
    }

    @Override
    public CompletableFuture<Optional<KeyValue>> get(String key, Consistency consistency) {
      if (consistency == Consistency.LOCAL && frozen.containsKey(key)) {
        return CompletableFuture.completedFuture(frozen.get(key));
      }
      if (consistency == Consistency.LINEARIZABLE) {
        linearizableReads++;
      }
      return inner.get(key, consistency);
    }

    @Override
    public CompletableFuture<RangeResult> range(String prefix, String startAfter, int limit, Consistency consistency) {
      return inner.range(prefix, startAfter, limit, consistency);
    }

    @Override
    public CompletableFuture<TxnResult> txn(Txn txn) {
      return inner.txn(txn);
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) throws CompactedException {
      return inner.watch(prefix, afterRevision, listener);
    }

    @Override
    public long revision() {
      return inner.revision();
    }

    @Override
    public long compactedRevision() {
      return inner.compactedRevision();
    }

    @Override
    public boolean isLeader() {
      return inner.isLeader();
    }

    @Override
    public void addLeadershipListener(Consumer<Boolean> listener) {
      inner.addLeadershipListener(listener);
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  LaggingStore store;
  Registry registry;

  @BeforeEach
  void setUp() {
    store = new LaggingStore();
    registry = new Registry(store, ServedResource.of(new CoreResources()),
        new ServiceAllocations("127.100.0.0/16", 30000, 32767, new Random(1)), Clock.systemUTC(), new Random(2));
    registry.ensureNamespace("default").join();
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  static ObjectNode object(String json) {
    return (ObjectNode) Json.tree(json.getBytes());
  }

  static ObjectNode pod(String name) {
    return object("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\"},"
        + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
  }

  static ObjectNode namespace(String name) {
    return object("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}");
  }

  @Test
  void createInAnUpToDateNamespaceNeedsNoLinearizableRead() {
    store.linearizableReads = 0;
    registry.resource("pods").create("default", pod("a")).join();
    assertEquals(0, store.linearizableReads);
    assertTrue(store.inner.get("/registry/pods/default/a").join().isPresent());
  }

  @Test
  void namespaceNotYetSeenLocallyIsReadAgainAndTheCreateLands() {
    store.frozen.put("/registry/namespaces/fresh", Optional.empty());
    registry.resource("namespaces").create(null, namespace("fresh")).join();
    ObjectNode created = registry.resource("pods").create("fresh", pod("p")).join();
    assertEquals("fresh", created.path("metadata").path("namespace").asText());
    assertTrue(store.linearizableReads > 0);
  }

  @Test
  void namespaceChangedSinceTheLocalCopyIsCheckedAgainAndATerminatingOneRefusesTheCreate() {
    registry.resource("namespaces").create(null, namespace("going")).join();
    store.freeze("/registry/namespaces/going");
    registry.resource("namespaces").delete(null, "going", new DeleteRequest(null, null, null, null)).join();
    long before = store.revision();
    CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
        () -> registry.resource("pods").create("going", pod("late")).join());
    ApiException refused = assertInstanceOf(ApiException.class, e.getCause());
    assertTrue(refused.code() == 403 || refused.code() == 404, refused.getMessage());
    assertEquals(before, store.revision());
    assertTrue(store.inner.get("/registry/pods/going/late").join().isEmpty());
  }

  @Test
  void namespaceUpdatedSinceTheLocalCopyStillAcceptsTheCreate() {
    registry.resource("namespaces").create(null, namespace("labelled")).join();
    store.freeze("/registry/namespaces/labelled");
    registry.resource("namespaces").patch(null, "labelled", io.coxswain.api.Patches.MERGE,
        Json.tree("{\"metadata\":{\"labels\":{\"a\":\"b\"}}}".getBytes()), null).join();
    ObjectNode created = registry.resource("pods").create("labelled", pod("q")).join();
    assertEquals("q", created.path("metadata").path("name").asText());
    assertTrue(store.inner.get("/registry/pods/labelled/q").join().isPresent());
  }
}
