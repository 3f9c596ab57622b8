package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The API server in this JVM on a MemoryStore, driven by the real fabric8 client and raw HTTP. */
@org.junit.jupiter.api.Timeout(30)
class ApiServerIT {
  static TestApiServer server;
  static KubernetesClient client;
  static HttpClient http;

  @BeforeAll
  static void start() {
    server = new TestApiServer();
    Config config = new ConfigBuilder().withMasterUrl(server.url()).withNamespace("default")
        .withRequestRetryBackoffLimit(0).build();
    client = new KubernetesClientBuilder().withConfig(config).build();
    http = HttpClient.newHttpClient();
    waitFor(() -> client.namespaces().withName("default").get() != null);
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  static void waitFor(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  static Pod pod(String name, String image) {
    return new PodBuilder().withNewMetadata().withName(name).addToLabels("app", "web").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage(image).endContainer().endSpec().build();
  }

  HttpResponse<String> raw(String method, String path, String contentType, String accept, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  // ------------------------------------------------------------ pods

  @Test
  void podCrudPatchStatusBindingAndGracefulDelete() {
    Pod created = client.pods().resource(pod("crud", "busybox")).create();
    assertNotNull(created.getMetadata().getUid());
    assertNotNull(created.getMetadata().getCreationTimestamp());
    assertEquals(1L, created.getMetadata().getGeneration());
    assertEquals("default", created.getMetadata().getNamespace());
    Pod read = client.pods().withName("crud").get();
    assertEquals(created.getMetadata().getResourceVersion(), read.getMetadata().getResourceVersion());

    Pod labelled = client.pods().withName("crud").edit(p -> new PodBuilder(p).editMetadata().addToLabels("tier", "front").endMetadata().build());
    assertEquals("front", labelled.getMetadata().getLabels().get("tier"));
    assertTrue(Long.parseLong(labelled.getMetadata().getResourceVersion()) > Long.parseLong(read.getMetadata().getResourceVersion()));

    Pod merged = client.pods().withName("crud").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"a\":\"b\"}}}");
    assertEquals("b", merged.getMetadata().getAnnotations().get("a"));
    Pod jsonPatched = client.pods().withName("crud").patch(PatchContext.of(PatchType.JSON),
        "[{\"op\":\"add\",\"path\":\"/metadata/labels/extra\",\"value\":\"yes\"}]");
    assertEquals("yes", jsonPatched.getMetadata().getLabels().get("extra"));
    Pod strategic = client.pods().withName("crud").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
        "{\"metadata\":{\"labels\":{\"extra\":null}}}");
    assertFalse(strategic.getMetadata().getLabels().containsKey("extra"));

    // a status update keeps the spec; a spec update keeps the status
    Pod withStatus = client.pods().withName("crud").editStatus(p -> new PodBuilder(p).editOrNewStatus().withPhase("Running").endStatus()
        .editSpec().editFirstContainer().withImage("ignored").endContainer().endSpec().build());
    assertEquals("Running", withStatus.getStatus().getPhase());
    assertEquals("busybox", withStatus.getSpec().getContainers().get(0).getImage());

    // binding: compare-and-swap on spec.nodeName
    Binding binding = new BindingBuilder().withNewMetadata().withName("crud").endMetadata()
        .withNewTarget().withKind("Node").withName("n1").endTarget().build();
    client.bindings().resource(binding).create();
    Pod bound = client.pods().withName("crud").get();
    assertEquals("n1", bound.getSpec().getNodeName());
    assertTrue(bound.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("PodScheduled") && c.getStatus().equals("True")));
    KubernetesClientException again = assertThrows(KubernetesClientException.class, () -> client.bindings().resource(
        new BindingBuilder(binding).editTarget().withName("n2").endTarget().build()).create());
    assertEquals(409, again.getCode());

    // a bound pod is marked, then removed when the grace-0 delete comes
    client.pods().withName("crud").delete();
    Pod terminating = client.pods().withName("crud").get();
    assertNotNull(terminating.getMetadata().getDeletionTimestamp());
    assertEquals(30L, terminating.getMetadata().getDeletionGracePeriodSeconds());
    client.pods().withName("crud").withGracePeriod(0).delete();
    assertNull(client.pods().withName("crud").get());
  }

