package io.coxswain.scheduler;

import io.coxswain.model.LabelSelector;
import io.coxswain.model.Pods;
import io.coxswain.model.Quantities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The pure scheduling algorithm: filter the nodes a pod fits on, score them, pick the best (ties broken by the
 * injected random). No I/O; the caller passes a snapshot of nodes, the pods bound to each node and the label
 * selectors of the services in the pod's namespace.
 *
 * <p>Filters: the pod's spec.nodeName (when set, only that node), node not unschedulable, node Ready, the pod's
 * nodeSelector, free host ports (same port and protocol on an overlapping host IP), and room for the pod's
 * cpu, memory and pod count within the node's allocatable. Scores (0..100 each, summed): least requested cpu
 * and memory, and spreading pods of the same controller or the same services across nodes.
 */
public final class Scheduler {
  public static final String REASON_NODE_NAME = "node(s) didn't match the requested node name";
  public static final String REASON_UNSCHEDULABLE = "node(s) were unschedulable";
  public static final String REASON_NOT_READY = "node(s) were not ready";
  public static final String REASON_NODE_SELECTOR = "node(s) didn't match node selector";
  public static final String REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
  public static final String REASON_CPU = "Insufficient cpu";
  public static final String REASON_MEMORY = "Insufficient memory";
  public static final String REASON_PODS = "Too many pods";

  /** Below this many nodes every node is examined for every pod. */
  static final int MIN_FEASIBLE_NODES_TO_FIND = 100;

  private final Map<String, NodeState> nodes = new TreeMap<>();
  /** The nodes in name order, to examine from any of them round. */
  private final List<NodeState> order;
  private final List<LabelSelector> serviceSelectors;

  private Scheduler(List<Node> nodeList, Map<String, List<Pod>> podsByNode, List<LabelSelector> serviceSelectors,
                    Footprints footprints) {
    this.serviceSelectors = serviceSelectors == null ? List.of() : List.copyOf(serviceSelectors);
    Footprints known = footprints == null ? new Footprints() : footprints;
    for (Node node : nodeList) {
      String name = node.getMetadata().getName();
      NodeState state = new NodeState(node, known);
      for (Pod pod : podsByNode == null ? List.<Pod>of() : podsByNode.getOrDefault(name, List.of())) {
        if (!Pods.isTerminal(pod)) {
          state.add(pod);
        }
      }
      nodes.put(name, state);
    }
    order = new ArrayList<>(nodes.values());
  }

  /** The bound, non-terminal pods grouped by node name: the {@code podsByNode} the schedule methods take. */
  public static Map<String, List<Pod>> podsByNode(java.util.Collection<Pod> pods) {
    Map<String, List<Pod>> byNode = new TreeMap<>();
    for (Pod pod : pods) {
      if (Pods.isScheduled(pod) && !Pods.isTerminal(pod)) {
        byNode.computeIfAbsent(pod.getSpec().getNodeName(), n -> new ArrayList<>()).add(pod);
      }
    }
    return byNode;
  }

  /** Schedules one pod; no service selectors (spreading by controller only). */
  public static ScheduleResult schedule(Pod pod, List<Node> nodes, Map<String, List<Pod>> podsByNode,
      RandomGenerator random) {
    return schedule(pod, nodes, podsByNode, List.of(), random);
  }

  /** Schedules one pod; {@code serviceSelectors} are the selectors of the services in the pod's namespace. */
  public static ScheduleResult schedule(Pod pod, List<Node> nodes, Map<String, List<Pod>> podsByNode,
      List<LabelSelector> serviceSelectors, RandomGenerator random) {
    return new Scheduler(nodes, podsByNode, serviceSelectors, null).place(pod, random);
  }

  /**
   * Schedules pods in order, each decision seeing the ones before it (a pod placed on a node counts there for
   * the next). The inputs are not modified. Results are in the order of {@code pods}.
   */
  public static List<ScheduleResult> scheduleAll(List<Pod> pods, List<Node> nodes,
      Map<String, List<Pod>> podsByNode, List<LabelSelector> serviceSelectors, RandomGenerator random) {
    return scheduleAll(pods, nodes, podsByNode, serviceSelectors, random, null);
  }

