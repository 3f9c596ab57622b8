package io.coxswain.bench;

import io.coxswain.proxy.Backend;
import io.coxswain.proxy.ProxyOptions;
import io.coxswain.proxy.ProxyVerticle;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;

/**
 * Runs the service proxy alone, fed directly with selector-less services (no master), for the proxy
 * benchmark. Arguments: {@code NAME=CLUSTER_IP:PORT=BACKEND_HOST:BACKEND_PORT ...}. Prints "ready" once every
 * service is bound, and runs until killed.
 */
public final class ProxyBenchMain {
  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    ProxyVerticle proxy = new ProxyVerticle(null, "127.0.0.1", ProxyOptions.defaults(), new SimpleMeterRegistry());
    vertx.deployVerticle(proxy).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    for (String arg : args) {
      String[] f = arg.split("=");
      String[] front = f[1].split(":");
      String[] back = f[2].split(":");
      Backend b = new Backend(back[0], Integer.parseInt(back[1]));
      proxy.putService(new ServiceBuilder().withNewMetadata().withNamespace("default").withName(f[0]).endMetadata()
          .withNewSpec().withClusterIP(front[0]).addNewPort().withName("p").withProtocol("TCP")
          .withPort(Integer.parseInt(front[1])).endPort().endSpec().build())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      proxy.putEndpoints(new EndpointsBuilder().withNewMetadata().withNamespace("default").withName(f[0]).endMetadata()
          .addNewSubset().addNewAddress().withIp(b.host()).endAddress()
          .addNewPort().withName("p").withProtocol("TCP").withPort(b.port()).endPort().endSubset().build())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    System.out.println("native_transport=" + vertx.isNativeTransportEnabled());
    System.out.println("ready");
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }));
    Thread.currentThread().join();
  }
}
