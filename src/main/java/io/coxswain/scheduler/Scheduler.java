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

  private final Snapshot snapshot;
  private final List<LabelSelector> serviceSelectors;

  private Scheduler(Snapshot snapshot, List<LabelSelector> serviceSelectors) {
    this.snapshot = snapshot;
    this.serviceSelectors = serviceSelectors == null ? List.of() : List.copyOf(serviceSelectors);
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
    return new Scheduler(Snapshot.of(nodes, podsByNode), serviceSelectors).place(pod, random);
  }

  /**
   * Schedules pods in order, each decision seeing the ones before it (a pod placed on a node counts there for
   * the next). The inputs are not modified. Results are in the order of {@code pods}.
   */
  public static List<ScheduleResult> scheduleAll(List<Pod> pods, List<Node> nodes,
      Map<String, List<Pod>> podsByNode, List<LabelSelector> serviceSelectors, RandomGenerator random) {
    return scheduleAll(pods, Snapshot.of(nodes, podsByNode), serviceSelectors, random);
  }

  /**
   * Schedules pods in order against a snapshot its caller keeps up to date, each decision seeing the ones
   * before it: every pod placed is added to the snapshot on its node (the caller takes it out again if its
   * binding fails). Results are in the order of {@code pods}.
   */
  public static List<ScheduleResult> scheduleAll(List<Pod> pods, Snapshot snapshot,
      List<LabelSelector> serviceSelectors, RandomGenerator random) {
    Scheduler scheduler = new Scheduler(snapshot, serviceSelectors);
    List<ScheduleResult> results = new ArrayList<>(pods.size());
    for (Pod pod : pods) {
      ScheduleResult result = scheduler.place(pod, random);
      if (result instanceof ScheduleResult.Scheduled s) {
        snapshot.add(s.nodeName(), pod);
      }
      results.add(result);
    }
    return results;
  }

  private ScheduleResult place(Pod pod, RandomGenerator random) {
    List<NodeState> order = snapshot.order();
    if (order.isEmpty()) {
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
      return new ScheduleResult.Unschedulable(reasons, message(order.size(), reasons));
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
    boolean pods = node.podCount() + 1 > node.allocatablePods;
    boolean cpu = requests.cpuMilli() > 0 && node.requestedCpuMilli + requests.cpuMilli() > node.allocatableCpuMilli;
    boolean memory = requests.memoryBytes() > 0
        && node.requestedMemoryBytes + requests.memoryBytes() > node.allocatableMemoryBytes;
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
  record Footprint(Pod pod, String key, String namespace, String controller, boolean peer,
                   ResourceRequests requested, ResourceRequests requestedNonZero, List<HostPort> hostPorts) {
    static Footprint of(Pod pod) {
      String namespace = Pods.namespace(pod);
      String controller = controllerKey(namespace, Pods.controllerOf(pod));
      return new Footprint(pod, keyOf(pod), namespace, controller, controller != null && !Pods.isBeingDeleted(pod),
          ResourceRequests.of(pod), ResourceRequests.nonZeroOf(pod), List.copyOf(HostPort.of(pod)));
    }

    /** What tells one pod from another on a node: its uid, else its namespace and name. */
    static String keyOf(Pod pod) {
      String uid = pod.getMetadata() == null ? null : pod.getMetadata().getUid();
      return uid != null ? uid : Pods.namespace(pod) + "/" + (pod.getMetadata() == null ? null : pod.getMetadata().getName());
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

  /**
   * The nodes and what the pods counted on each take from it, kept by its owner as nodes and pods change (a
   * pod counts on the node it is bound to, or assumed on while its binding is on its way), so that a batch
   * does not count every pod of the cluster onto its node again. Pods may be counted on a node the snapshot
   * does not know (yet, or any more): they count once it does, and no pod is placed there meanwhile. Not
   * thread-safe.
   */
  public static final class Snapshot {
    private final Map<String, NodeState> byName = new TreeMap<>();
    /** The known nodes in name order; null when it is to be made again. */
    private List<NodeState> order;

    /** The nodes, and the non-terminal pods of {@code podsByNode} on them. */
    public static Snapshot of(List<Node> nodes, Map<String, List<Pod>> podsByNode) {
      Snapshot s = new Snapshot();
      for (Node node : nodes) {
        String name = node.getMetadata().getName();
        s.setNode(node);
        for (Pod pod : podsByNode == null ? List.<Pod>of() : podsByNode.getOrDefault(name, List.of())) {
          if (!Pods.isTerminal(pod)) {
            s.add(name, pod);
          }
        }
      }
      return s;
    }

    /** A node added or changed: what it offers is read again, what its pods take stays. */
    public void setNode(Node node) {
      String name = node.getMetadata().getName();
      NodeState state = byName.computeIfAbsent(name, NodeState::new);
      if (state.node == null) {
        order = null;
      }
      state.set(node);
    }

    /** A node gone: nothing is placed on it; the pods still counted there are taken out as they go. */
    public void removeNode(String name) {
      NodeState state = byName.get(name);
      if (state == null) {
        return;
      }
      if (state.node != null) {
        state.node = null;
        order = null;
      }
      if (state.pods.isEmpty()) {
        byName.remove(name);
      }
    }

    /** Counts the pod on the node (in place of what was counted there for the same pod). */
    public void add(String nodeName, Pod pod) {
      byName.computeIfAbsent(nodeName, NodeState::new).add(Footprint.of(pod));
    }

    /** Stops counting the pod on the node. */
    public void remove(String nodeName, Pod pod) {
      NodeState state = byName.get(nodeName);
      if (state == null) {
        return;
      }
      state.remove(Footprint.keyOf(pod));
      if (state.node == null && state.pods.isEmpty()) {
        byName.remove(nodeName);
      }
    }

    /** Pods counted on the node, known or not (tests). */
    int podCount(String nodeName) {
      NodeState state = byName.get(nodeName);
      return state == null ? 0 : state.pods.size();
    }

    List<NodeState> order() {
      if (order == null) {
        List<NodeState> known = new ArrayList<>(byName.size());
        for (NodeState n : byName.values()) {
          if (n.node != null) {
            known.add(n);
          }
        }
        order = known;
      }
      return order;
    }
  }

  /** One node of a snapshot with what the pods counted on it take. */
  private static final class NodeState {
    final String name;
    /** Null while the snapshot does not know the node. */
    Node node;
    long allocatableCpuMilli;
    long allocatableMemoryBytes;
    long allocatablePods;
    boolean ready;
    boolean unschedulable;
    /** The pods counted here, by {@link Footprint#keyOf}. */
    final Map<String, Footprint> pods = new java.util.HashMap<>();
    /** How many pods (not being deleted) each controller has here. */
    final Map<String, Integer> byController = new java.util.HashMap<>();
    final List<HostPort> hostPorts = new ArrayList<>();
    long requestedCpuMilli;
    long requestedMemoryBytes;
    long requestedNonZeroCpuMilli;
    long requestedNonZeroMemoryBytes;

    NodeState(String name) {
      this.name = name;
    }

    void set(Node node) {
      this.node = node;
      this.allocatableCpuMilli = allocatable(node, "cpu", true);
      this.allocatableMemoryBytes = allocatable(node, "memory", false);
      this.allocatablePods = allocatable(node, "pods", false);
      this.ready = isReady(node);
      this.unschedulable = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    }

    int podCount() {
      return pods.size();
    }

    void add(Footprint f) {
      Footprint before = pods.put(f.key(), f);
      if (before != null) {
        take(before, -1);
      }
      take(f, 1);
    }

    void remove(String key) {
      Footprint before = pods.remove(key);
      if (before != null) {
        take(before, -1);
      }
    }

    /** Adds ({@code sign} 1) or takes away (-1) what the pod takes here. */
    private void take(Footprint f, int sign) {
      if (f.peer()) {
        byController.merge(f.controller(), sign, (a, b) -> a + b == 0 ? null : a + b);
      }
      requestedCpuMilli += sign * f.requested().cpuMilli();
      requestedMemoryBytes += sign * f.requested().memoryBytes();
      requestedNonZeroCpuMilli += sign * f.requestedNonZero().cpuMilli();
      requestedNonZeroMemoryBytes += sign * f.requestedNonZero().memoryBytes();
      for (HostPort p : f.hostPorts()) {
        if (sign > 0) {
          hostPorts.add(p);
        } else {
          hostPorts.remove(p);
        }
      }
    }

    long leastRequestedScore(ResourceRequests pod) {
      return (leastRequested(requestedNonZeroCpuMilli + pod.cpuMilli(), allocatableCpuMilli)
          + leastRequested(requestedNonZeroMemoryBytes + pod.memoryBytes(), allocatableMemoryBytes)) / 2;
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
      for (Footprint f : pods.values()) {
        Pod other = f.pod();
        if (!namespace.equals(f.namespace()) || Pods.isBeingDeleted(other)) {
          continue;
        }
        boolean peer = controller != null && controller.equals(f.controller());
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
