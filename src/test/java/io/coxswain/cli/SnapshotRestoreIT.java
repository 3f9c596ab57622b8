package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.model.Json;
import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code snapshot save} on a three-master cluster (with a hollow minion, so that there are nodes, bound
 * running pods, endpoints and events), then {@code snapshot restore} into a new data dir and a fresh single
 * master started on it: every saved object is back with its uid, spec and labels, the cluster accepts
 * writes, and the service IP allocations came back with it.
 */
@Timeout(300)
class SnapshotRestoreIT {
  static final String NET = "127.0.14.";
  @TempDir
  static Path root;
  static final List<NodeProcess> processes = new ArrayList<>();

  @AfterAll
  static void stopAll() throws InterruptedException {
    for (NodeProcess p : processes) {
      p.close();
    }
  }

  static NodeProcess started(NodeProcess p) throws Exception {
    processes.add(p);
    return p.start();
  }

  static KubernetesClient client(NodeProcess master) {
    Config config = new ConfigBuilder(master.clientConfig()).withRequestRetryBackoffLimit(3)
        .withConnectionTimeout(2_000).withRequestTimeout(20_000).build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  @Test
  void saveOnThreeMastersRestoreIntoOne() throws Exception {
    long t0 = System.nanoTime();
    NodeProcess m1 = started(NodeProcess.master(root, "sr-m1", NET + "1", 6443, 2380, "--local-minion=false"));
    m1.awaitReady(Duration.ofSeconds(60));
    for (int i = 2; i <= 3; i++) {
      started(NodeProcess.master(root, "sr-m" + i, NET + i, 6443, 2380, "--local-minion=false",
          "--join=" + m1.apiAddress())).awaitReady(Duration.ofSeconds(60));
    }
    started(NodeProcess.minion(root, "sr-h", NET + "10", m1.apiAddress(), "--hollow=2", "--kubelet-port=10260"));
    System.out.println("three masters and two hollow minions started: " + Wait.since(t0));

    try (KubernetesClient k = client(m1)) {
      Wait.until("two Ready hollow nodes", Duration.ofSeconds(60), () -> k.nodes().list().getItems().stream()
          .filter(n -> n.getStatus().getConditions().stream()
              .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))).count() == 2);
      k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("sr-team").addToLabels("team", "a")
          .endMetadata().build()).create();
      k.replicationControllers().inNamespace("sr-team").resource(new ReplicationControllerBuilder()
          .withNewMetadata().withName("web").endMetadata()
          .withNewSpec().withReplicas(3).addToSelector("app", "web")
          .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
          .withNewSpec().addNewContainer().withName("web").withImage("coxswain/busybox:1")
          .withCommand("httpd", "-f", "-p", "8080").endContainer().endSpec().endTemplate().endSpec().build()).create();
      k.services().inNamespace("sr-team").resource(new ServiceBuilder().withNewMetadata().withName("web").endMetadata()
          .withNewSpec().addToSelector("app", "web").addNewPort().withPort(80).withTargetPort(new IntOrString(8080))
          .endPort().endSpec().build()).create();
      k.services().inNamespace("sr-team").resource(new ServiceBuilder().withNewMetadata().withName("web-np")
          .endMetadata().withNewSpec().withType("NodePort").addToSelector("app", "web").addNewPort().withPort(80)
          .withTargetPort(new IntOrString(8080)).endPort().endSpec().build()).create();
      Wait.until("three running pods and the service's endpoints", Duration.ofSeconds(60), () ->
          k.pods().inNamespace("sr-team").withLabel("app", "web").list().getItems().stream()
              .filter(p -> "Running".equals(p.getStatus().getPhase())).count() == 3
              && k.endpoints().inNamespace("sr-team").withName("web").get() != null);
    }
    System.out.println("objects created: " + Wait.since(t0));

    Path file = root.resolve("backup.jsonl");
    CliRunner.Result save = CliRunner.run(processes.get(1).server(), // a follower or the leader: any master serves it
        "snapshot", "save", file.toString(), "--kubeconfig=" + m1.kubeconfig());
    assertEquals(0, save.code(), save.toString());
    assertTrue(save.out().startsWith("Snapshot saved at "), save.toString());
    Map<String, JsonNode> saved = new LinkedHashMap<>();
    SnapshotFile.read(file, (key, value) -> {
      if (!key.startsWith("/registry/") || key.startsWith("/registry/ranges/")) {
        return; // not API objects (allocation records are checked below by allocating again)
      }
      try {
        saved.put(key, Json.MAPPER.readTree(value));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(key + " is not JSON", e);
      }
    });
    Set<String> kinds = saved.keySet().stream().map(key -> key.split("/")[2]).collect(Collectors.toSet());
    assertTrue(kinds.containsAll(Set.of("namespaces", "pods", "services", "endpoints", "replicationcontrollers",
        "nodes", "events")), "saved kinds: " + kinds);
    System.out.println("saved " + saved.size() + " keys: " + Wait.since(t0));

    // every original master down: the restored one is a new cluster, not a fourth member
    for (NodeProcess p : processes) {
      p.stop();
    }

    Path dir = root.resolve("restored");
    CliRunner.Result restore = CliRunner.run(null, "snapshot", "restore", file.toString(), "--data-dir", dir.toString());
    assertEquals(0, restore.code(), restore.toString());
    CliRunner.Result again = CliRunner.run(null, "snapshot", "restore", file.toString(), "--data-dir", dir.toString());
    assertEquals(1, again.code(), again.toString());
    assertTrue(again.err().contains("not empty"), again.toString());

    // the nodes of the old cluster are gone: keep the node lifecycle controller from evicting their pods
    // while the comparison runs
    NodeProcess fresh = started(NodeProcess.master(root, "restored", NET + "20", 6443, 2380, "--local-minion=false",
        "--node-monitor-grace=10m", "--pod-eviction-timeout=10m"));
    fresh.awaitReady(Duration.ofSeconds(60));
    assertFalse(Files.exists(dir.resolve("restore.jsonl")), "the restore file is consumed");
    System.out.println("restored master ready: " + Wait.since(t0));

    try (KubernetesClient k = client(fresh)) {
      int compared = 0;
      for (Map.Entry<String, JsonNode> e : saved.entrySet()) {
        String[] parts = e.getKey().split("/");
        JsonNode before = e.getValue();
        String ns = before.path("metadata").path("namespace").asText("");
        String name = before.path("metadata").path("name").asText();
        String path = "/api/v1/" + (ns.isEmpty() ? "" : "namespaces/" + ns + "/") + parts[2] + "/" + name;
        String body = k.raw(fresh.server() + path);
        assertNotNull(body, e.getKey() + " is back");
        JsonNode after = Json.MAPPER.readTree(body);
        assertEquals(before.path("metadata").path("uid"), after.path("metadata").path("uid"), e.getKey());
        assertEquals(before.path("metadata").path("labels"), after.path("metadata").path("labels"), e.getKey());
        if (!(parts[2].equals("endpoints") || parts[2].equals("services") && name.equals("kubernetes"))) {
          // the kubernetes service and the endpoints are the new masters' and pods' business
          assertEquals(before.path("spec"), after.path("spec"), e.getKey());
        }
        compared++;
      }
      System.out.println("compared " + compared + " objects: " + Wait.since(t0));
      assertEquals(saved.size(), compared);
      assertTrue(compared > 15, "compared " + compared + " objects");

      // writes work and allocations came back: a new service gets a cluster IP and node port of its own
      Set<String> usedIps = k.services().inAnyNamespace().list().getItems().stream()
          .map(s -> s.getSpec().getClusterIP()).collect(Collectors.toSet());
      Integer usedNodePort = k.services().inNamespace("sr-team").withName("web-np").get().getSpec().getPorts().get(0)
          .getNodePort();
      var created = k.services().inNamespace("sr-team").resource(new ServiceBuilder().withNewMetadata()
          .withName("after").endMetadata().withNewSpec().withType("NodePort").addToSelector("app", "web")
          .addNewPort().withPort(80).withTargetPort(new IntOrString(8080)).endPort().endSpec().build()).create();
      assertFalse(usedIps.contains(created.getSpec().getClusterIP()), created.getSpec().getClusterIP() + " reused");
      assertNotEquals(usedNodePort, created.getSpec().getPorts().get(0).getNodePort());
      assertEquals(3, k.pods().inNamespace("sr-team").withLabel("app", "web").list().getItems().size(),
          "the replication controller saw its restored pods and made no new ones");
    }
  }
}
