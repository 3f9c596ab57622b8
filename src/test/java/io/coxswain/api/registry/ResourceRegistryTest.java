package io.coxswain.api.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.ApiException;
import io.coxswain.api.ObjectFilter;
import io.coxswain.api.Patches;
import io.coxswain.model.Json;
import io.coxswain.store.MemoryStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The generic registry over a MemoryStore with the real core strategies, without HTTP. */
class ResourceRegistryTest {
  MemoryStore store;
  Registry registry;
  ResourceRegistry<?> pods;

  @BeforeEach
  void setUp() {
    store = new MemoryStore(1000);
    registry = new Registry(store, ServedResource.of(new CoreResources()),
        new ServiceAllocations("127.100.0.0/16", 30000, 32767, new Random(1)), Clock.systemUTC(), new Random(2));
    registry.ensureNamespace("default").join();
    pods = registry.resource("pods");
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  static ObjectNode pod(String name) {
    return (ObjectNode) Json.tree(("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\"},"
        + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}").getBytes());
  }

  static ApiException failure(CompletableFuture<?> f) {
    try {
      f.join();
    } catch (CompletionException e) {
      return assertInstanceOf(ApiException.class, e.getCause());
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void storedValueHasNoResourceVersionAndReadsCarryTheModRevision() {
    ObjectNode created = pods.create("default", pod("a")).join();
    byte[] raw = store.get("/registry/pods/default/a").join().orElseThrow().value();
    assertTrue(Json.tree(raw).path("metadata").path("resourceVersion").isMissingNode());
    long modRevision = store.get("/registry/pods/default/a").join().orElseThrow().modRevision();
    assertEquals(Long.toString(modRevision), created.path("metadata").path("resourceVersion").asText());
    assertEquals(Long.toString(modRevision),
        pods.get("default", "a", io.coxswain.store.Store.Consistency.LINEARIZABLE).join().path("metadata").path("resourceVersion").asText());
  }

  @Test
  void aCreateAnswersWithTheStoredObjectAndItsResourceVersionWrittenIn() {
    ResourceRegistry.Created c = pods.createEncoded("default", pod("enc")).join();
    var read = pods.get("default", "enc", io.coxswain.store.Store.Consistency.LINEARIZABLE).join();
    assertEquals(read, Json.tree(c.json()), "the answer as JSON is the object as read back");
    assertEquals(read, c.object(), "the answer as a tree is the object as read back");
    assertEquals(Long.toString(c.revision()), read.path("metadata").path("resourceVersion").asText());
    assertTrue(read.path("metadata").path("uid").asText().length() > 0);
    byte[] raw = store.get("/registry/pods/default/enc").join().orElseThrow().value();
    assertEquals(Json.tree(raw), Json.tree(c.stored()));
    // a service (its allocations take the tree path) and a cluster-scoped object answer the same way
    ResourceRegistry.Created svc = registry.resource("services").createEncoded("default", Json.tree(
        "{\"metadata\":{\"name\":\"s\"},\"spec\":{\"selector\":{\"a\":\"b\"},\"ports\":[{\"port\":80}]}}".getBytes())).join();
    ObjectNode svcRead = registry.resource("services").get("default", "s", io.coxswain.store.Store.Consistency.LINEARIZABLE).join();
    assertEquals(svcRead, Json.tree(svc.json()));
    assertTrue(svcRead.path("spec").path("clusterIP").asText().startsWith("127.100."));
    ResourceRegistry.Created ns = registry.resource("namespaces").createEncoded(null, Json.tree(
        "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"other\"}}".getBytes())).join();
    assertEquals(registry.resource("namespaces").get(null, "other", io.coxswain.store.Store.Consistency.LINEARIZABLE).join(),
        Json.tree(ns.json()));
  }

  @Test
  void aCreatedObjectNotLaidOutAsExpectedIsStillAnsweredWhole() {
    byte[] odd = "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}".getBytes();
    ResourceRegistry.Created c = new ResourceRegistry.Created(odd, 42, "Pod");
    ObjectNode answered = (ObjectNode) Json.tree(c.json());
    assertEquals("42", answered.path("metadata").path("resourceVersion").asText());
    assertEquals("x", answered.path("metadata").path("name").asText());
    assertEquals("Pod", answered.path("kind").asText());
  }

  /** The failure of a call that may throw at once or fail its future. */
  static ApiException refused(java.util.function.Supplier<CompletableFuture<?>> call) {
    try {
      return failure(call.get());
    } catch (ApiException e) {
      return e;
    }
  }

  @Test
  void aScalarOfAnotherTypeThanItsFieldsIsRefusedWithTheFieldAndNothingIsWritten() {
    long before = store.revision();
    String[][] cases = {
        // an env var named Y, which YAML 1.1 reads as a boolean
        {"\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"env\":[{\"name\":true}]}]",
            "spec.containers[0].env[0].name: must be a string, not the boolean true"},
        {"\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"ports\":[{\"containerPort\":\"80\"}]}]",
            "spec.containers[0].ports[0].containerPort: must be an integer, not the string \"80\""},
        {"\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"tty\":\"true\"}]",
            "spec.containers[0].tty: must be a boolean, not the string \"true\""},
        {"\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}],\"terminationGracePeriodSeconds\":2.5",
            "spec.terminationGracePeriodSeconds: must be an integer, not the number 2.5"},
    };
    for (String[] c : cases) {
      ObjectNode body = (ObjectNode) Json.tree(("{\"metadata\":{\"name\":\"typed\"},\"spec\":{" + c[0] + "}}").getBytes());
      ApiException e = refused(() -> pods.create("default", body));
      assertEquals(400, e.code(), c[0]);
      assertEquals("Pod in version \"v1\" cannot be handled as a Pod: " + c[1], e.status().getMessage());
    }
    ObjectNode labelled = pod("labelled");
    labelled.with("metadata").putObject("labels").put("version", 1);
    assertEquals("Pod in version \"v1\" cannot be handled as a Pod: metadata.labels.version: must be a string, not the number 1",
        refused(() -> pods.create("default", labelled)).status().getMessage());
    assertEquals(before, store.revision(), "nothing written");
    // numbers where Kubernetes takes them: a quantity, an int-or-string port
    ObjectNode quantities = pod("quantities");
    ((ObjectNode) quantities.with("spec").withArray("containers").get(0)).putObject("resources").putObject("limits").put("cpu", 1);
    assertEquals("1", pods.create("default", quantities).join().at("/spec/containers/0/resources/limits/cpu").asText());
    // a merge patch that would put a number in a label is refused the same way, and changes nothing
    ObjectNode patch = (ObjectNode) Json.tree("{\"metadata\":{\"labels\":{\"v\":2}}}".getBytes());
    assertEquals(400, refused(() -> pods.patch("default", "quantities", Patches.MERGE, patch, null)).code());
    assertTrue(pods.get("default", "quantities", io.coxswain.store.Store.Consistency.LINEARIZABLE).join()
        .path("metadata").path("labels").path("v").isMissingNode());
  }

  @Test
  void concurrentPatchesWithoutResourceVersionAllLand() {
    pods.create("default", pod("busy")).join();
    List<CompletableFuture<ObjectNode>> patches = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ObjectNode patch = (ObjectNode) Json.tree(("{\"metadata\":{\"labels\":{\"l" + i + "\":\"v\"}}}").getBytes());
      patches.add(CompletableFuture.supplyAsync(() -> pods.patch("default", "busy", Patches.MERGE, patch, null).join()));
    }
    patches.forEach(CompletableFuture::join);
    ObjectNode now = pods.get("default", "busy", io.coxswain.store.Store.Consistency.LINEARIZABLE).join();
    for (int i = 0; i < 6; i++) {
      assertEquals("v", now.path("metadata").path("labels").path("l" + i).asText(), now.toString());
    }
  }

  @Test
  void anUpdateIsANoOpWhenItsNumbersHaveTheSameValuesAsTheStoredOnes() {
    com.fasterxml.jackson.databind.node.JsonNodeFactory f = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
    ObjectNode asTyped = f.objectNode();
    asTyped.putObject("spec").put("terminationGracePeriodSeconds", 30L).putArray("ports").add(8080L);
    ObjectNode asStored = (ObjectNode) Json.tree("{\"spec\":{\"terminationGracePeriodSeconds\":30,\"ports\":[8080]}}".getBytes());
    assertTrue(asTyped.equals(ResourceRegistry.SAME_VALUE, asStored));
    ObjectNode other = asStored.deepCopy();
    ((ObjectNode) other.get("spec")).put("terminationGracePeriodSeconds", 31);
    assertFalse(asTyped.equals(ResourceRegistry.SAME_VALUE, other));
    ((ObjectNode) other.get("spec")).put("terminationGracePeriodSeconds", "30");
    assertFalse(asTyped.equals(ResourceRegistry.SAME_VALUE, other), "a string is not a number");
  }

  @Test
  void patchCarryingAStaleResourceVersionIs409AndNoOpUpdateKeepsTheRevision() {
    ObjectNode created = pods.create("default", pod("p")).join();
    String rv = created.path("metadata").path("resourceVersion").asText();
    pods.patch("default", "p", Patches.MERGE, Json.tree("{\"metadata\":{\"labels\":{\"a\":\"b\"}}}".getBytes()), null).join();
    long before = store.revision();
    ApiException e = failure(pods.patch("default", "p", Patches.MERGE,
        Json.tree(("{\"metadata\":{\"resourceVersion\":\"" + rv + "\",\"labels\":{\"a\":\"c\"}}}").getBytes()), null));
    assertEquals(409, e.code());
    ObjectNode same = pods.patch("default", "p", Patches.MERGE, Json.tree("{\"metadata\":{\"labels\":{\"a\":\"b\"}}}".getBytes()), null).join();
    assertEquals(before, store.revision());
    assertEquals(Long.toString(before), same.path("metadata").path("resourceVersion").asText());
  }

  @Test
  void createInMissingNamespaceIs404AndNothingIsWritten() {
    long before = store.revision();
    ApiException e = failure(pods.create("nowhere", pod("x")));
    assertEquals(404, e.code());
    assertEquals("namespaces \"nowhere\" not found", e.getMessage());
    assertEquals(before, store.revision());
  }

  @Test
  void orphanPropagationAddsTheOrphanFinalizer() {
    pods.create("default", pod("o")).join();
    ObjectNode marked = pods.delete("default", "o", new DeleteRequest(null, "Orphan", null, null)).join();
    assertNotNull(marked.path("metadata").get("deletionTimestamp"));
    assertEquals("orphan", marked.path("metadata").path("finalizers").get(0).asText());
  }

  @Test
  void deletePreconditionMismatchIs409() {
    pods.create("default", pod("pre")).join();
    ApiException e = failure(pods.delete("default", "pre", new DeleteRequest(null, null, "other-uid", null)));
    assertEquals(409, e.code());
  }

  @Test
  void listWithLimitAndSelectorFillsPages() {
    for (int i = 0; i < 7; i++) {
      ObjectNode p = pod("p" + i);
      p.with("metadata").with("labels").put("even", Boolean.toString(i % 2 == 0));
      pods.create("default", p).join();
    }
    ObjectFilter even = ObjectFilter.parse("even=true", null, "pods");
    ListPage first = pods.list("default", new ListQuery(even, 2, null, null, null)).join();
    assertEquals(2, first.items().size());
    assertNotNull(first.continueToken());
    ListPage second = pods.list("default", new ListQuery(even, 2, first.continueToken(), null, null)).join();
    assertEquals(2, second.items().size());
    assertEquals(first.revision(), second.revision());
    assertEquals("p6", second.items().get(1).path("metadata").path("name").asText());
  }

  static List<String> names(ListPage page) {
    List<String> out = new java.util.ArrayList<>();
    page.items().forEach(o -> out.add(o.path("metadata").path("name").asText() + "@"
        + o.path("metadata").path("resourceVersion").asText() + ":" + o.path("metadata").path("labels").path("v").asText()));
    return out;
  }

  @Test
  void laterPagesShowTheListAsItWasWhenTheFirstPageWasRead() {
    for (String n : List.of("a", "b", "c", "d")) {
      ObjectNode p = pod(n);
      p.with("metadata").with("labels").put("v", "1");
      pods.create("default", p).join();
    }
    ObjectFilter all = ObjectFilter.parse(null, null, "pods");
    ListPage first = pods.list("default", new ListQuery(all, 2, null, null, null)).join();
    ListPage whole = pods.list("default", new ListQuery(all, 0, null, null, null)).join();
    List<String> asThen = names(whole);
    // between the pages: one of the next page's pods changes, one goes, one comes
    ObjectNode c = pods.get("default", "c", io.coxswain.store.Store.Consistency.LINEARIZABLE).join();
    c.with("metadata").with("labels").put("v", "2");
    pods.update("default", "c", c, null).join();
    pods.delete("default", "d", new DeleteRequest(0L, null, null, null)).join();
    pods.create("default", pod("bb")).join();

    ListPage second = pods.list("default", new ListQuery(all, 2, first.continueToken(), null, null)).join();
    assertEquals(first.revision(), second.revision());
    List<String> paged = new java.util.ArrayList<>(names(first));
    paged.addAll(names(second));
    assertEquals(asThen, paged, "both pages together are the list at the first page's revision");
    assertEquals(null, second.continueToken());

    // a list at that exact revision, as kubectl's informers may ask
    ListPage exact = pods.list("default", new ListQuery(all, 0, null, Long.toString(first.revision()), "Exact")).join();
    assertEquals(asThen, names(exact));
    // now: c changed, d gone, bb there
    assertEquals(List.of("a", "b", "bb", "c"), pods.list("default", new ListQuery(all, 0, null, null, null)).join()
        .items().stream().map(o -> o.path("metadata").path("name").asText()).toList());
  }

  @Test
  void aContinueTokenOlderThanTheRetainedHistoryIs410Expired() {
    store.close();
    store = new MemoryStore(3);
    registry = new Registry(store, ServedResource.of(new CoreResources()),
        new ServiceAllocations("127.100.0.0/16", 30000, 32767, new Random(1)), Clock.systemUTC(), new Random(2));
    registry.ensureNamespace("default").join();
    pods = registry.resource("pods");
    for (int i = 0; i < 4; i++) {
      pods.create("default", pod("p" + i)).join();
    }
    ObjectFilter all = ObjectFilter.parse(null, null, "pods");
    ListPage first = pods.list("default", new ListQuery(all, 2, null, null, null)).join();
    for (int i = 4; i < 8; i++) {
      pods.create("default", pod("p" + i)).join(); // more changes than the history keeps
    }
    ApiException e = failure(pods.list("default", new ListQuery(all, 2, first.continueToken(), null, null)));
    assertEquals(410, e.code());
    assertEquals("Expired", e.reason());
    assertTrue(e.getMessage().contains("continue parameter is too old"), e.getMessage());
  }
}
