package io.coxswain.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SchedulerTest {
  /** A random source that always picks the last of the tied candidates (sorted by node name). */
  private static final RandomGenerator LAST = new RandomGenerator() {
    @Override
    public long nextLong() {
      return 0;
    }

    @Override
    public int nextInt(int bound) {
      return bound - 1;
    }
  };

  private static final RandomGenerator FIRST = new RandomGenerator() {
    @Override
    public long nextLong() {
      return 0;
    }

    @Override
    public int nextInt(int bound) {
      return 0;
    }
  };

  static Node node(String name, String cpu, String memory, int pods, boolean ready, boolean unschedulable,
      Map<String, String> labels) {
    return new NodeBuilder()
        .withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec().withUnschedulable(unschedulable ? true : null).endSpec()
        .withNewStatus()
        .addToAllocatable("cpu", new Quantity(cpu))
        .addToAllocatable("memory", new Quantity(memory))
        .addToAllocatable("pods", new Quantity(String.valueOf(pods)))
        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
        .endStatus().build();
  }

  static Node node(String name, String cpu, String memory) {
    return node(name, cpu, memory, 110, true, false, Map.of());
  }

  static PodBuilder pod(String name, String cpu, String memory) {
    var container = new ContainerBuilder().withName("c").withImage("busybox");
    if (cpu != null) {
      container.withNewResources().addToRequests("cpu", new Quantity(cpu)).endResources();
    }
    if (memory != null) {
      container.editOrNewResources().addToRequests("memory", new Quantity(memory)).endResources();
    }
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withContainers(container.build()).endSpec();
  }

  static Pod withHostPort(String name, int port, String protocol, String hostIp) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox")
        .withPorts(new ContainerPortBuilder().withContainerPort(80).withHostPort(port).withProtocol(protocol)
            .withHostIP(hostIp).build())
        .endContainer().endSpec().build();
  }

  static Pod owned(String name, String uid) {
    return pod(name, null, null).editMetadata().addNewOwnerReference().withApiVersion("v1")
        .withKind("ReplicationController").withName("rc-" + uid).withUid(uid).withController(true)
        .endOwnerReference().endMetadata().build();
  }

  static Pod labelled(String name, Map<String, String> labels) {
    return pod(name, null, null).editMetadata().withLabels(labels).endMetadata().build();
  }

  private static final String BIG_CPU = "1000";
  private static final String BIG_MEM = "1Ti";

  static Stream<Arguments> cases() throws Exception {
    Map<String, String> ssd = Map.of("disk", "ssd");
    return Stream.of(
        Arguments.of("only the ready, schedulable node fits",
            pod("p", "100m", "64Mi").build(),
            List.of(node("n1", "2", "4Gi", 110, false, false, Map.of()), node("n2", "2", "4Gi", 110, true, false, Map.of()),
                node("n3", "2", "4Gi", 110, true, true, Map.of())),
            Map.of(), List.of(), "n2"),
        Arguments.of("insufficient memory and node selector",
            pod("p", "100m", "3Gi").editSpec().withNodeSelector(ssd).endSpec().build(),
            List.of(node("n1", "2", "2Gi", 110, true, false, ssd), node("n2", "2", "1Gi", 110, true, false, ssd),
                node("n3", "2", "8Gi", 110, true, false, Map.of())),
            Map.of(), List.of(),
            "0/3 nodes are available: 2 Insufficient memory, 1 node(s) didn't match node selector."),
        Arguments.of("requests of bound pods count",
            pod("p", "1", "1Gi").build(),
            List.of(node("n1", "2", "4Gi"), node("n2", "2", "4Gi")),
            Map.of("n1", List.of(pod("a", "1500m", null).build()), "n2", List.of(pod("b", null, "3500Mi").build())),
            List.of(), "0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."),
        Arguments.of("cpu and memory reasons on one node, pods limit on another",
            pod("p", "3", "5Gi").build(),
            List.of(node("n1", "2", "4Gi"), node("n2", "8", "8Gi", 1, true, false, Map.of())),
            Map.of("n2", List.of(pod("a", null, null).build())), List.of(),
            "0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods."),
        Arguments.of("terminal pods free their resources",
            pod("p", "1", null).build(),
            List.of(node("n1", "1", "4Gi")),
            Map.of("n1", List.of(pod("done", "1", null).withNewStatus().withPhase("Succeeded").endStatus().build())),
            List.of(), "n1"),
        Arguments.of("limits stand for missing requests",
            pod("p", null, null).editSpec().editFirstContainer().withNewResources()
                .addToLimits("memory", new Quantity("3Gi")).endResources().endContainer().endSpec().build(),
            List.of(node("n1", "2", "2Gi"), node("n2", "2", "4Gi")), Map.of(), List.of(), "n2"),
        Arguments.of("the largest init container counts",
            pod("p", "100m", null).editSpec().addNewInitContainer().withName("init").withImage("busybox")
                .withNewResources().addToRequests("cpu", new Quantity("3")).endResources().endInitContainer()
                .endSpec().build(),
            List.of(node("n1", "2", "4Gi"), node("n2", "4", "4Gi")), Map.of(), List.of(), "n2"),
        Arguments.of("host port taken on n1",
            withHostPort("p", 8080, "TCP", null),
            List.of(node("n1", "2", "4Gi"), node("n2", "2", "4Gi")),
            Map.of("n1", List.of(withHostPort("a", 8080, "TCP", null)), "n2", List.of(pod("b", "1", "1Gi").build())),
            List.of(), "n2"),
        Arguments.of("host port taken everywhere",
            withHostPort("p", 8080, "TCP", "127.0.0.1"),
            List.of(node("n1", "2", "4Gi"), node("n2", "2", "4Gi")),
            Map.of("n1", List.of(withHostPort("a", 8080, "TCP", null)),
                "n2", List.of(withHostPort("b", 8080, "TCP", "127.0.0.1"))),
            List.of(), "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports."),
        Arguments.of("same port on another protocol or host IP is free",
            withHostPort("p", 8080, "UDP", null),
            List.of(node("n1", "2", "4Gi"), node("n2", "2", "4Gi")),
            Map.of("n1", List.of(withHostPort("a", 8080, "TCP", null)), "n2", List.of(pod("b", "1", "1Gi").build())),
            List.of(), "n1"),
        Arguments.of("distinct host IPs do not conflict",
            withHostPort("p", 8080, "TCP", "127.0.0.2"),
            List.of(node("n1", "2", "4Gi"), node("n2", "2", "4Gi")),
            Map.of("n1", List.of(withHostPort("a", 8080, "TCP", "127.0.0.1")), "n2", List.of(pod("b", "1", "1Gi").build())),
            List.of(), "n1"),
        Arguments.of("spec.nodeName pins the node",
            pod("p", "100m", null).editSpec().withNodeName("n1").endSpec().build(),
            List.of(node("n1", "2", "4Gi"), node("n2", "4", "8Gi")),
            Map.of(), List.of(), "n1"),
        Arguments.of("spec.nodeName naming a node that does not fit",
            pod("p", "3", null).editSpec().withNodeName("n1").endSpec().build(),
            List.of(node("n1", "2", "4Gi"), node("n2", "4", "8Gi")),
            Map.of(), List.of(),
            "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match the requested node name."),
        Arguments.of("least requested wins",
            pod("p", "100m", "100Mi").build(),
            List.of(node("n1", "4", "8Gi"), node("n2", "4", "8Gi")),
            Map.of("n1", List.of(pod("a", "2", "4Gi").build())), List.of(), "n2"),
        Arguments.of("pods of one controller spread",
            owned("p", "rc1"),
            List.of(node("n1", BIG_CPU, BIG_MEM), node("n2", BIG_CPU, BIG_MEM)),
            Map.of("n1", List.of(owned("a", "rc1"))), List.of(), "n2"),
        Arguments.of("a peer being deleted does not count",
            owned("p", "rc1"),
            List.of(node("n1", BIG_CPU, BIG_MEM), node("n2", BIG_CPU, BIG_MEM)),
            Map.of("n1", List.of(new PodBuilder(owned("a", "rc1")).editMetadata()
                    .withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata().build()),
                "n2", List.of(owned("b", "rc1"), pod("c", "1", "1Gi").build())),
            List.of(), "n1"),
        Arguments.of("a pod of another namespace is no peer",
            owned("p", "rc1"),
            List.of(node("n1", BIG_CPU, BIG_MEM), node("n2", BIG_CPU, BIG_MEM)),
            Map.of("n1", List.of(new PodBuilder(owned("a", "rc1")).editMetadata().withNamespace("other").endMetadata().build(),
                    owned("x", "rc9")),
                "n2", List.of(owned("b", "rc1"))),
            List.of(), "n1"),
        Arguments.of("pods of one service spread",
            labelled("p", Map.of("app", "web", "pod", "p")),
            List.of(node("n1", BIG_CPU, BIG_MEM), node("n2", BIG_CPU, BIG_MEM)),
            Map.of("n1", List.of(labelled("a", Map.of("app", "web")))),
            List.of(LabelSelector.fromMap(Map.of("app", "web")), LabelSelector.fromMap(Map.of("app", "db"))), "n2"),
        Arguments.of("no nodes",
            pod("p", null, null).build(), List.of(), Map.of(), List.of(),
            "0/0 nodes are available: no nodes available to schedule pods."));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void schedules(String name, Pod pod, List<Node> nodes, Map<String, List<Pod>> podsByNode,
      List<LabelSelector> services, String expected) {
    ScheduleResult result = Scheduler.schedule(pod, nodes, podsByNode, services, LAST);
    if (expected.startsWith("0/")) {
      var unschedulable = assertInstanceOf(ScheduleResult.Unschedulable.class, result);
      assertEquals(expected, unschedulable.message());
      assertEquals(nodes.size(), unschedulable.reasonsByNode().size());
    } else {
      assertEquals(expected.split(" ")[0], assertInstanceOf(ScheduleResult.Scheduled.class, result).nodeName());
    }
  }

  @Test
  void groupsBoundPodsByNode() {
    Pod a = pod("a", null, null).editSpec().withNodeName("n1").endSpec().build();
    Pod b = pod("b", null, null).editSpec().withNodeName("n2").endSpec().build();
    Pod c = pod("c", null, null).editSpec().withNodeName("n1").endSpec().build();
    Pod pending = pod("pending", null, null).build();
    Pod failed = pod("failed", null, null).editSpec().withNodeName("n1").endSpec()
        .withNewStatus().withPhase("Failed").endStatus().build();
    assertEquals(Map.of("n1", List.of(a, c), "n2", List.of(b)),
        Scheduler.podsByNode(List.of(a, b, pending, c, failed)));
  }

  @Test
  void tiesAreBrokenByTheInjectedRandom() {
    List<Node> nodes = List.of(node("n1", "2", "4Gi"), node("n2", "2", "4Gi"), node("n3", "2", "4Gi"));
    Pod pod = pod("p", "100m", "64Mi").build();
    assertEquals(new ScheduleResult.Scheduled("n1"), Scheduler.schedule(pod, nodes, Map.of(), FIRST));
    assertEquals(new ScheduleResult.Scheduled("n3"), Scheduler.schedule(pod, nodes, Map.of(), LAST));
    // a pod of another controller on n1 does not repel: n1 and n2 tie, and the first is taken
    List<Node> big = List.of(node("n1", BIG_CPU, BIG_MEM), node("n2", BIG_CPU, BIG_MEM));
    assertEquals(new ScheduleResult.Scheduled("n1"),
        Scheduler.schedule(owned("p", "rc1"), big, Map.of("n1", List.of(owned("a", "rc2"))), FIRST));
    assertEquals(new ScheduleResult.Scheduled("n2"),
        Scheduler.schedule(owned("p", "rc1"), big, Map.of("n1", List.of(owned("a", "rc1"))), FIRST));
    Map<String, Integer> seen = new HashMap<>();
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 60; i++) {
      String chosen = ((ScheduleResult.Scheduled) Scheduler.schedule(pod, nodes, Map.of(), random)).nodeName();
      seen.merge(chosen, 1, Integer::sum);
    }
    assertEquals(3, seen.size(), "a real random source spreads ties over every node: " + seen);
  }

  @Test
  void unschedulableListsReasonsPerNode() {
    var result = (ScheduleResult.Unschedulable) Scheduler.schedule(pod("p", "3", "5Gi").build(),
        List.of(node("a", "2", "4Gi"), node("b", "2", "4Gi", 110, false, false, Map.of())), Map.of(), FIRST);
    assertEquals(Map.of("a", List.of("Insufficient cpu", "Insufficient memory"),
        "b", List.of("node(s) were not ready")), result.reasonsByNode());
  }

  @Test
  void batchSeesEarlierDecisionsAndLeavesInputsAlone() {
    List<Node> nodes = List.of(node("n1", "1500m", "4Gi"), node("n2", "1500m", "4Gi"));
    Map<String, List<Pod>> podsByNode = new HashMap<>();
    podsByNode.put("n1", new ArrayList<>());
    List<Pod> pods = List.of(pod("a", "1", null).build(), pod("b", "1", null).build(), pod("c", "1", null).build());

    List<ScheduleResult> results = Scheduler.scheduleAll(pods, nodes, podsByNode, List.of(), FIRST);

    assertEquals(new ScheduleResult.Scheduled("n1"), results.get(0));
    assertEquals(new ScheduleResult.Scheduled("n2"), results.get(1));
    assertEquals("0/2 nodes are available: 2 Insufficient cpu.",
        ((ScheduleResult.Unschedulable) results.get(2)).message());
    assertEquals(List.of(), podsByNode.get("n1"));
    assertEquals(1, podsByNode.size());
  }

  /** A kept snapshot follows each pod: a changed pod counts as it is now, a removed one not at all. */
  @Test
  void aKeptSnapshotCountsEachPodAsItIsNow() {
    Scheduler.Snapshot snapshot = Scheduler.Snapshot.of(List.of(node("n1", "2", "4Gi")), Map.of());
    Pod small = pod("a", "1", null).editMetadata().withUid("u-a").endMetadata().build();
    Pod next = pod("b", "1", null).editMetadata().withUid("u-b").endMetadata().build();
    snapshot.add("n1", small);
    assertEquals(List.of(new ScheduleResult.Scheduled("n1")),
        Scheduler.scheduleAll(List.of(next), snapshot, List.of(), FIRST));
    assertEquals(2, snapshot.podCount("n1"), "the placed pod counts on its node from then on");
    // the same pod (uid) as a new object asking for more: counted with its new requests, in place of the old
    Pod grown = pod("a", "2", null).editMetadata().withUid("u-a").endMetadata().build();
    snapshot.remove("n1", next);
    snapshot.add("n1", grown);
    assertEquals(1, snapshot.podCount("n1"));
    assertEquals("0/1 nodes are available: 1 Insufficient cpu.", ((ScheduleResult.Unschedulable) Scheduler.scheduleAll(
        List.of(next), snapshot, List.of(), FIRST).get(0)).message());
    snapshot.remove("n1", grown);
    assertEquals(0, snapshot.podCount("n1"));
    assertEquals(List.of(new ScheduleResult.Scheduled("n1")),
        Scheduler.scheduleAll(List.of(next), snapshot, List.of(), FIRST));
  }

  /** Pods counted on a node the snapshot does not know count once it does; nothing is placed on a removed one. */
  @Test
  void podsOnANodeNotKnownYetCountWhenItComes() {
    Scheduler.Snapshot snapshot = new Scheduler.Snapshot();
    snapshot.add("n1", pod("a", "2", null).editMetadata().withUid("u-a").endMetadata().build());
    Pod next = pod("b", "1", null).editMetadata().withUid("u-b").endMetadata().build();
    assertEquals("0/0 nodes are available: no nodes available to schedule pods.",
        ((ScheduleResult.Unschedulable) Scheduler.scheduleAll(List.of(next), snapshot, List.of(), FIRST).get(0)).message());
    snapshot.setNode(node("n1", "2", "4Gi"));
    assertEquals("0/1 nodes are available: 1 Insufficient cpu.", ((ScheduleResult.Unschedulable) Scheduler.scheduleAll(
        List.of(next), snapshot, List.of(), FIRST).get(0)).message());
    snapshot.setNode(node("n2", "2", "4Gi"));
    assertEquals(List.of(new ScheduleResult.Scheduled("n2")), Scheduler.scheduleAll(List.of(next), snapshot, List.of(), FIRST));
    snapshot.remove("n2", next);
    snapshot.removeNode("n2");
    assertEquals("0/1 nodes are available: 1 Insufficient cpu.", ((ScheduleResult.Unschedulable) Scheduler.scheduleAll(
        List.of(next), snapshot, List.of(), FIRST).get(0)).message());
  }

  @Test
  void aLargeClusterIsSampledAsKubeSchedulerDoes() {
    assertEquals(99, Scheduler.feasibleNodesToFind(99));
    assertEquals(100, Scheduler.feasibleNodesToFind(100));
    assertEquals(420, Scheduler.feasibleNodesToFind(1_000));
    assertEquals(500, Scheduler.feasibleNodesToFind(5_000));
    assertEquals(5_000, Scheduler.feasibleNodesToFind(100_000));
    assertEquals(500, Scheduler.feasibleNodesToFind(10_000));
  }

  @Test
  void inALargeClusterThePodsOfAControllerStillSpreadAndTheOneNodeThatFitsIsFound() {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      nodes.add(node(String.format("n%04d", i), "4", "8Gi"));
    }
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      pods.add(owned("p" + i, "rc1"));
    }
    Map<String, Integer> perNode = new HashMap<>();
    for (ScheduleResult r : Scheduler.scheduleAll(pods, nodes, Map.of(), List.of(), new SplittableRandom(7))) {
      perNode.merge(((ScheduleResult.Scheduled) r).nodeName(), 1, Integer::sum);
    }
    assertEquals(1_000, perNode.size(), "every node got pods");
    // each pod sees 420 of the nodes, so the spread is even within one pod, not exact
    assertTrue(perNode.values().stream().mapToInt(Integer::intValue).max().orElseThrow() <= 4, perNode.toString());

    // one node of the thousand matches the selector: it is found wherever the examination starts
    nodes.set(617, node("n0617", "4", "8Gi", 110, true, false, Map.of("disk", "ssd")));
    Pod picky = pod("picky", null, null).editSpec().withNodeSelector(Map.of("disk", "ssd")).endSpec().build();
    for (int seed = 0; seed < 5; seed++) {
      assertEquals(new ScheduleResult.Scheduled("n0617"), Scheduler.schedule(picky, nodes, Map.of(),
          new SplittableRandom(seed)));
    }
    Pod nowhere = pod("nowhere", null, null).editSpec().withNodeSelector(Map.of("disk", "nvme")).endSpec().build();
    var none = (ScheduleResult.Unschedulable) Scheduler.schedule(nowhere, nodes, Map.of(), new SplittableRandom(1));
    assertEquals("0/1000 nodes are available: 1000 node(s) didn't match node selector.", none.message());
  }

  @Test
  void batchSpreadsAControllerOverNodes() {
    List<Node> nodes = List.of(node("n1", BIG_CPU, BIG_MEM), node("n2", BIG_CPU, BIG_MEM), node("n3", BIG_CPU, BIG_MEM));
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      pods.add(owned("p" + i, "rc1"));
    }
    Map<String, Integer> perNode = new HashMap<>();
    for (ScheduleResult r : Scheduler.scheduleAll(pods, nodes, Map.of(), List.of(), new SplittableRandom(7))) {
      perNode.merge(((ScheduleResult.Scheduled) r).nodeName(), 1, Integer::sum);
    }
    assertEquals(Map.of("n1", 2, "n2", 2, "n3", 2), perNode);
  }
}
