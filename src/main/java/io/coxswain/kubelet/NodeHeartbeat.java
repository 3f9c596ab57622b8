package io.coxswain.kubelet;

import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.ResourceKind;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers this minion's Node and keeps its status fresh: capacity and allocatable from the machine, the
 * Ready condition (NotReady with the reason when the container runtime does not answer), a heartbeat every
 * few seconds. Survives masters coming and going: every beat is a fresh read-modify-write.
 */
public final class NodeHeartbeat {
  private static final Logger LOG = LoggerFactory.getLogger(NodeHeartbeat.class);
  public static final String KUBELET_VERSION = "v1.32.0-coxswain";

  /** What the runtime says of itself at each beat. */
  public record RuntimeHealth(String runtimeName, String runtimeVersion, boolean healthy, String reason) {}

  /** The machine this node offers. */
  public record Machine(long cpuMillis, long memoryBytes, int pods, long reservedCpuMillis, long reservedMemoryBytes,
                        String kernel, String osImage, String architecture) {
    public static Machine detect(long reservedCpuMillis, long reservedMemoryBytes, int pods) {
      long cpu = Runtime.getRuntime().availableProcessors() * 1000L;
      long mem = memTotal();
      String osImage = "Linux";
      try {
        for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
          if (line.startsWith("PRETTY_NAME=")) {
            osImage = line.substring("PRETTY_NAME=".length()).replace("\"", "");
          }
        }
      } catch (IOException ignored) {
        // keep the generic name
      }
      String arch = System.getProperty("os.arch");
      return new Machine(cpu, mem, pods, reservedCpuMillis, reservedMemoryBytes, System.getProperty("os.version"),
          osImage, "x86_64".equals(arch) ? "amd64" : arch);
    }