  @Test
  void generateNameAndAlreadyExists() {
    Pod generated = client.pods().resource(new PodBuilder(pod(null, "busybox")).editMetadata().withGenerateName("gen-").endMetadata().build()).create();
    assertTrue(generated.getMetadata().getName().matches("gen-[a-z0-9]{5}"), generated.getMetadata().getName());
    client.pods().resource(pod("dup", "busybox")).create();
    KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> client.pods().resource(pod("dup", "busybox")).create());
    assertEquals(409, e.getCode());
    assertEquals("AlreadyExists", e.getStatus().getReason());
  }

  @Test
  void staleUpdateIs409() {
    Pod first = client.pods().resource(pod("stale", "busybox")).create();
    client.pods().withName("stale").edit(p -> new PodBuilder(p).editMetadata().addToLabels("v", "2").endMetadata().build());
    Pod stale = new PodBuilder(first).editMetadata().addToLabels("v", "old").endMetadata().build();
    KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> client.pods().resource(stale).update());
    assertEquals(409, e.getCode());
    assertEquals("Conflict", e.getStatus().getReason());
    assertTrue(e.getStatus().getMessage().contains("the object has been modified"), e.getStatus().getMessage());
    assertEquals("2", client.pods().withName("stale").get().getMetadata().getLabels().get("v"));
  }

  @Test
  void invalidPodIs422WithCausesAndChangesNothing() {
    long before = server.store.revision();
    KubernetesClientException e = assertThrows(KubernetesClientException.class,
        () -> client.pods().resource(pod("noimage", null)).create());
    assertEquals(422, e.getCode());
    assertEquals("Invalid", e.getStatus().getReason());
    List<StatusCause> causes = e.getStatus().getDetails().getCauses();
    assertTrue(causes.stream().anyMatch(c -> c.getField().equals("spec.containers[0].image")
        && c.getReason().equals("FieldValueRequired")), causes.toString());
    assertTrue(e.getStatus().getMessage().startsWith("Pod \"noimage\" is invalid: "), e.getStatus().getMessage());
    assertEquals(before, server.store.revision());
  }

  @Test
  void malformedBodiesAre400() throws Exception {
    HttpResponse<String> r = raw("POST", "/api/v1/namespaces/default/pods", "application/json", null, "{\"metadata\": {");
    assertEquals(400, r.statusCode());
    JsonNode s = Json.tree(r.body().getBytes());
    assertEquals("Status", s.path("kind").asText());
    assertEquals("BadRequest", s.path("reason").asText());
    assertFalse(r.body().contains("at io."), r.body());
    HttpResponse<String> yaml = raw("POST", "/api/v1/namespaces/default/pods", "application/yaml", null, "metadata: [unclosed");
    assertEquals(400, yaml.statusCode());
    HttpResponse<String> kind = raw("POST", "/api/v1/namespaces/default/pods", "application/json", null,
        "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}");
    assertEquals(400, kind.statusCode());
    HttpResponse<String> ns = raw("POST", "/api/v1/namespaces/default/pods", "application/json", null,
        "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\",\"namespace\":\"other\"}}");
    assertEquals(400, ns.statusCode());
    // kubectl's YAML 1.1 reads an env var named N as the boolean false and sends that: refused as Kubernetes
    // refuses it, nothing made
    HttpResponse<String> typed = raw("POST", "/api/v1/namespaces/default/pods", "application/json", null,
        "{\"metadata\":{\"name\":\"typed\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\","
        + "\"env\":[{\"name\":false,\"value\":\"1\"}]}]}}");
    assertEquals(400, typed.statusCode(), typed.body());
    JsonNode t = Json.tree(typed.body().getBytes());
    assertEquals("BadRequest", t.path("reason").asText());
    assertEquals("Pod in version \"v1\" cannot be handled as a Pod: spec.containers[0].env[0].name: must be a string, "
        + "not the boolean false", t.path("message").asText());
    assertEquals(404, raw("GET", "/api/v1/namespaces/default/pods/typed", null, null, null).statusCode());
  }

  @Test
  void aDryRunIsAnsweredAsTheWriteWouldBeAndWritesNothing() throws Exception {
    String podJson = "{\"metadata\":{\"name\":\"dry-api\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
    HttpResponse<String> bogus = raw("POST", "/api/v1/namespaces/default/pods?dryRun=Bogus", "application/json", null, podJson);
    assertEquals(400, bogus.statusCode(), bogus.body());
    assertTrue(bogus.body().contains("invalid dryRun"), bogus.body());
    HttpResponse<String> dry = raw("POST", "/api/v1/namespaces/default/pods?dryRun=All", "application/json", null, podJson);
    assertEquals(201, dry.statusCode(), dry.body());
    assertEquals("Pending", Json.tree(dry.body().getBytes()).path("status").path("phase").asText(), "defaulted as a create");
    assertEquals(404, raw("GET", "/api/v1/namespaces/default/pods/dry-api", null, null, null).statusCode());
    // a dry run is validated as the write would be
    HttpResponse<String> invalid = raw("POST", "/api/v1/namespaces/default/pods?dryRun=All", "application/json", null,
        "{\"metadata\":{\"name\":\"Bad_Name\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
    assertEquals(422, invalid.statusCode(), invalid.body());

    assertEquals(201, raw("POST", "/api/v1/namespaces/default/pods", "application/json", null, podJson).statusCode());
    String rv = client.pods().withName("dry-api").get().getMetadata().getResourceVersion();
    HttpResponse<String> patched = raw("PATCH", "/api/v1/namespaces/default/pods/dry-api?dryRun=All",
        "application/merge-patch+json", null, "{\"metadata\":{\"labels\":{\"dry\":\"yes\"}}}");
    assertEquals(200, patched.statusCode(), patched.body());
    assertEquals("yes", Json.tree(patched.body().getBytes()).path("metadata").path("labels").path("dry").asText());
    // kubectl sends a delete's dryRun in its DeleteOptions
    HttpResponse<String> deleted = raw("DELETE", "/api/v1/namespaces/default/pods/dry-api", "application/json", null,
        "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":0,\"dryRun\":[\"All\"]}");
    assertEquals(200, deleted.statusCode(), deleted.body());
    Pod still = client.pods().withName("dry-api").get();
    assertEquals(rv, still.getMetadata().getResourceVersion());
    assertTrue(still.getMetadata().getLabels() == null || !still.getMetadata().getLabels().containsKey("dry"));
    client.pods().withName("dry-api").withGracePeriod(0).delete();
  }

  @Test
  void bodyOver3MiBIs413() {
    String big = "x".repeat(4 * 1024 * 1024);
    Pod huge = new PodBuilder(pod("huge", "busybox")).editMetadata().addToAnnotations("big", big).endMetadata().build();
    KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> client.pods().resource(huge).create());
    assertEquals(413, e.getCode());
    assertNull(client.pods().withName("huge").get());
  }

  @Test
  void unknownResourceIs404AndUnknownObjectIsNull() throws Exception {
    HttpResponse<String> r = raw("GET", "/api/v1/namespaces/default/widgets", null, null, null);
    assertEquals(404, r.statusCode());
    assertEquals("NotFound", Json.tree(r.body().getBytes()).path("reason").asText());
    assertNull(client.pods().withName("nope").get());
    HttpResponse<String> missing = raw("GET", "/api/v1/namespaces/default/pods/nope", null, null, null);
    assertEquals("pods \"nope\" not found", Json.tree(missing.body().getBytes()).path("message").asText());
    KubernetesClientException e = assertThrows(KubernetesClientException.class,
        () -> client.pods().inNamespace("absent").resource(pod("x", "busybox")).create());
    assertEquals(404, e.getCode());
    assertTrue(e.getStatus().getMessage().contains("namespaces \"absent\" not found"), e.getStatus().getMessage());
  }

  @Test
  void yamlInAndOutAndTables() throws Exception {
    String yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: fromyaml\nspec:\n  containers:\n  - name: c\n    image: busybox\n";
    HttpResponse<String> created = raw("POST", "/api/v1/namespaces/default/pods", "application/yaml", "application/yaml", yaml);
    assertEquals(201, created.statusCode(), created.body());
    assertTrue(created.headers().firstValue("Content-Type").orElse("").startsWith("application/yaml"));
    JsonNode back = Json.YAML.readTree(created.body());
    assertEquals("fromyaml", back.path("metadata").path("name").asText());
    HttpResponse<String> table = raw("GET", "/api/v1/namespaces/default/pods?labelSelector=", null,
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json", null);
    JsonNode t = Json.tree(table.body().getBytes());
    assertEquals("Table", t.path("kind").asText());
    assertEquals("Name", t.path("columnDefinitions").get(0).path("name").asText());
    assertTrue(t.path("rows").size() >= 1);
    assertEquals("PartialObjectMetadata", t.path("rows").get(0).path("object").path("kind").asText());
  }

  @Test
  void listPagesWithContinueTokensAndSelectors() throws Exception {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("paging").endMetadata().build()).create();
    for (int i = 0; i < 5; i++) {
      client.pods().inNamespace("paging").resource(new PodBuilder(pod("p" + i, "busybox")).editMetadata()
          .addToLabels("n", Integer.toString(i % 2)).endMetadata().build()).create();
    }
    Set<String> seen = new HashSet<>();
    String token = null;
    int pages = 0;
    String firstRevision = null;
    do {
      PodList page = client.pods().inNamespace("paging").list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
          .withLimit(2L).withContinue(token).build());
      page.getItems().forEach(p -> seen.add(p.getMetadata().getName()));
      token = page.getMetadata().getContinue();
      if (pages == 0) {
        firstRevision = page.getMetadata().getResourceVersion();
        // changes after the first page do not show in the later ones: the list is as it was then
        client.pods().inNamespace("paging").withName("p4").withGracePeriod(0).delete();
        client.pods().inNamespace("paging").resource(pod("p9", "busybox")).create();
      } else {
        assertEquals(firstRevision, page.getMetadata().getResourceVersion(), "every page at the first one's revision");
      }
      pages++;
    } while (token != null && !token.isEmpty());
    assertEquals(Set.of("p0", "p1", "p2", "p3", "p4"), seen);
    assertEquals(3, pages);
    client.pods().inNamespace("paging").withName("p9").withGracePeriod(0).delete();
    client.pods().inNamespace("paging").resource(new PodBuilder(pod("p4", "busybox")).editMetadata()
        .addToLabels("n", "0").endMetadata().build()).create();
    assertEquals(3, client.pods().inNamespace("paging").withLabel("n", "0").list().getItems().size());
    assertEquals(2, client.pods().inNamespace("paging").withLabelIn("n", "1").list().getItems().size());
    assertEquals(1, client.pods().inNamespace("paging").withField("metadata.name", "p3").list().getItems().size());
    HttpResponse<String> bad = raw("GET", "/api/v1/pods?fieldSelector=spec.bogus%3Dx", null, null, null);
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("spec.bogus"), bad.body());
    // all namespaces
    assertTrue(client.pods().inAnyNamespace().list().getItems().size() >= 5);
  }

  // ------------------------------------------------------------ watch

  @Test
  void watchResumedFromResourceVersionSeesEveryLaterEventOnceInOrder() throws Exception {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("watching").endMetadata().build()).create();
    Pod a = client.pods().inNamespace("watching").resource(pod("a", "busybox")).create();
    String from = a.getMetadata().getResourceVersion();
    List<String> expected = new ArrayList<>();
    expected.add("MODIFIED " + client.pods().inNamespace("watching").withName("a").edit(p -> new PodBuilder(p).editMetadata()
        .addToLabels("x", "1").endMetadata().build()).getMetadata().getResourceVersion());
    expected.add("ADDED " + client.pods().inNamespace("watching").resource(pod("b", "busybox")).create().getMetadata().getResourceVersion());
    client.pods().inNamespace("watching").withName("b").delete();
    List<String> events = new CopyOnWriteArrayList<>();
    Watcher<Pod> watcher = new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        events.add(action + " " + pod.getMetadata().getResourceVersion());
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
    try (Watch w = client.pods().inNamespace("watching").withResourceVersion(from).watch(watcher)) {
      waitFor(() -> events.size() >= 3);
      String deleted = events.get(2);
      assertTrue(deleted.startsWith("DELETED "), events.toString());
      expected.add(deleted);
      String live = client.pods().inNamespace("watching").withName("a").edit(p -> new PodBuilder(p).editMetadata()
          .addToLabels("x", "2").endMetadata().build()).getMetadata().getResourceVersion();
      expected.add("MODIFIED " + live);
      waitFor(() -> events.size() >= 4);
      assertEquals(expected, events);
      long last = 0;
      for (String e : events) {
        long rv = Long.parseLong(e.split(" ")[1]);
        assertTrue(rv > last, events.toString());
        last = rv;
      }
    }
  }

  @Test
  void watchFromNowStartsWithCurrentStateAndFollowsTheSelector() throws Exception {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("sel").endMetadata().build()).create();
    client.pods().inNamespace("sel").resource(pod("one", "busybox")).create();
    List<String> events = new CopyOnWriteArrayList<>();
    try (Watch w = client.pods().inNamespace("sel").withLabel("app", "web").watch(new Watcher<Pod>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        events.add(action + " " + pod.getMetadata().getName());
      }

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      waitFor(() -> events.contains("ADDED one"));
      client.pods().inNamespace("sel").withName("one").edit(p -> new PodBuilder(p).editMetadata().addToLabels("app", "db").endMetadata().build());
      waitFor(() -> events.contains("DELETED one"));
      client.pods().inNamespace("sel").withName("one").edit(p -> new PodBuilder(p).editMetadata().addToLabels("app", "web").endMetadata().build());
      waitFor(() -> events.size() >= 3);
      assertEquals(List.of("ADDED one", "DELETED one", "ADDED one"), events);
    }
  }

  @Test
  void rawWatchSendsBookmarksAndEndsAtTheTimeout() throws Exception {
    HttpResponse<String> r = raw("GET", "/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=2"
        + "&resourceVersion=" + server.store.revision(), null, null, null);
    assertEquals(200, r.statusCode());
    List<String> types = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      types.add(Json.tree(line.getBytes()).path("type").asText());
    }
    assertTrue(types.contains("BOOKMARK"), types.toString());
  }

  @Test
  void watchersOfABurstOfWritesEachGetEveryEventWholeAndInOrder() throws Exception {
    String from = Long.toString(server.store.revision());
    List<CompletableFuture<HttpResponse<String>>> watches = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      watches.add(http.sendAsync(HttpRequest.newBuilder(URI.create(server.url()
          + "/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=4&labelSelector=burst%3Dyes&resourceVersion=" + from))
          .build(), HttpResponse.BodyHandlers.ofString()));
    }
    List<CompletableFuture<Pod>> creates = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      Pod p = pod("burst-" + i, "busybox");
      p.getMetadata().getLabels().put("burst", "yes");
      creates.add(CompletableFuture.supplyAsync(() -> client.pods().resource(p).create()));
    }
    List<Long> written = new ArrayList<>();
    for (var f : creates) {
      written.add(Long.parseLong(f.join().getMetadata().getResourceVersion()));
    }
    java.util.Collections.sort(written);
    String first = null;
    for (var w : watches) {
      HttpResponse<String> r = w.get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), r.body());
      List<Long> seen = new ArrayList<>();
      for (String line : r.body().split("\n")) {
        var event = Json.tree(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("ADDED", event.path("type").asText(), line);
        seen.add(Long.parseLong(event.path("object").path("metadata").path("resourceVersion").asText()));
      }
      assertEquals(written, seen);
      if (first == null) {
        first = r.body();
      } else {
        assertEquals(first, r.body());
      }
    }
    client.pods().withLabel("burst", "yes").withGracePeriod(0).delete();
  }

  @Test
  void tooOldResourceVersionIs410() throws Exception {
    for (int i = 0; i < 1100; i++) {
      server.store.txn(io.coxswain.store.Txn.of(List.of(), List.of(io.coxswain.store.Op.put("/registry/filler/x", new byte[] {1})))).join();
    }
    HttpResponse<String> r = raw("GET", "/api/v1/pods?watch=true&resourceVersion=2", null, null, null);
    assertEquals(410, r.statusCode(), r.body());
    assertEquals("Expired", Json.tree(r.body().getBytes()).path("reason").asText());
  }

  @Test
  void serverSideApplyCreatesMergesPrunesAndReportsConflicts() throws Exception {
    Pod p = pod("ssa", "busybox:1");
    p.getMetadata().getLabels().put("extra", "yes");
    Pod created = client.resource(p).fieldManager("one").serverSideApply();
    assertEquals("busybox:1", created.getSpec().getContainers().get(0).getImage());
    assertEquals("one", created.getMetadata().getManagedFields().get(0).getManager());
    assertEquals("Apply", created.getMetadata().getManagedFields().get(0).getOperation());

    // the label it stops applying goes; defaults the server set stay
    Pod again = pod("ssa", "busybox:2");
    Pod applied = client.resource(again).fieldManager("one").serverSideApply();
    assertEquals("busybox:2", applied.getSpec().getContainers().get(0).getImage());
    assertEquals(Map.of("app", "web"), applied.getMetadata().getLabels());
    assertEquals("Always", applied.getSpec().getRestartPolicy());

    // another applier with another image: 409 naming the field, nothing changed; forced: taken over
    var conflict = assertThrows(io.fabric8.kubernetes.client.KubernetesClientException.class,
        () -> client.resource(pod("ssa", "busybox:3")).fieldManager("two").serverSideApply());
    assertEquals(409, conflict.getCode());
    assertEquals("FieldManagerConflict", conflict.getStatus().getDetails().getCauses().get(0).getReason());
    assertEquals(".spec.containers[name=\"c\"].image", conflict.getStatus().getDetails().getCauses().get(0).getField());
    assertEquals("busybox:2", client.pods().withName("ssa").get().getSpec().getContainers().get(0).getImage());
    Pod forced = client.resource(pod("ssa", "busybox:3")).fieldManager("two").forceConflicts().serverSideApply();
    assertEquals("busybox:3", forced.getSpec().getContainers().get(0).getImage());

    // an update that does not carry managedFields keeps them
    client.pods().withName("ssa").edit(x -> {
      x.getMetadata().setManagedFields(null);
      x.getMetadata().getLabels().put("edited", "yes");
      return x;
    });
    assertEquals(2, client.pods().withName("ssa").get().getMetadata().getManagedFields().size());

    String path = "/api/v1/namespaces/default/pods/ssa";
    HttpResponse<String> noManager = raw("PATCH", path, "application/apply-patch+yaml", null, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}");
    assertEquals(422, noManager.statusCode(), noManager.body());
    assertTrue(noManager.body().contains("fieldManager"), noManager.body());
    HttpResponse<String> forceOnMerge = raw("PATCH", path + "?force=true", "application/merge-patch+json", null, "{}");
    assertEquals(422, forceOnMerge.statusCode(), forceOnMerge.body());
    HttpResponse<String> otherKind = raw("PATCH", path + "?fieldManager=x", "application/apply-patch+yaml", null,
        "apiVersion: v1\nkind: Service\nmetadata: {name: ssa}\n");
    assertEquals(400, otherKind.statusCode(), otherKind.body());
    HttpResponse<String> invalid = raw("PATCH", "/api/v1/namespaces/default/pods/ssa-bad?fieldManager=x", "application/apply-patch+yaml", null,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: ssa-bad}\nspec: {containers: [{name: c}]}\n");
    assertEquals(422, invalid.statusCode(), invalid.body());
    assertNull(client.pods().withName("ssa-bad").get());
    client.pods().withName("ssa").withGracePeriod(0).delete();
  }

  @Test
  void aWatchListSendsTheStateThenABookmarkEndingItThenTheChanges() throws Exception {
    long before = server.store.revision();
    List<Long> created = new ArrayList<>();
    for (String n : List.of("wl-1", "wl-2")) {
      Pod p = pod(n, "busybox");
      p.getMetadata().getLabels().put("wl", "yes");
      created.add(Long.parseLong(client.pods().resource(p).create().getMetadata().getResourceVersion()));
    }
    String base = "/api/v1/namespaces/default/pods?watch=true&labelSelector=wl%3Dyes&timeoutSeconds=2";
    for (String rv : List.of("", "&resourceVersion=0", "&resourceVersion=" + before, "&resourceVersion=" + created.get(1))) {
      HttpResponse<String> r = raw("GET", base + "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true" + rv,
          null, null, null);
      assertEquals(200, r.statusCode(), rv + ": " + r.body());
      String[] lines = r.body().split("\n");
      List<String> names = new ArrayList<>();
      int i = 0;
      for (; i < lines.length && Json.tree(lines[i].getBytes()).path("type").asText().equals("ADDED"); i++) {
        names.add(Json.tree(lines[i].getBytes()).at("/object/metadata/name").asText());
      }
      assertEquals(List.of("wl-1", "wl-2"), names, rv + ": " + r.body());
      var end = Json.tree(lines[i].getBytes());
      assertEquals("BOOKMARK", end.path("type").asText(), r.body());
      assertEquals("true", end.at("/object/metadata/annotations/k8s.io~1initial-events-end").asText(), r.body());
      assertTrue(Long.parseLong(end.at("/object/metadata/resourceVersion").asText()) >= created.get(1), r.body());
    }
    // without initial events: only what changes after the resourceVersion
    HttpResponse<String> none = raw("GET", base + "&sendInitialEvents=false&resourceVersionMatch=NotOlderThan", null, null, null);
    assertEquals(200, none.statusCode(), none.body());
    assertFalse(none.body().contains("\"ADDED\""), none.body());

    HttpResponse<String> tooLarge = raw("GET", base + "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion="
        + (server.store.revision() + 1000), null, null, null);
    assertEquals(504, tooLarge.statusCode(), tooLarge.body());

    for (String bad : List.of(base + "&sendInitialEvents=true", base + "&resourceVersionMatch=NotOlderThan",
        base + "&sendInitialEvents=true&resourceVersionMatch=Exact", "/api/v1/namespaces/default/pods?sendInitialEvents=true")) {
      HttpResponse<String> r = raw("GET", bad, null, null, null);
      assertEquals(422, r.statusCode(), bad + ": " + r.body());
      var status = Json.tree(r.body().getBytes());
      assertEquals("Invalid", status.path("reason").asText());
      assertTrue(status.path("message").asText().startsWith("ListOptions.meta.k8s.io is invalid: "), r.body());
    }
    client.pods().withLabel("wl", "yes").withGracePeriod(0).delete();
  }

  @Test
  void aListAtAResourceVersionNoWriteHasMadeYetIs504TooLarge() throws Exception {
    long now = server.store.revision();
    for (String query : List.of("resourceVersion=" + (now + 1000), "resourceVersion=" + (now + 1000) + "&resourceVersionMatch=NotOlderThan",
        "resourceVersion=" + (now + 1000) + "&resourceVersionMatch=Exact", "resourceVersion=" + (now + 1000) + "&limit=5")) {
      HttpResponse<String> r = raw("GET", "/api/v1/namespaces/default/pods?" + query, null, null, null);
      assertEquals(504, r.statusCode(), query + ": " + r.body());
      var status = Json.tree(r.body().getBytes());
      assertEquals("Timeout", status.path("reason").asText());
      assertEquals("ResourceVersionTooLarge", status.at("/details/causes/0/reason").asText(), r.body());
      assertTrue(status.path("message").asText().startsWith("Timeout: Too large resource version: " + (now + 1000) + ", current: "),
          r.body());
    }
    HttpResponse<String> current = raw("GET", "/api/v1/namespaces/default/pods?resourceVersion=" + now, null, null, null);
    assertEquals(200, current.statusCode(), current.body());
  }

  // ------------------------------------------------------------ other resources

  @Test
  void servicesGetDistinctClusterIpsInTheRangeEvenConcurrently() {
    List<CompletableFuture<Service>> creates = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String name = "svc" + i;
      creates.add(CompletableFuture.supplyAsync(() -> client.services().resource(new ServiceBuilder().withNewMetadata().withName(name)
          .endMetadata().withNewSpec().addToSelector("app", "web").addNewPort().withPort(80).endPort().endSpec().build()).create()));
    }
    Set<String> ips = new HashSet<>();
    for (var f : creates) {
      String ip = f.join().getSpec().getClusterIP();
      assertTrue(ip.startsWith("127.100."), ip);
      ips.add(ip);
    }
    assertEquals(12, ips.size());
    Service np = client.services().resource(new ServiceBuilder().withNewMetadata().withName("np").endMetadata()
        .withNewSpec().withType("NodePort").addNewPort().withPort(80).endPort().endSpec().build()).create();
    int nodePort = np.getSpec().getPorts().get(0).getNodePort();
    assertTrue(nodePort >= 30000 && nodePort <= 32767, Integer.toString(nodePort));
    String ip = np.getSpec().getClusterIP();
    client.services().withName("np").delete();
    assertNull(client.services().withName("np").get());
    // the freed IP can be taken again explicitly
    Service again = client.services().resource(new ServiceBuilder().withNewMetadata().withName("np2").endMetadata()
        .withNewSpec().withClusterIP(ip).addNewPort().withPort(80).endPort().endSpec().build()).create();
    assertEquals(ip, again.getSpec().getClusterIP());
    KubernetesClientException taken = assertThrows(KubernetesClientException.class, () -> client.services().resource(
        new ServiceBuilder().withNewMetadata().withName("np3").endMetadata()
            .withNewSpec().withClusterIP(ip).addNewPort().withPort(80).endPort().endSpec().build()).create());
    assertEquals(422, taken.getCode());
  }

  @Test
  void replicationControllerScaleSubresource() {
    client.replicationControllers().resource(new ReplicationControllerBuilder().withNewMetadata().withName("rc").endMetadata()
        .withNewSpec().withReplicas(1).addToSelector("app", "web").withNewTemplate().withNewMetadata().addToLabels("app", "web")
        .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate()
        .endSpec().build()).create();
    client.replicationControllers().withName("rc").scale(4);
    ReplicationController rc = client.replicationControllers().withName("rc").get();
    assertEquals(4, rc.getSpec().getReplicas());
    assertEquals(2L, rc.getMetadata().getGeneration());
    var scale = client.replicationControllers().withName("rc").scale();
    assertEquals(4, scale.getSpec().getReplicas());
    client.replicationControllers().withName("rc").delete();
    assertNull(client.replicationControllers().withName("rc").get());
  }

  @Test
  void nodesEndpointsEventsAndNamespaces() {
    Node node = client.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").addToLabels("zone", "a").endMetadata().build()).create();
    assertNull(node.getMetadata().getNamespace());
    client.nodes().withName("n1").editStatus(n -> new NodeBuilder(n).withNewStatus().addNewCondition().withType("Ready").withStatus("True")
        .endCondition().endStatus().build());
    assertEquals("Ready", client.nodes().withName("n1").get().getStatus().getConditions().get(0).getType());
    assertEquals(1, client.nodes().withField("spec.unschedulable", "false").list().getItems().size());
    client.nodes().withName("n1").delete();
    assertNull(client.nodes().withName("n1").get());

    client.endpoints().resource(new EndpointsBuilder().withNewMetadata().withName("ep").endMetadata().addNewSubset()
        .addNewAddress().withIp("127.0.0.2").endAddress().addNewPort().withPort(8080).endPort().endSubset().build()).create();
    assertEquals("127.0.0.2", client.endpoints().withName("ep").get().getSubsets().get(0).getAddresses().get(0).getIp());

    client.v1().events().resource(new EventBuilder().withNewMetadata().withName("ev1").endMetadata().withReason("Scheduled")
        .withType("Normal").withNewInvolvedObject().withKind("Pod").withName("p").withNamespace("default").endInvolvedObject().build()).create();
    assertEquals(1, client.v1().events().withField("involvedObject.name", "p").withField("reason", "Scheduled").list().getItems().size());

    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("doomed").endMetadata().build()).create();
    client.namespaces().withName("doomed").delete();
    Namespace doomed = client.namespaces().withName("doomed").get();
    assertEquals("Terminating", doomed.getStatus().getPhase());
    assertNotNull(doomed.getMetadata().getDeletionTimestamp());
    KubernetesClientException e = assertThrows(KubernetesClientException.class,
        () -> client.pods().inNamespace("doomed").resource(pod("late", "busybox")).create());
    assertEquals(403, e.getCode());
  }

  @Test
  void finalizersKeepAnObjectUntilRemovedAndDeleteCollectionTakesTheRest() {
    client.endpoints().resource(new EndpointsBuilder().withNewMetadata().withName("fin").addToLabels("group", "g")
        .addToFinalizers("example.com/hold").endMetadata().build()).create();
    client.endpoints().resource(new EndpointsBuilder().withNewMetadata().withName("plain").addToLabels("group", "g")
        .endMetadata().build()).create();
    client.endpoints().withName("fin").delete();
    var held = client.endpoints().withName("fin").get();
    assertNotNull(held.getMetadata().getDeletionTimestamp());
    client.endpoints().withName("fin").edit(e -> new EndpointsBuilder(e).editMetadata().withFinalizers(List.of()).endMetadata().build());
    assertNull(client.endpoints().withName("fin").get());
    client.endpoints().withLabel("group", "g").delete();
    assertEquals(0, client.endpoints().withLabel("group", "g").list().getItems().size());
  }

  @Test
  void discoveryAndHealth() throws Exception {
    assertEquals("32", client.getKubernetesVersion().getMinor());
    JsonNode resources = Json.tree(raw("GET", "/api/v1", null, null, null).body().getBytes());
    Map<String, JsonNode> byName = new java.util.HashMap<>();
    resources.path("resources").forEach(r -> byName.put(r.path("name").asText(), r));
    assertEquals("autoscaling", byName.get("replicationcontrollers/scale").path("group").asText());
    assertEquals("Scale", byName.get("replicationcontrollers/scale").path("kind").asText());
    assertEquals("po", byName.get("pods").path("shortNames").get(0).asText());
    assertTrue(byName.containsKey("pods/status"));
    assertTrue(byName.containsKey("bindings"));
    assertEquals(200, raw("GET", "/readyz", null, null, null).statusCode());
    assertEquals(200, raw("GET", "/healthz", null, null, null).statusCode());
    var groups = Json.tree(raw("GET", "/apis", null, null, null).body().getBytes()).path("groups");
    List<String> names = new ArrayList<>();
    groups.forEach(g -> names.add(g.path("name").asText()));
    assertEquals(List.of("authentication.k8s.io", "authorization.k8s.io"), names, "the self-review groups alone");
    var rules = Json.tree(raw("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", "application/json", null,
        "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\",\"spec\":{\"namespace\":\"default\"}}")
        .body().getBytes());
    assertEquals("*", rules.at("/status/resourceRules/0/verbs/0").asText(), "a server checking no credentials lets anyone do anything");
    HttpResponse<String> review = raw("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "application/json", null,
        "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"spec\":{}}");
    assertEquals(422, review.statusCode(), "neither resource nor path attributes: " + review.body());
    assertNotEquals(0, Json.tree(raw("GET", "/openapi/v3", null, null, null).body().getBytes()).path("paths").size());
  }
}