  /**
   * As above, taking what each bound pod asks of its node from {@code footprints} (null: computed anew), which
   * a caller scheduling batch after batch keeps between them.
   */
  public static List<ScheduleResult> scheduleAll(List<Pod> pods, List<Node> nodes,
      Map<String, List<Pod>> podsByNode, List<LabelSelector> serviceSelectors, RandomGenerator random,
      Footprints footprints) {
    Scheduler scheduler = new Scheduler(nodes, podsByNode, serviceSelectors, footprints);
    List<ScheduleResult> results = new ArrayList<>();
    for (Pod pod : pods) {
      ScheduleResult result = scheduler.place(pod, random);
      if (result instanceof ScheduleResult.Scheduled s) {
        scheduler.nodes.get(s.nodeName()).add(pod);
      }
      results.add(result);
    }
    return results;
  }

  private ScheduleResult place(Pod pod, RandomGenerator random) {
    if (nodes.isEmpty()) {
      return new ScheduleResult.Unschedulable(Map.of(), "0/0 nodes are available: no nodes available to schedule pods.");
    }
    ResourceRequests requests = ResourceRequests.of(pod);
    List<HostPort> ports = HostPort.of(pod);
    Map<String, List<String>> reasons = new TreeMap<>();
    // as kube-scheduler does: in a large cluster, stop filtering once enough nodes fit (half of them at most,
    // fewer the larger the cluster, at least 100), starting at a random node so that all are used in turn
    int toFind = feasibleNodesToFind(order.size());
    List<NodeState> feasible = new ArrayList<>(toFind);
    int start = order.size() > toFind ? random.nextInt(order.size()) : 0;
    for (int i = 0; i < order.size() && feasible.size() < toFind; i++) {
      NodeState node = order.get((start + i) % order.size());
      List<String> failed = filter(pod, requests, ports, node);
      if (failed.isEmpty()) {
        feasible.add(node);
      } else {
        reasons.put(node.name, failed);
      }
    }
    if (feasible.isEmpty()) {
      return new ScheduleResult.Unschedulable(reasons, message(nodes.size(), reasons));
    }
    if (feasible.size() == 1) {
      return new ScheduleResult.Scheduled(feasible.get(0).name);
    }
    ResourceRequests scoringRequests = ResourceRequests.nonZeroOf(pod);
    List<LabelSelector> services = new ArrayList<>();
    for (LabelSelector s : serviceSelectors) {
      if (!s.isEverything() && s.matches(Pods.labels(pod))) {
        services.add(s);
      }
    }
    String namespace = Pods.namespace(pod);
    String controller = controllerKey(namespace, Pods.controllerOf(pod));
    int[] peers = new int[feasible.size()];
    int maxPeers = 0;
    for (int i = 0; i < peers.length; i++) {
      peers[i] = feasible.get(i).peers(namespace, controller, services);
      maxPeers = Math.max(maxPeers, peers[i]);
    }
    long best = Long.MIN_VALUE;
    List<NodeState> top = new ArrayList<>();
    for (int i = 0; i < peers.length; i++) {
      NodeState node = feasible.get(i);
      long score = node.leastRequestedScore(scoringRequests) + spreadScore(peers[i], maxPeers);
      if (score > best) {
        best = score;
        top.clear();
        top.add(node);
      } else if (score == best) {
        top.add(node);
      }
    }
    NodeState chosen = top.size() == 1 ? top.get(0) : top.get(random.nextInt(top.size()));
    return new ScheduleResult.Scheduled(chosen.name);
  }

  /**
   * How many fitting nodes to find before scoring, in a cluster of {@code n}: all of them below
   * {@value #MIN_FEASIBLE_NODES_TO_FIND} nodes, else 50 % less 1 % per 125 nodes (5 % at least), and never
   * fewer than {@value #MIN_FEASIBLE_NODES_TO_FIND}: kube-scheduler's adaptive share (1,000 nodes: 420).
   */
  static int feasibleNodesToFind(int n) {
    if (n < MIN_FEASIBLE_NODES_TO_FIND) {
      return n;
    }
    int percentage = Math.max(5, 50 - n / 125);
    return Math.max(MIN_FEASIBLE_NODES_TO_FIND, (int) ((long) n * percentage / 100));
  }

  private static long spreadScore(int peers, int maxPeers) {
    if (maxPeers == 0) {
      return 100;
    }
    return 100L * (maxPeers - peers) / maxPeers;
  }

