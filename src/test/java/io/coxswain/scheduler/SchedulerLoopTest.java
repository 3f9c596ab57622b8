package io.coxswain.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.api.LocalClusterClient;
import io.coxswain.api.TestApiServer;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.EventRecorder;
import io.coxswain.client.ResourceKind;
import io.coxswain.client.SharedInformers;
import io.coxswain.model.Pods;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's loop against an API server in this JVM: the snapshot it keeps between batches follows the
 * pods and nodes as they change (a pod's room is given back when it goes, a node's pods count on it).
 */
class SchedulerLoopTest {
  private TestApiServer server;
  private ClusterClient client;
  private Context context;
  private SchedulerLoop loop;

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static <T> T poll(Supplier<T> probe, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      T found = probe.get();
      if (found != null) {
        return found;
      }
      assertTrue(System.nanoTime() < end, "timed out waiting for " + what);
      Thread.sleep(20); // polling, with the deadline above
    }
  }

  @BeforeEach
  void start() throws Exception {
    server = new TestApiServer();
    client = new LocalClusterClient(server.verticle, null);
    poll(() -> {
      try {
        return await(client.get(ResourceKind.NAMESPACES, null, "default"));
      } catch (Exception e) {
        return null;
      }
    }, "the default namespace");
    context = server.vertx.getOrCreateContext();
    CompletableFuture<Void> started = new CompletableFuture<>();
    context.runOnContext(v -> {
      SharedInformers informers = new SharedInformers(server.vertx, client, Duration.ofMinutes(5));
      loop = new SchedulerLoop(informers, new EventRecorder(client, SchedulerLoop.NAME, null), new SplittableRandom(7));
      loop.start().onComplete(ar -> {
        if (ar.succeeded()) {
          started.complete(null);
        } else {
          started.completeExceptionally(ar.cause());
        }
      });
    });
    started.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    if (loop != null) {
      context.runOnContext(v -> loop.stop());
    }
    server.close();
  }

  private Pod create(String name, String cpu, String nodeName) throws Exception {
    Pod pod = SchedulerTest.pod(name, cpu, null)
        .editSpec().withNodeName(nodeName).endSpec().build();
    return await(client.create(ResourceKind.PODS, pod));
  }

  private String boundNode(String name) throws InterruptedException {
    return poll(() -> {
      try {
        String node = await(client.get(ResourceKind.PODS, "default", name)).getSpec().getNodeName();
        return node == null || node.isEmpty() ? null : node;
      } catch (Exception e) {
        return null;
      }
    }, name + " to be bound");
  }

  @Test
  void aPodsRoomIsGivenBackWhenItGoesAndPodsCountOnTheNodeTheyAreBoundTo() throws Exception {
    await(client.create(ResourceKind.NODES, SchedulerTest.node("n1", "2", "4Gi")));
    create("big", "2", "n1"); // bound from its creation: it fills n1
    await(client.create(ResourceKind.NODES, SchedulerTest.node("n2", "2", "4Gi")));

    create("p", "1", null);
    assertEquals("n2", boundNode("p"), "n1 is full");

    await(client.delete(ResourceKind.PODS, "default", "big", 0L, null));
    create("q", "2", null);
    assertEquals("n1", boundNode("q"), "big's room on n1 is free again, and p takes half of n2");

    create("r", "1", null);
    assertEquals("n2", boundNode("r"));

    create("s", "1", null);
    PodCondition scheduled = poll(() -> {
      try {
        PodCondition c = Pods.condition(await(client.get(ResourceKind.PODS, "default", "s")), "PodScheduled");
        return c != null && "False".equals(c.getStatus()) ? c : null;
      } catch (Exception e) {
        return null;
      }
    }, "s to be found unschedulable");
    assertEquals("0/2 nodes are available: 2 Insufficient cpu.", scheduled.getMessage());

    await(client.delete(ResourceKind.PODS, "default", "r", 0L, null));
    assertEquals("n2", boundNode("s"), "r's room is given to s when r goes");
  }
}
