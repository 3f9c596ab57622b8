package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.model.Json;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The heartbeat registers its Node whatever holds it up: a container runtime that never answers (the Node is
 * registered NotReady, saying so), or a master that took a request and never answered (the next beat goes
 * ahead once the hung one has had its time).
 */
class NodeHeartbeatTest {
  private Vertx vertx;
  private final CountDownLatch never = new CountDownLatch(1);

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    never.countDown();
    vertx.close().await();
  }

  /** Nodes by name; GETs (and every call, when {@code hangFirstGets} is above 0) can be held. */
  private static final class Nodes {
    final AtomicReference<Node> node = new AtomicReference<>();
    final AtomicInteger gets = new AtomicInteger();
    volatile int hangFirstGets;

    ClusterClient client() {
      return (ClusterClient) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ClusterClient.class},
          (proxy, method, args) -> switch (method.getName()) {
            case "get" -> {
              if (gets.incrementAndGet() <= hangFirstGets) {
                yield Promise.promise().future(); // taken, never answered
              }
              Node n = node.get();
              yield n == null ? Future.failedFuture(new ApiException(404, "NotFound", "nodes \"n1\" not found", null))
                  : Future.succeededFuture(Json.copy(n));
            }
            case "create", "update" -> {
              node.set(Json.copy((Node) args[1]));
              yield Future.succeededFuture(args[1]);
            }
            default -> throw new UnsupportedOperationException(method.getName());
          });
    }
  }

  private static NodeHeartbeat.Machine machine() {
    return new NodeHeartbeat.Machine(2000, 1L << 30, 110, 0, 0, "6.1", "Linux", "amd64");
  }

  private static NodeCondition ready(Node n) {
    return n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElseThrow();
  }

  @Test
  void aRuntimeThatNeverAnswersLeavesTheNodeRegisteredNotReadySayingWhy() {
    Nodes api = new Nodes();
    NodeHeartbeat hb = new NodeHeartbeat(vertx, api.client(), "n1", "127.0.0.1", 10250, Map.of(), machine(), () -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new NodeHeartbeat.RuntimeHealth("docker", "27", true, "");
    }, 100);
    hb.start();
    try {
      Wait.until("the node is registered", Duration.ofSeconds(20), hb::registered);
      Node n = api.node.get();
      assertNotNull(n);
      assertEquals("False", ready(n).getStatus());
      assertTrue(ready(n).getMessage().contains("the runtime has not answered for"), ready(n).getMessage());
    } finally {
      hb.stop();
    }
  }

  @Test
  void aRequestTheMasterNeverAnswersDoesNotHoldTheNextBeats() {
    Nodes api = new Nodes();
    api.hangFirstGets = 1;
    NodeHeartbeat hb = new NodeHeartbeat(vertx, api.client(), "n1", "127.0.0.1", 10250, Map.of(), machine(),
        () -> new NodeHeartbeat.RuntimeHealth("docker", "27", true, ""), 100);
    hb.start();
    try {
      Wait.until("the node is registered", Duration.ofSeconds(20), hb::registered);
      assertEquals("True", ready(api.node.get()).getStatus());
      assertTrue(api.gets.get() >= 2, "gets: " + api.gets.get());
    } finally {
      hb.stop();
    }
  }
}
