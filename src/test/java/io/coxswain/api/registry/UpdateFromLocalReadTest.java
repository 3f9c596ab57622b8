package io.coxswain.api.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.ApiException;
import io.coxswain.model.Json;
import io.coxswain.store.KeyValue;
import io.coxswain.store.Store;
import java.time.Clock;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An update first reads the member's local copy of the object and guards its write by that copy's
 * modRevision: on an up-to-date member it needs no read through the Raft leader, and on a lagging one it
 * neither loses a write, nor refuses one it should take, nor answers from the stale copy.
 */
class UpdateFromLocalReadTest {
  private static final String KEY = "/registry/pods/default/p";

  CreateNamespaceGuardTest.LaggingStore store;
  Registry registry;

  @BeforeEach
  void setUp() {
    store = new CreateNamespaceGuardTest.LaggingStore();
    registry = new Registry(store, ServedResource.of(new CoreResources()),
        new ServiceAllocations("127.100.0.0/16", 30000, 32767, new Random(1)), Clock.systemUTC(), new Random(2));
    registry.ensureNamespace("default").join();
    registry.resource("pods").create("default", CreateNamespaceGuardTest.pod("p")).join();
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private ObjectNode label(String key, String value, String resourceVersion) {
    return registry.resource("pods").updateWith("default", "p", o -> {
      o.with("metadata").with("labels").put(key, value);
      if (resourceVersion != null) {
        o.with("metadata").put("resourceVersion", resourceVersion);
      }
      return o;
    }, null, resourceVersion == null).join();
  }

  private ObjectNode stored() {
    KeyValue kv = store.inner.get(KEY, Store.Consistency.LINEARIZABLE).join().orElseThrow();
    return (ObjectNode) Json.tree(kv.value());
  }

  private long modRevision() {
    return store.inner.get(KEY, Store.Consistency.LINEARIZABLE).join().orElseThrow().modRevision();
  }

  @Test
  void anUpdateOnAnUpToDateMemberNeedsNoLinearizableRead() {
    store.linearizableReads = 0;
    label("a", "1", null);
    assertEquals(0, store.linearizableReads);
    assertEquals("1", stored().path("metadata").path("labels").path("a").asText());
  }

  @Test
  void aChangeWithoutResourceVersionMadeOnAStaleCopyIsAppliedToTheCurrentObject() {
    store.freeze(KEY);
    label("a", "1", null); // made on the frozen copy: refused by the guard, then read again and applied
    label("b", "2", null);
    ObjectNode labels = (ObjectNode) stored().path("metadata").path("labels");
    assertEquals("1", labels.path("a").asText(), labels.toString());
    assertEquals("2", labels.path("b").asText(), labels.toString());
  }

  @Test
  void theCurrentResourceVersionIsTakenThoughTheLocalCopyLags() {
    store.freeze(KEY);
    label("a", "1", null);
    long current = modRevision();
    ObjectNode out = label("b", "2", Long.toString(current));
    assertEquals("2", out.path("metadata").path("labels").path("b").asText());
    assertTrue(modRevision() > current);
    assertEquals("1", stored().path("metadata").path("labels").path("a").asText());
  }

  @Test
  void aStaleResourceVersionIsRefusedEvenWhenTheLocalCopyShowsIt() {
    long old = modRevision();
    store.freeze(KEY);
    label("a", "1", null);
    long current = modRevision();
    CompletionException e = assertThrows(CompletionException.class, () -> label("b", "2", Long.toString(old)));
    assertEquals(409, assertInstanceOf(ApiException.class, e.getCause()).code());
    assertEquals(current, modRevision());
  }

  @Test
  void aStaleCopyThatShowsTheChangeMadeAlreadyIsCheckedAgain() {
    label("a", "old", null);
    store.freeze(KEY); // the copy shows a=old
    label("a", "new", null);
    label("a", "old", null); // no change on the copy; a change on the current object
    assertEquals("old", stored().path("metadata").path("labels").path("a").asText());
  }

  @Test
  void anObjectNotYetSeenLocallyIsReadAgain() {
    store.frozen.put(KEY, Optional.empty());
    ObjectNode out = label("a", "1", null);
    assertEquals("1", out.path("metadata").path("labels").path("a").asText());
    assertTrue(store.linearizableReads > 0);
  }
}
