package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.ListOptions;
import io.coxswain.client.ObjectEvent;
import io.coxswain.client.ObjectList;
import io.coxswain.client.ResourceKind;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalClusterClientTest {
  private TestApiServer server;
  private ClusterClient client;

  @BeforeEach
  void start() {
    server = new TestApiServer();
    client = new LocalClusterClient(server.verticle, null);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static ApiException failure(Future<?> f) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(f));
    return assertInstanceOf(ApiException.class, e.getCause());
  }

  private static Pod pod(String name, String app) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").addToLabels("app", app).endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
  }

  private void awaitNamespaces() throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        await(client.get(ResourceKind.NAMESPACES, null, "default"));
        return;
      } catch (ExecutionException e) {
        assertTrue(System.nanoTime() < end, "the default namespace never appeared");
        Thread.sleep(20); // polling, with the deadline above
      }
    }
  }

  @Test
  void aComponentsCallsNeitherWaitForTheApiContextNorLeaveTheirOwn() throws Exception {
    awaitNamespaces();
    io.vertx.core.Context component = server.verticle.vertxInstance().getOrCreateContext();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch apiBusy = new java.util.concurrent.CountDownLatch(1);
    // the API's event loop is held by a long task (a burst of requests, say)
    server.verticle.vertxContext().runOnContext(v -> {
      apiBusy.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      assertTrue(apiBusy.await(10, TimeUnit.SECONDS));
      java.util.concurrent.CompletableFuture<io.vertx.core.Context> answeredOn = new java.util.concurrent.CompletableFuture<>();
      java.util.concurrent.CompletableFuture<Pod> made = new java.util.concurrent.CompletableFuture<>();
      component.runOnContext(v -> client.create(ResourceKind.PODS, pod("busy-1", "web")).onComplete(ar -> {
        answeredOn.complete(io.vertx.core.Vertx.currentContext());
        if (ar.succeeded()) {
          made.complete(ar.result());
        } else {
          made.completeExceptionally(ar.cause());
        }
      }));
      assertEquals("busy-1", made.get(10, TimeUnit.SECONDS).getMetadata().getName());
      assertTrue(answeredOn.get(10, TimeUnit.SECONDS) == component, "the answer comes on the caller's context");
      assertEquals(1, release.getCount(), "answered while the API's event loop was still held");
    } finally {
      release.countDown();
    }
  }

  @Test
  void createsThroughTheStrategiesAndAnswersErrorsAsAnHttpClientWould() throws Exception {
    awaitNamespaces();
    Pod made = await(client.create(ResourceKind.PODS, pod("web-1", "web")));
    assertNotNull(made.getMetadata().getUid());
    assertEquals("Pending", made.getStatus().getPhase(), "the pod strategy's defaults applied");
    assertEquals("Always", made.getSpec().getRestartPolicy());
    assertEquals(409, failure(client.create(ResourceKind.PODS, pod("web-1", "web"))).code());
    assertTrue(failure(client.get(ResourceKind.PODS, "default", "nope")).isNotFound());
    ApiException invalid = failure(client.create(ResourceKind.PODS, pod("Not_A_Name", "web")));
    assertEquals(422, invalid.code());
    assertEquals("Invalid", invalid.reason());

    await(client.create(ResourceKind.PODS, pod("db-1", "db")));
    ObjectList<Pod> web = await(client.list(ResourceKind.PODS, "default", ListOptions.labels("app=web")));
    assertEquals(List.of("web-1"), web.items().stream().map(p -> p.getMetadata().getName()).toList());
    assertTrue(Long.parseLong(web.resourceVersion()) > 0);

    Pod patched = await(client.patch(ResourceKind.PODS, "default", "db-1", null, "application/merge-patch+json",
        "{\"metadata\":{\"labels\":{\"tier\":\"data\"}}}"));
    assertEquals("data", patched.getMetadata().getLabels().get("tier"));
    assertEquals(400, failure(client.patch(ResourceKind.PODS, "default", "db-1", null,
        "application/merge-patch+json", "{not json")).code());
  }

  @Test
  void aWatchPinnedToANodeSeesPodsComeAndGoOnThatNodeOnly() throws Exception {
    awaitNamespaces();
    await(client.create(ResourceKind.PODS, pod("a", "web")));
    await(client.create(ResourceKind.PODS, pod("b", "web")));
    String rv = await(client.list(ResourceKind.PODS, null, ListOptions.ALL)).resourceVersion();
    LinkedBlockingQueue<ObjectEvent<Pod>> events = new LinkedBlockingQueue<>();
    await(client.watch(ResourceKind.PODS, null, ListOptions.fields("spec.nodeName=n1").withResourceVersion(rv),
        events::add, err -> { }));
    await(client.bind("default", "b", "n2"));
    await(client.bind("default", "a", "n1"));
    assertEquals(409, failure(client.bind("default", "a", "n2")).code(), "a pod is bound once");
    await(client.delete(ResourceKind.PODS, "default", "a", 0L, null));

    ObjectEvent<Pod> first = events.poll(10, TimeUnit.SECONDS);
    assertNotNull(first);
    assertEquals(ObjectEvent.Type.ADDED, first.type(), "a pod bound to n1 enters the watch");
    assertEquals("a", first.object().getMetadata().getName());
    ObjectEvent<Pod> second = events.poll(10, TimeUnit.SECONDS);
    assertNotNull(second);
    assertEquals(ObjectEvent.Type.DELETED, second.type());
    assertEquals("a", second.object().getMetadata().getName());
    assertTrue(events.isEmpty(), "nothing of the pod on n2: " + events);
  }

  @Test
  void aWatchWithoutARevisionStartsWithTheCurrentObjects() throws Exception {
    awaitNamespaces();
    await(client.create(ResourceKind.PODS, pod("x", "web")));
    LinkedBlockingQueue<ObjectEvent<Pod>> events = new LinkedBlockingQueue<>();
    await(client.watch(ResourceKind.PODS, "default", ListOptions.ALL, events::add, err -> { }));
    await(client.create(ResourceKind.PODS, pod("y", "web")));
    ObjectEvent<Pod> first = events.poll(10, TimeUnit.SECONDS);
    ObjectEvent<Pod> second = events.poll(10, TimeUnit.SECONDS);
    assertNotNull(second);
    assertEquals(List.of("x", "y"), List.of(first.object().getMetadata().getName(), second.object().getMetadata().getName()));
    assertEquals(ObjectEvent.Type.ADDED, second.type());
  }
}
