package io.coxswain.proxy;

import static io.coxswain.proxy.ProxyVerticleTest.await;
import static io.coxswain.proxy.ProxyVerticleTest.clusterIp;
import static io.coxswain.proxy.ProxyVerticleTest.endpoints;
import static io.coxswain.proxy.ProxyVerticleTest.nameAt;
import static io.coxswain.proxy.ProxyVerticleTest.refused;
import static io.coxswain.proxy.ProxyVerticleTest.service;
import static io.coxswain.proxy.ProxyVerticleTest.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.coxswain.client.ClusterClient;
import io.coxswain.client.ListOptions;
import io.coxswain.client.ObjectEvent;
import io.coxswain.client.ObjectList;
import io.coxswain.client.ResourceKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy fed by its informers: a ClusterClient stand-in that lists what it holds and streams what the test
 * writes as watch events, the way the API does.
 */
class ProxyInformerWiringTest {
  /** Lists and watches of services and endpoints from memory; other verbs are not used by the proxy. */
  static final class MemoryClusterClient implements ClusterClient {
    private final Map<String, Handler<ObjectEvent<HasMetadata>>> watchers = new ConcurrentHashMap<>();
    private final Map<String, Context> contexts = new ConcurrentHashMap<>();
    private final Map<String, Map<String, HasMetadata>> objects = new ConcurrentHashMap<>();
    private int revision = 1;

    synchronized void write(ResourceKind<?> kind, ObjectEvent.Type type, HasMetadata obj) {
      obj.getMetadata().setResourceVersion(Integer.toString(++revision));
      Map<String, HasMetadata> byName = objects.computeIfAbsent(kind.resource(), k -> new ConcurrentHashMap<>());
      if (type == ObjectEvent.Type.DELETED) {
        byName.remove(obj.getMetadata().getName());
      } else {
        byName.put(obj.getMetadata().getName(), obj);
      }
      Handler<ObjectEvent<HasMetadata>> h = watchers.get(kind.resource());
      if (h != null) {
        contexts.get(kind.resource()).runOnContext(v -> h.handle(new ObjectEvent<>(type, obj)));
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized <T extends HasMetadata> Future<ObjectList<T>> list(ResourceKind<T> kind, String namespace,
                                                                             ListOptions options) {
      List<T> items = objects.getOrDefault(kind.resource(), Map.of()).values().stream().map(o -> (T) o).toList();
      return Future.succeededFuture(new ObjectList<>(items, Integer.toString(revision), null));
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <T extends HasMetadata> Future<WatchHandle> watch(ResourceKind<T> kind, String namespace,
                                                            ListOptions options, Handler<ObjectEvent<T>> handler,
                                                            Handler<Throwable> onEnd) {
      contexts.put(kind.resource(), Vertx.currentContext());
      watchers.put(kind.resource(), (Handler) handler);
      return Future.succeededFuture(() -> watchers.remove(kind.resource()));
    }

    @Override
    public <T extends HasMetadata> Future<T> get(ResourceKind<T> kind, String namespace, String name) {
      return unused();
    }

    @Override
    public <T extends HasMetadata> Future<T> create(ResourceKind<T> kind, T object) {
      return unused();
    }

    @Override
    public <T extends HasMetadata> Future<T> update(ResourceKind<T> kind, T object, String subresource) {
      return unused();
    }

    @Override
    public <T extends HasMetadata> Future<T> patch(ResourceKind<T> kind, String namespace, String name,
                                                    String subresource, String contentType, String patch) {
      return unused();
    }

    @Override
    public Future<Void> delete(ResourceKind<?> kind, String namespace, String name, Long grace, String policy) {
      return unused();
    }

    @Override
    public Future<Void> bind(String namespace, String pod, String node) {
      return unused();
    }

    @Override
    public Future<String> getText(String path) {
      return unused();
    }

    private static <T> Future<T> unused() {
      return Future.failedFuture(new UnsupportedOperationException("not used by the proxy"));
    }

    boolean watching() {
      return watchers.size() == 2;
    }
  }

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void servicesAndEndpointsFromTheApiAreServed() throws Exception {
    MemoryClusterClient api = new MemoryClusterClient();
    NetServer a = vertx.createNetServer().connectHandler(s -> s.write("a\n"));
    NetServer b = vertx.createNetServer().connectHandler(s -> s.write("b\n"));
    await(a.listen(0, "127.0.0.1"));
    await(b.listen(0, "127.0.0.1"));
    String ip = clusterIp();
    // one service exists before the proxy starts (the first list), the rest comes by watch
    api.write(ResourceKind.SERVICES, ObjectEvent.Type.ADDED, service("web", ip, 8080, "TCP"));
    await(vertx.deployVerticle(new ProxyVerticle(api, "127.0.0.1", ProxyOptions.defaults(),
        new SimpleMeterRegistry())));
    waitFor("both watches", api::watching);

    api.write(ResourceKind.ENDPOINTS, ObjectEvent.Type.ADDED,
        endpoints("web", "TCP", new Backend("127.0.0.1", a.actualPort())));
    waitFor("the service served from its endpoints", () -> "a".equals(nameOrNull(ip, 8080)));

    api.write(ResourceKind.ENDPOINTS, ObjectEvent.Type.MODIFIED,
        endpoints("web", "TCP", new Backend("127.0.0.1", b.actualPort())));
    waitFor("the endpoints change applied", () -> "b".equals(nameOrNull(ip, 8080)));
    assertEquals("b", nameAt(ip, 8080));

    api.write(ResourceKind.SERVICES, ObjectEvent.Type.DELETED, service("web", ip, 8080, "TCP"));
    waitFor("the listener closed", () -> refused(ip, 8080));
  }

  private static String nameOrNull(String host, int port) {
    try {
      return nameAt(host, port);
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
