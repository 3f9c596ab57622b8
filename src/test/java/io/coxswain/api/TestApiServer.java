package io.coxswain.api;

import io.coxswain.api.registry.PodStrategy;
import io.coxswain.api.registry.ServedResource;
import io.coxswain.store.MemoryStore;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Service;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;

/**
 * An API server on a MemoryStore at 127.0.0.1 on a free port, in this JVM. {@code main} keeps one running
 * for trying kubectl by hand.
 */
final class TestApiServer implements AutoCloseable {
  final Vertx vertx;
  final MemoryStore store;
  final ApiServerVerticle verticle;

  TestApiServer(ApiServerConfig config) {
    vertx = Vertx.vertx();
    store = new MemoryStore(1000);
    verticle = new ApiServerVerticle(store, resources(), config);
    vertx.deployVerticle(verticle).await();
  }

  TestApiServer() {
    this(ApiServerConfig.defaults("127.0.0.1", 0).withBookmarkInterval(Duration.ofSeconds(1)));
  }

  static List<ServedResource> resources() {
    return List.of(
        new ServedResource(new StandInStrategy<>(Namespace.class, "namespaces", "Namespace", false, false),
            List.of("ns"), List.of("status", "finalize")),
        new ServedResource(new PodStrategy(), List.of("po"), List.of("status", "binding", "log", "exec")),
        new ServedResource(new StandInStrategy<>(Service.class, "services", "Service", true, false),
            List.of("svc"), List.of("status")),
        new ServedResource(new StandInStrategy<>(Endpoints.class, "endpoints", "Endpoints", true, false),
            List.of("ep"), List.of()),
        new ServedResource(new StandInStrategy<>(ReplicationController.class, "replicationcontrollers",
            "ReplicationController", true, false), List.of("rc"), List.of("status", "scale")),
        new ServedResource(new StandInStrategy<>(Node.class, "nodes", "Node", false, false),
            List.of("no"), List.of("status")),
        new ServedResource(new StandInStrategy<>(Event.class, "events", "Event", true, false),
            List.of("ev"), List.of()));
  }

  String url() {
    return "http://127.0.0.1:" + verticle.actualPort();
  }

  @Override
  public void close() {
    vertx.close().await();
    store.close();
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    TestApiServer s = new TestApiServer(ApiServerConfig.defaults("127.0.0.1", port));
    System.out.println("listening on " + s.url());
    Thread.currentThread().join();
  }
}
