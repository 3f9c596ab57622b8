package io.coxswain.api;

import io.coxswain.store.MemoryStore;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * An API server on a MemoryStore at 127.0.0.1 on a free port, in this JVM. {@code main} keeps one running
 * for trying kubectl by hand.
 */
public final class TestApiServer implements AutoCloseable {
  public final Vertx vertx;
  final MemoryStore store;
  public final ApiServerVerticle verticle;

  TestApiServer(ApiServerConfig config) {
    vertx = Vertx.vertx();
    store = new MemoryStore(1000);
    verticle = new ApiServerVerticle(store, config);
    vertx.deployVerticle(verticle).await();
  }

  public TestApiServer() {
    this(ApiServerConfig.defaults("127.0.0.1", 0).withBookmarkInterval(Duration.ofSeconds(1)));
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
