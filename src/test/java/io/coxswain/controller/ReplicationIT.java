package io.coxswain.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication manager and the scheduler on real master processes with hollow minions (a fake container
 * runtime): spreading, scaling, an unschedulable pod, a dead minion process and a leader killed mid scale-up.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicationIT {
  static final Duration STEP = Duration.ofSeconds(90);
  static final Duration STARTUP = Duration.ofSeconds(150);
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path root;
  static NodeProcess[] masters = new NodeProcess[3];
  static NodeProcess hollow1;
  static NodeProcess hollow2;
  static KubernetesClient k8s;
  static int clientOf = -1;

  @BeforeAll
  static void start() throws Exception {
    long t = System.nanoTime();
    String[] flags = {"--local-minion=false", "--node-monitor-grace=6s", "--pod-eviction-timeout=3s"};
    masters[0] = NodeProcess.master(root, "rp-m0", "127.0.3.11", 6443, 2380, flags).start().awaitReady(STARTUP);
    for (int i = 1; i < 3; i++) {
      String[] extra = {flags[0], flags[1], flags[2], "--join=" + masters[0].apiAddress()};
      masters[i] = NodeProcess.master(root, "rp-m" + i, "127.0.3.1" + (i + 1), 6443, 2380, extra).start()
          .awaitReady(STARTUP);
    }
    hollow1 = NodeProcess.minion(root, "rp-h1", "127.0.3.21", masters[0].apiAddress(), "--hollow=3",
        "--heartbeat=2s").start();
    useClientOf(0);
    step("3 hollow nodes Ready", t, () -> readyNodes().size() == 3);
  }

  @AfterAll
  static void stop() throws Exception {
    if (k8s != null) {
      k8s.close();
    }
    for (NodeProcess p : new NodeProcess[] {hollow1, hollow2, masters[0], masters[1], masters[2]}) {
      if (p != null) {
        p.close();
      }
    }
  }

  static void useClientOf(int i) {
    if (k8s != null) {
      k8s.close();
    }
    Config config = new ConfigBuilder(masters[i].clientConfig())
        .withRequestRetryBackoffLimit(0).withRequestTimeout(5000).build();
    k8s = new KubernetesClientBuilder().withConfig(config).build();
    clientOf = i;
  }

  static void step(String what, long startNanos, Callable<Boolean> condition) {
    Wait.until(what, STEP, condition);
    System.out.println("[replication] " + what + ": " + Wait.since(startNanos));
  }

  static Set<String> readyNodes() {
    return k8s.nodes().list().getItems().stream().filter(ReplicationIT::ready)
        .map(n -> n.getMetadata().getName()).collect(Collectors.toSet());
  }

  static boolean ready(Node n) {
    return n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static List<Pod> livePods() {
    return k8s.pods().inNamespace("default").withLabel("app", "hollow").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /** Running pods per node, when exactly {@code n} live pods exist and all run; else null. */
  static Map<String, Integer> runningByNode(int n) {
    List<Pod> pods = livePods();
    if (pods.size() != n || !pods.stream().allMatch(p -> p.getStatus() != null
        && "Running".equals(p.getStatus().getPhase()))) {
      return null;
    }
    Map<String, Integer> by = new TreeMap<>();
    pods.forEach(p -> by.merge(p.getSpec().getNodeName(), 1, Integer::sum));
    return by;
  }

  static void scale(int n) {
    k8s.replicationControllers().inNamespace("default").withName("hollow").scale(n);
  }

  @Test
  @Order(1)
  void spreadsEvenlyAndScales() {
    long t = System.nanoTime();
    ReplicationController rc = new ReplicationControllerBuilder().withNewMetadata().withName("hollow").endMetadata()
        .withNewSpec().withReplicas(6).addToSelector("app", "hollow").withNewTemplate().withNewMetadata()
        .addToLabels("app", "hollow").endMetadata().withNewSpec().addNewContainer().withName("c")
        .withImage("coxswain/busybox:1").withCommand("sleep", "3600").endContainer().endSpec().endTemplate()
        .endSpec().build();
    k8s.replicationControllers().inNamespace("default").resource(rc).create();
    Map<String, Integer> six = Wait.forValue("6 pods running", STEP, () -> runningByNode(6));
    System.out.println("[replication] 6 running " + six + ": " + Wait.since(t));
    assertEquals(List.of(2, 2, 2), List.copyOf(six.values()), "6 pods spread 2/2/2 over 3 nodes: " + six);
    t = System.nanoTime();
    scale(9);
    Map<String, Integer> nine = Wait.forValue("9 pods running", STEP, () -> runningByNode(9));
    System.out.println("[replication] 9 running " + nine + ": " + Wait.since(t));
    assertEquals(List.of(3, 3, 3), List.copyOf(nine.values()), "9 pods spread 3/3/3: " + nine);
    t = System.nanoTime();
    scale(1);
    step("scaled to 1", t, () -> runningByNode(1) != null
        && k8s.pods().inNamespace("default").withLabel("app", "hollow").list().getItems().size() == 1);
    assertEquals(1, k8s.replicationControllers().inNamespace("default").withName("hollow").get().getStatus()
        .getReplicas());
  }

  @Test
  @Order(2)
  void podThatFitsNowhereStaysPending() {
    long t = System.nanoTime();
    Pod pod = new PodBuilder().withNewMetadata().withName("nowhere").endMetadata().withNewSpec()
        .addToNodeSelector("disk", "nobody-has-this").addNewContainer().withName("c").withImage("coxswain/busybox:1")
        .endContainer().endSpec().build();
    k8s.pods().inNamespace("default").resource(pod).create();
    step("PodScheduled=False, Unschedulable", t, () -> {
      Pod p = k8s.pods().inNamespace("default").withName("nowhere").get();
      if (p.getStatus() == null || p.getStatus().getConditions() == null) {
        return false;
      }
      for (PodCondition c : p.getStatus().getConditions()) {
        if ("PodScheduled".equals(c.getType())) {
          assertEquals("False", c.getStatus());
          assertEquals("Unschedulable", c.getReason());
          assertTrue(c.getMessage().startsWith("0/3 nodes are available"), c.getMessage());
          assertTrue(c.getMessage().contains("didn't match"), c.getMessage());
          return true;
        }
      }
      return false;
    });
    step("FailedScheduling event", t, () -> {
      List<Event> events = k8s.v1().events().inNamespace("default").list().getItems();
      return events.stream().anyMatch(e -> "FailedScheduling".equals(e.getReason())
          && "nowhere".equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType()));
    });
    Pod p = k8s.pods().inNamespace("default").withName("nowhere").get();
    assertEquals("Pending", p.getStatus().getPhase());
    assertEquals(null, p.getSpec().getNodeName());
    k8s.pods().inNamespace("default").withName("nowhere").delete();
  }

  @Test
  @Order(3)
  void podsOfADeadMinionProcessAreReplaced() throws Exception {
    long t = System.nanoTime();
    hollow2 = NodeProcess.minion(root, "rp-h2", "127.0.3.22", masters[1].apiAddress(), "--hollow=3",
        "--heartbeat=2s").start();
    step("6 hollow nodes Ready", t, () -> readyNodes().size() == 6);
    scale(6);
    step("6 pods running", t, () -> runningByNode(6) != null);
    t = System.nanoTime();
    hollow1.kill();
    step("pods replaced on the live hollow minion", t, () -> {
      Map<String, Integer> by = runningByNode(6);
      return by != null && by.keySet().stream().allMatch(n -> n.startsWith("rp-h2-"));
    });
  }

  static int leader() throws Exception {
    HttpResponse<String> r = masters[clientOf].adminHttp().send(HttpRequest.newBuilder(URI.create(masters[clientOf].server()
        + "/coxswain/v1/members")).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(r.body());
    for (JsonNode m : body.path("members")) {
      if (m.path("leader").asBoolean()) {
        String id = m.path("id").asText();
        for (int i = 0; i < 3; i++) {
          if (id.equals("rp-m" + i)) {
            return i;
          }
        }
      }
    }
    throw new IllegalStateException("no leader in " + r.body());
  }

  @Test
  @Order(4)
  void newLeaderFinishesAScaleUp() throws Exception {
    int leader = Wait.forValue("a leader", STEP, ReplicationIT::leader);
    useClientOf((leader + 1) % 3);
    long t = System.nanoTime();
    scale(40);
    int created = livePods().size();
    masters[leader].kill();
    System.out.println("[replication] killed leader rp-m" + leader + " when " + created + " of 40 pods existed");
    Map<String, Integer> by = Wait.forValue("exactly 40 pods running", Duration.ofSeconds(90), () -> runningByNode(40));
    System.out.println("[replication] new leader finished the scale-up " + by + ": " + Wait.since(t));
    assertEquals(40, by.values().stream().mapToInt(Integer::intValue).sum());
    assertEquals(40, livePods().size(), "no extra pods");
    assertEquals(40, k8s.replicationControllers().inNamespace("default").withName("hollow").get().getStatus()
        .getReplicas());
  }
}
