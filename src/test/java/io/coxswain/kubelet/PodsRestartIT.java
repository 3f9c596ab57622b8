package io.coxswain.kubelet;

import static io.coxswain.kubelet.PodClusterSupport.containersOf;
import static io.coxswain.kubelet.PodClusterSupport.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Killed nodes come back to the containers they left: a master (with its local minion) killed with -9 and
 * started again adopts its running containers unchanged; a minion killed with -9 removes, on its return,
 * the containers of a pod deleted while it was down.
 */
class PodsRestartIT {
  private static final String MASTER = "pods-rit-m1";
  private static final String MINION = "pods-rit-n2";
  private static final Duration START = Duration.ofSeconds(60);

  @TempDir
  static Path root;

  private static NodeProcess master;
  private static NodeProcess minion;
  private static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    PodClusterSupport.requireDocker();
    PodClusterSupport.removeContainers(MASTER, MINION);
    // a long grace: the minion is down on purpose here, and its pods must not be evicted meanwhile
    master = NodeProcess.master(root, MASTER, "127.0.5.1", 6443, 2380, "--node-monitor-grace=3m",
        "--pod-eviction-timeout=3m").start().awaitReady(START);
    client = PodClusterSupport.client(master);
    awaitNodeReady(MASTER);
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (minion != null) {
      minion.kill();
    }
    if (master != null) {
      master.kill();
    }
    PodClusterSupport.removeContainers(MASTER, MINION);
  }

  private static void awaitNodeReady(String node) {
    Wait.until("node " + node + " Ready", START, () -> {
      var n = client.nodes().withName(node).get();
      return n != null && n.getStatus() != null && n.getStatus().getConditions() != null
          && n.getStatus().getConditions().stream()
          .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    });
  }

  private static String podYaml(String name, String node) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          nodeName: %s
          terminationGracePeriodSeconds: 1
          containers:
          - {name: a, image: coxswain/busybox:1, command: [sleep, '3600']}
          - {name: b, image: coxswain/busybox:1, command: [sleep, '3600']}
        """.formatted(name, node);
  }

  private static String containerId(String pod, String container) {
    return Wait.forValue(pod + "/" + container + " running", START, () -> {
      Pod p = client.pods().withName(pod).get();
      ContainerStatus s = status(p, container);
      return s != null && s.getState() != null && s.getState().getRunning() != null ? s.getContainerID() : null;
    });
  }

  @Test
  void masterKilledAndRestartedAdoptsItsContainers() throws Exception {
    client.resource(podYaml("keeper", MASTER)).create();
    String a = containerId("keeper", "a");
    String b = containerId("keeper", "b");
    List<String> before = containersOf(MASTER);
    assertEquals(3, before.size(), "infra + two containers: " + before);

    master.kill();
    assertFalse(master.alive());
    master.start().awaitReady(START);
    awaitNodeReady(MASTER);

    // a pod created after the restart runs: the new kubelet has synced every pod of the node since
    // (the restarted store may take a moment to accept writes: retry until the pod exists)
    Wait.until("marker created", START, () -> {
      if (client.pods().withName("marker").get() == null) {
        client.resource(podYaml("marker", MASTER)).create();
      }
      return true;
    });
    containerId("marker", "b");
    Pod now = client.pods().withName("keeper").get();
    assertEquals(a, status(now, "a").getContainerID(), "container a adopted with its id");
    assertEquals(b, status(now, "b").getContainerID(), "container b adopted with its id");
    assertEquals(0, status(now, "a").getRestartCount());
    List<String> after = containersOf(MASTER);
    assertEquals(6, after.size(), "keeper's three and marker's three: " + after);
    assertTrue(after.containsAll(before), "keeper's containers are the same ones: " + before + " in " + after);
  }

  @Test
  void minionRemovesContainersOfPodsDeletedWhileItWasDown() throws Exception {
    minion = NodeProcess.minion(root, MINION, "127.0.5.2", master.apiAddress()).start();
    awaitNodeReady(MINION);
    client.resource(podYaml("orphan", MINION)).create();
    client.resource(podYaml("survivor", MINION)).create();
    String survivorA = containerId("survivor", "a");
    containerId("orphan", "a");
    containerId("orphan", "b");
    String orphanUid = client.pods().withName("orphan").get().getMetadata().getUid();
    List<String> before = containersOf(MINION);
    assertEquals(6, before.size(), "two pods of infra + two containers: " + before);

    minion.kill();
    assertFalse(minion.alive());
    client.pods().withName("orphan").withGracePeriod(0).delete();
    Wait.until("orphan gone from the API", START, () -> client.pods().withName("orphan").get() == null);
    assertEquals(before, containersOf(MINION), "nothing touches the containers while the minion is down");

    minion.start();
    Wait.until("the orphan's containers removed on return", START, () -> PodClusterSupport.run(List.of("docker",
        "ps", "-aq", "--filter", "label=" + ContainerLabels.POD_UID + "=" + orphanUid), null).out().isBlank());
    assertEquals(survivorA, containerId("survivor", "a"), "the surviving pod's container is adopted");
    List<String> after = containersOf(MINION);
    assertEquals(3, after.size(), "only the survivor's containers are left: " + after);
    assertTrue(before.containsAll(after), "the survivor's containers are the same ones");
  }
}