    private static long memTotal() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
          if (line.startsWith("MemTotal:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | NumberFormatException ignored) {
        // fall through
      }
      return Runtime.getRuntime().maxMemory();
    }
  }

  private final Vertx vertx;
  private final ClusterClient client;
  private final String nodeName;
  private final String address;
  private final int kubeletPort;
  private final Map<String, String> labels;
  private final Machine machine;
  private final Supplier<RuntimeHealth> health;
  private final long periodMs;
  private long timer = -1;
  private volatile boolean registered;
  /** The beat under way (null: none): the next one waits for it, unless it has taken longer than a beat may. */
  private volatile Future<Void> beating;
  private volatile long beatStarted;
  /** The runtime's health being asked (null: not now); a runtime that hangs is asked once, not at every beat. */
  private volatile Future<RuntimeHealth> asking;
  private volatile long askedSince;
  private volatile RuntimeHealth lastHealth;
  /** How long a runtime that answered before may take to answer again before the node is NotReady for it. */
  static final long RUNTIME_GRACE_MS = 30_000;
  /** Why the last beat failed (null: it succeeded), so that the log says it once, not at every beat. */
  private volatile String lastFailure;
  private volatile Supplier<Map<String, String>> annotations = Map::of;

  public NodeHeartbeat(Vertx vertx, ClusterClient client, String nodeName, String address, int kubeletPort,
                       Map<String, String> labels, Machine machine, Supplier<RuntimeHealth> health, long periodMs) {
    this.vertx = vertx;
    this.client = client;
    this.nodeName = nodeName;
    this.address = address;
    this.kubeletPort = kubeletPort;
    Map<String, String> l = new LinkedHashMap<>();
    l.put("kubernetes.io/hostname", nodeName);
    l.put("kubernetes.io/os", "linux");
    l.put("kubernetes.io/arch", machine.architecture());
    l.putAll(labels);
    this.labels = Map.copyOf(l);
    this.machine = machine;
    this.health = health;
    this.periodMs = periodMs;
  }

  /** Annotations the Node carries, kept up to date at each beat (the node certificate's expiry). */
  public NodeHeartbeat annotate(Supplier<Map<String, String>> wanted) {
    this.annotations = wanted;
    return this;
  }

  /** Registers the Node (or takes over an existing one of the same name) and starts beating. */
  public Future<Void> start() {
    Future<Void> first = beatOnce();
    timer = vertx.setPeriodic(periodMs, id -> beatOnce());
    return first;
  }

  /**
   * How long one beat may take before the next starts anyway (a master that took the request and never
   * answered), and how long the runtime may take to say how it is before the node reports it as not answering.
   */
  long patienceMs() {
    return Math.max(1_000, 2 * periodMs);
  }

  /** A beat, unless the last one is still under way and has not yet used up its patience. */
  Future<Void> beatOnce() {
    long now = System.nanoTime();
    if (beating != null && !beating.isComplete() && now - beatStarted < patienceMs() * 1_000_000) {
      return beating;
    }
    beatStarted = now;
    Future<Void> b = beat().timeout(patienceMs(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .onSuccess(v -> {
          if (!registered) {
            LOG.info("node {} registered with the API", nodeName);
          } else if (lastFailure != null) {
            LOG.info("node {} reports its status again", nodeName);
          }
          registered = true;
          lastFailure = null;
        })
        .onFailure(err -> {
          String why = err instanceof java.util.concurrent.TimeoutException
              ? "no answer within " + patienceMs() / 1000 + " s" : err.getMessage() == null ? err.toString() : err.getMessage();
          if (!why.equals(lastFailure)) {
            LOG.warn("{} node {} failed: {}; trying again every {} s", registered ? "reporting the status of" : "registering",
                nodeName, why, Math.max(1, periodMs / 1000));
          } else {
            LOG.debug("heartbeat of node {} failed: {}", nodeName, why);
          }
          lastFailure = why;
        });
    beating = b;
    return b;
  }

  /**
   * The runtime's health, asked on a worker. A runtime slow to answer keeps its last health for up to
   * {@value #RUNTIME_GRACE_MS} ms (a busy engine is not a dead one); one that has never answered, or not for
   * that long, is reported as not answering, so that the Node is registered (NotReady) and says why.
   */
  private Future<RuntimeHealth> runtimeHealth() {
    Future<RuntimeHealth> a = asking;
    if (a == null) {
      askedSince = System.nanoTime();
      a = vertx.executeBlocking(health::get, false);
      Future<RuntimeHealth> mine = a;
      asking = mine;
      mine.onComplete(x -> {
        if (x.succeeded()) {
          lastHealth = x.result();
        }
        if (asking == mine) {
          asking = null;
        }
      });
    }
    return a.timeout(patienceMs() / 2, java.util.concurrent.TimeUnit.MILLISECONDS).recover(err -> {
      long waited = (System.nanoTime() - askedSince) / 1_000_000;
      RuntimeHealth last = lastHealth;
      if (err instanceof java.util.concurrent.TimeoutException && last != null && waited < RUNTIME_GRACE_MS) {
        return Future.succeededFuture(last);
      }
      return Future.succeededFuture(new RuntimeHealth("docker", "unknown", false,
          err instanceof java.util.concurrent.TimeoutException
              ? "the runtime has not answered for " + Math.max(1, waited / 1000) + " s"
              : "asking the runtime failed: " + err.getMessage()));
    });
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  public boolean registered() {
    return registered;
  }

  /** One heartbeat: create the Node when missing, else write its status. Health is read off the event loop. */
  Future<Void> beat() {
    return runtimeHealth().compose(h -> client.get(ResourceKind.NODES, null, nodeName)
        .recover(err -> err instanceof ApiException api && api.isNotFound()
            ? client.create(ResourceKind.NODES, newNode(h)).compose(created -> Future.succeededFuture(created))
            : Future.failedFuture(err))
        .compose(node -> {
          Node copy = Json.copy(node);
          boolean metadataChanged = false;
          Map<String, String> current = copy.getMetadata().getLabels() == null
              ? new LinkedHashMap<>() : new LinkedHashMap<>(copy.getMetadata().getLabels());
          for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!e.getValue().equals(current.get(e.getKey()))) {
              current.put(e.getKey(), e.getValue());
              metadataChanged = true;
            }
          }
          Map<String, String> notes = copy.getMetadata().getAnnotations() == null
              ? new LinkedHashMap<>() : new LinkedHashMap<>(copy.getMetadata().getAnnotations());
          for (Map.Entry<String, String> e : annotations.get().entrySet()) {
            if (!e.getValue().equals(notes.put(e.getKey(), e.getValue()))) {
              metadataChanged = true;
            }
          }
          Future<Node> base = Future.succeededFuture(copy);
          if (metadataChanged) {
            copy.getMetadata().setLabels(current);
            copy.getMetadata().setAnnotations(notes);
            base = client.update(ResourceKind.NODES, copy, null).map(Json::copy);
          }
          return base.compose(n -> {
            n.setStatus(status(h, n.getStatus()));
            return client.update(ResourceKind.NODES, n, "status");
          });
        }))
        .<Void>mapEmpty();
  }

  Node newNode(RuntimeHealth h) {
    return new NodeBuilder()
        .withNewMetadata().withName(nodeName).withLabels(labels).withAnnotations(annotations.get()).endMetadata()
        .withNewSpec().endSpec()
        .withStatus(status(h, null))
        .build();
  }

  NodeStatus status(RuntimeHealth h, NodeStatus previous) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Map<String, Quantity> capacity = new LinkedHashMap<>();
    capacity.put("cpu", new Quantity(machine.cpuMillis() + "m"));
    capacity.put("memory", new Quantity(String.valueOf(machine.memoryBytes())));
    capacity.put("pods", new Quantity(String.valueOf(machine.pods())));
    Map<String, Quantity> allocatable = new LinkedHashMap<>();
    allocatable.put("cpu", new Quantity(Math.max(0, machine.cpuMillis() - machine.reservedCpuMillis()) + "m"));
    allocatable.put("memory", new Quantity(String.valueOf(Math.max(0, machine.memoryBytes() - machine.reservedMemoryBytes()))));
    allocatable.put("pods", new Quantity(String.valueOf(machine.pods())));

    String readyStatus = h.healthy() ? "True" : "False";
    String reason = h.healthy() ? "KubeletReady" : "ContainerRuntimeUnavailable";
    String message = h.healthy() ? "kubelet is posting ready status" : "container runtime is down: " + h.reason()
        + " (start Docker or Podman on this node, or give its socket with --container-runtime-endpoint)";
    NodeCondition ready = new NodeConditionBuilder().withType("Ready").withStatus(readyStatus).withReason(reason)
        .withMessage(message).withLastHeartbeatTime(now).withLastTransitionTime(now).build();
    if (previous != null && previous.getConditions() != null) {
      for (NodeCondition c : previous.getConditions()) {
        if ("Ready".equals(c.getType()) && readyStatus.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
          ready.setLastTransitionTime(c.getLastTransitionTime());
        }
      }
    }
    List<NodeCondition> conditions = new ArrayList<>();
    conditions.add(ready);
    NodeStatus s = new NodeStatus();
    s.setCapacity(capacity);
    s.setAllocatable(allocatable);
    s.setConditions(conditions);
    s.setAddresses(List.of(
        new NodeAddressBuilder().withType("InternalIP").withAddress(address).build(),
        new NodeAddressBuilder().withType("Hostname").withAddress(nodeName).build()));
    s.setDaemonEndpoints(new io.fabric8.kubernetes.api.model.NodeDaemonEndpointsBuilder()
        .withNewKubeletEndpoint().withPort(kubeletPort).endKubeletEndpoint().build());
    s.setNodeInfo(new NodeSystemInfoBuilder()
        .withMachineID(nodeName).withSystemUUID(nodeName).withBootID("")
        .withKernelVersion(machine.kernel()).withOsImage(machine.osImage())
        .withContainerRuntimeVersion(h.runtimeName() + "://" + h.runtimeVersion())
        .withKubeletVersion(KUBELET_VERSION).withKubeProxyVersion(KUBELET_VERSION)
        .withOperatingSystem("linux").withArchitecture(machine.architecture())
        .build());
    if (previous != null && previous.getImages() != null) {
      s.setImages(previous.getImages());
    }
    return s;
  }
}