  private List<String> filter(Pod pod, ResourceRequests requests, List<HostPort> ports, NodeState node) {
    String wanted = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (wanted != null && !wanted.isEmpty() && !wanted.equals(node.name)) {
      return List.of(REASON_NODE_NAME);
    }
    if (node.unschedulable) {
      return List.of(REASON_UNSCHEDULABLE);
    }
    if (!node.ready) {
      return List.of(REASON_NOT_READY);
    }
    Map<String, String> selector = pod.getSpec() == null ? null : pod.getSpec().getNodeSelector();
    if (selector != null && !selector.isEmpty()) {
      Map<String, String> labels = Pods.labels(node.node);
      for (Map.Entry<String, String> e : selector.entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return List.of(REASON_NODE_SELECTOR);
        }
      }
    }
    for (HostPort wantedPort : ports) {
      for (HostPort used : node.hostPorts) {
        if (wantedPort.conflictsWith(used)) {
          return List.of(REASON_PORTS);
        }
      }
    }
    boolean pods = node.podCount + 1 > node.allocatablePods;
    boolean cpu = requests.cpuMilli() > 0 && node.requested.cpuMilli() + requests.cpuMilli() > node.allocatableCpuMilli;
    boolean memory = requests.memoryBytes() > 0
        && node.requested.memoryBytes() + requests.memoryBytes() > node.allocatableMemoryBytes;
    if (!pods && !cpu && !memory) {
      return List.of();
    }
    List<String> failed = new ArrayList<>(3);
    if (pods) {
      failed.add(REASON_PODS);
    }
    if (cpu) {
      failed.add(REASON_CPU);
    }
    if (memory) {
      failed.add(REASON_MEMORY);
    }
    return failed;
  }

  /** What identifies a pod's controller among the pods of a node: namespace and controller uid (null: none). */
  private static String controllerKey(String namespace, OwnerReference controller) {
    return controller == null || controller.getUid() == null ? null : namespace + "/" + controller.getUid();
  }

  /** The node's Ready condition is True. */
  public static boolean isReady(Node node) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return false;
    }
    for (NodeCondition c : node.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  /** Kubernetes' summary: reasons counted over nodes, sorted by reason. */
  static String message(int nodeCount, Map<String, List<String>> reasons) {
    Map<String, Integer> counts = new TreeMap<>();
    for (List<String> list : reasons.values()) {
      for (String r : list) {
        counts.merge(r, 1, Integer::sum);
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append("0/").append(nodeCount).append(" nodes are available");
    String sep = ": ";
    List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
    entries.sort(Comparator.comparing(Map.Entry::getKey));
    for (Map.Entry<String, Integer> e : entries) {
      sb.append(sep).append(e.getValue()).append(' ').append(e.getKey());
      sep = ", ";
    }
    return sb.append('.').toString();
  }

  /** What a pod takes from the node it is bound to. */
  record Footprint(Pod pod, String namespace, String controller, ResourceRequests requested,
                   ResourceRequests requestedNonZero, List<HostPort> hostPorts) {
    static Footprint of(Pod pod) {
      String namespace = Pods.namespace(pod);
      return new Footprint(pod, namespace, controllerKey(namespace, Pods.controllerOf(pod)), ResourceRequests.of(pod),
          ResourceRequests.nonZeroOf(pod), List.copyOf(HostPort.of(pod)));
    }
  }

  /**
   * The footprints of pods, each computed once per pod object: kept by uid and used again while the pod is
   * the very same object (an informer replaces a changed pod with a new one; a pod's quantities are parsed
   * again only then). Every batch of a scheduler counts all the bound pods of the cluster onto their nodes;
   * with 10,000 pods, parsing their requests again for each batch took half of its time. Not thread-safe.
   */
  public static final class Footprints {
    private final Map<String, Footprint> byUid = new java.util.HashMap<>();

    Footprint of(Pod pod) {
      String uid = pod.getMetadata() == null ? null : pod.getMetadata().getUid();
      Footprint known = uid == null ? null : byUid.get(uid);
      if (known != null && known.pod() == pod) {
        return known;
      }
      Footprint f = Footprint.of(pod);
      if (uid != null) {
        byUid.put(uid, f);
      }
      return f;
    }

    /** Drops the pod's footprint (it was deleted). */
    public void forget(Pod pod) {
      if (pod.getMetadata() != null && pod.getMetadata().getUid() != null) {
        byUid.remove(pod.getMetadata().getUid());
      }
    }

    /** Pods whose footprint is kept. */
    public int size() {
      return byUid.size();
    }
  }

  /** A host port a pod asks for. An empty or 0.0.0.0 host IP means every address of the node. */
  record HostPort(String hostIp, String protocol, int port) {
    static List<HostPort> of(Pod pod) {
      List<HostPort> ports = new ArrayList<>();
      if (pod.getSpec() == null) {
        return ports;
      }
      List<Container> all = new ArrayList<>();
      if (pod.getSpec().getContainers() != null) {
        all.addAll(pod.getSpec().getContainers());
      }
      if (pod.getSpec().getInitContainers() != null) {
        all.addAll(pod.getSpec().getInitContainers());
      }
      for (Container c : all) {
        if (c.getPorts() == null) {
          continue;
        }
        for (ContainerPort p : c.getPorts()) {
          if (p.getHostPort() != null && p.getHostPort() > 0) {
            String ip = p.getHostIP() == null || p.getHostIP().isEmpty() ? "0.0.0.0" : p.getHostIP();
            String protocol = p.getProtocol() == null || p.getProtocol().isEmpty() ? "TCP" : p.getProtocol();
            ports.add(new HostPort(ip, protocol, p.getHostPort()));
          }
        }
      }
      return ports;
    }

    boolean conflictsWith(HostPort other) {
      return port == other.port && protocol.equals(other.protocol)
          && (hostIp.equals(other.hostIp) || hostIp.equals("0.0.0.0") || other.hostIp.equals("0.0.0.0"));
    }
  }

  /** One node of the snapshot with what its pods already take. Mutable, private to one scheduling run. */
  private static final class NodeState {
    final Node node;
    final String name;
    final long allocatableCpuMilli;
    final long allocatableMemoryBytes;
    final long allocatablePods;
    final boolean ready;
    final boolean unschedulable;
    /** The node's pods by namespace, and how many (not being deleted) each controller has here. */
    final Map<String, List<Pod>> podsByNamespace = new java.util.HashMap<>();
    final Map<String, Integer> byController = new java.util.HashMap<>();
    final List<HostPort> hostPorts = new ArrayList<>();
    ResourceRequests requested = ResourceRequests.ZERO;
    ResourceRequests requestedNonZero = ResourceRequests.ZERO;
    int podCount;

    private final Footprints footprints;

    NodeState(Node node, Footprints footprints) {
      this.node = node;
      this.footprints = footprints;
      this.name = node.getMetadata().getName();
      this.allocatableCpuMilli = allocatable(node, "cpu", true);
      this.allocatableMemoryBytes = allocatable(node, "memory", false);
      this.allocatablePods = allocatable(node, "pods", false);
      this.ready = isReady(node);
      this.unschedulable = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    }

    void add(Pod pod) {
      Footprint f = footprints.of(pod);
      podsByNamespace.computeIfAbsent(f.namespace(), n -> new ArrayList<>()).add(pod);
      if (f.controller() != null && !Pods.isBeingDeleted(pod)) {
        byController.merge(f.controller(), 1, Integer::sum);
      }
      podCount++;
      requested = requested.plus(f.requested());
      requestedNonZero = requestedNonZero.plus(f.requestedNonZero());
      hostPorts.addAll(f.hostPorts());
    }

    long leastRequestedScore(ResourceRequests pod) {
      return (leastRequested(requestedNonZero.cpuMilli() + pod.cpuMilli(), allocatableCpuMilli)
          + leastRequested(requestedNonZero.memoryBytes() + pod.memoryBytes(), allocatableMemoryBytes)) / 2;
    }

    private static long leastRequested(long requested, long capacity) {
      if (capacity <= 0 || requested > capacity) {
        return 0;
      }
      return (capacity - requested) * 100 / capacity;
    }

    /**
     * Pods here in the namespace (not being deleted) that share the pod's controller ({@link #controllerKey})
     * or one of its services.
     */
    int peers(String namespace, String controller, List<LabelSelector> services) {
      if (services.isEmpty()) {
        return controller == null ? 0 : byController.getOrDefault(controller, 0);
      }
      int count = 0;
      for (Pod other : podsByNamespace.getOrDefault(namespace, List.of())) {
        if (Pods.isBeingDeleted(other)) {
          continue;
        }
        boolean peer = controller != null && controller.equals(controllerKey(namespace, Pods.controllerOf(other)));
        if (!peer) {
          Map<String, String> labels = Pods.labels(other);
          for (LabelSelector s : services) {
            if (s.matches(labels)) {
              peer = true;
              break;
            }
          }
        }
        if (peer) {
          count++;
        }
      }
      return count;
    }

    private static long allocatable(Node node, String resource, boolean milli) {
      Quantity q = null;
      if (node.getStatus() != null && node.getStatus().getAllocatable() != null) {
        q = node.getStatus().getAllocatable().get(resource);
      }
      if (q == null && node.getStatus() != null && node.getStatus().getCapacity() != null) {
        q = node.getStatus().getCapacity().get(resource);
      }
      if (q == null) {
        return 0;
      }
      try {
        return milli ? Quantities.milliValue(q) : Quantities.value(q);
      } catch (IllegalArgumentException e) {
        return 0;
      }
    }
  }
}
