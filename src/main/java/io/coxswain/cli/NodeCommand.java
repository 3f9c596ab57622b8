package io.coxswain.cli;

import io.coxswain.node.Master;
import io.coxswain.node.Minion;
import io.coxswain.node.NodeConfig;
import io.coxswain.node.RunningNode;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code java -jar node.jar --role=master|minion [...]}: runs a node until SIGTERM. */
@Command(name = "coxswain",
    mixinStandardHelpOptions = true,
    versionProvider = VersionInfo.class,
    sortOptions = false,
    subcommands = {GetCommand.class, DescribeCommand.class, CreateCommand.class, ApplyCommand.class, DeleteCommand.class, ScaleCommand.class, RollingUpdateCommand.class, LabelCommand.class, AnnotateCommand.class, LogsCommand.class, ExecCommand.class, RunCommand.class, ExposeCommand.class, TopCommand.class, ClusterInfoCommand.class, ClientVersionCommand.class, MembersCommand.class, MasterCommand.class, SnapshotCommand.class, TokenCommand.class, CertsCommand.class, CompletionCommand.class},
    description = {
        "Coxswain: a container orchestrator in one jar.",
        "",
        "Run a node:   java -jar node.jar --role=master [--join=HOST:PORT]",
        "              java -jar node.jar --role=minion --join=HOST:PORT",
        "Use the CLI:  java -jar node.jar get pods (see the commands below)",
        ""})
public final class NodeCommand implements Callable<Integer> {
  /** True while a node runs in this process (then main must not exit). */
  static final AtomicBoolean RUNNING = new AtomicBoolean();

  @Spec
  CommandSpec spec;

  @Option(names = "--role", paramLabel = "master|minion",
      description = "Run a node of this role. A master holds the store and the API and (unless --local-minion=false) runs pods too.")
  NodeConfig.Role role;

  @Option(names = "--join", paramLabel = "HOST:PORT",
      description = "API address of any master of the cluster to join. Without it a master starts a new cluster.")
  String join;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "Join token (from 'token create' on a master) for --join; also --token-file or $COXSWAIN_TOKEN.")
  String token;

  @Option(names = "--token-file", paramLabel = "FILE", description = "A file holding the join token.")
  Path tokenFile;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where this node keeps its state (default: ~/.coxswain/<node-name>). A restart on the same directory resumes.")
  Path dataDir;

  @Option(names = "--address", paramLabel = "IP", defaultValue = "127.0.0.1",
      description = "Address to bind and advertise (default: ${DEFAULT-VALUE}).")
  String address;

  @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "6443",
      description = "API server port of a master (default: ${DEFAULT-VALUE}).")
  int apiPort;

  @Option(names = "--peer-port", paramLabel = "PORT", defaultValue = "2380",
      description = "Raft port between masters (default: ${DEFAULT-VALUE}).")
  int peerPort;

  @Option(names = "--node-name", paramLabel = "NAME",
      description = "This node's name: its Node object and, on a master, its Raft member id (default: the host name).")
  String nodeName;

  @Option(names = "--service-cidr", paramLabel = "CIDR", defaultValue = "127.100.0.0/16",
      description = "Range of service cluster IPs (default: ${DEFAULT-VALUE}, on loopback so it works on one host with no set-up).")
  String serviceCidr;

  @Option(names = "--local-minion", paramLabel = "BOOL", defaultValue = "true", arity = "1",
      description = "Whether a master also runs pods, as a minion of itself (default: ${DEFAULT-VALUE}).")
  boolean localMinion;

  @Option(names = "--history-count", paramLabel = "N", defaultValue = "20000",
      description = "Changes the watch history keeps at most (default: ${DEFAULT-VALUE}).")
  int historyCount;

  @Option(names = "--history-age", paramLabel = "DURATION", defaultValue = "5m",
      description = "How long the watch history keeps a change (default: ${DEFAULT-VALUE}).")
  String historyAge;

  @Option(names = "--container-runtime-endpoint", paramLabel = "SOCKET",
      description = "Docker or Podman socket (default: $DOCKER_HOST, else /var/run/docker.sock, else Podman's sockets).")
  String runtimeEndpoint;

  @Option(names = "--pod-infra-image", paramLabel = "IMAGE", defaultValue = "registry.k8s.io/pause:3.10",
      description = "Image of the container holding each pod's network namespace (default: ${DEFAULT-VALUE}; a local one is built when it cannot be pulled).")
  String infraImage;

  @Option(names = "--kubelet-port", paramLabel = "PORT", defaultValue = "10250",
      description = "The kubelet's port for logs, exec and stats (default: ${DEFAULT-VALUE}).")
  int kubeletPort;

  @Option(names = "--node-labels", paramLabel = "K=V[,K=V]", split = ",",
      description = "Extra labels of this node's Node object.")
  Map<String, String> nodeLabels = new LinkedHashMap<>();

  @Option(names = "--reserved-cpu", paramLabel = "CPU", defaultValue = "0",
      description = "CPU kept back from pods, as a quantity (100m, 1) (default: ${DEFAULT-VALUE}).")
  String reservedCpu;

  @Option(names = "--reserved-memory", paramLabel = "BYTES", defaultValue = "0",
      description = "Memory kept back from pods, as a quantity (512Mi, 1Gi) (default: ${DEFAULT-VALUE}).")
  String reservedMemory;

  @Option(names = "--max-pods", paramLabel = "N", defaultValue = "110",
      description = "Pods this node runs at most (default: ${DEFAULT-VALUE}).")
  int maxPods;

  @Option(names = "--hollow", paramLabel = "N", defaultValue = "0",
      description = "Run N hollow minions with a fake container runtime (for scale tests), instead of one real minion.")
  int hollow;

  @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "3s",
      description = "How often a minion reports its Node status (default: ${DEFAULT-VALUE}).")
  String heartbeat;

  @Option(names = "--proxy-mode", paramLabel = "auto|loopback|userspace|iptables", defaultValue = "auto",
      description = "How service cluster IPs are reached (default: ${DEFAULT-VALUE}: iptables when running as root"
          + " with a usable iptables, else loopback; see README).")
  String proxyMode;

  @Option(names = "--node-monitor-grace", paramLabel = "DURATION", defaultValue = "10s",
      description = "Heartbeat age after which a master marks a node Ready=Unknown (default: ${DEFAULT-VALUE}).")
  String nodeMonitorGrace;

  @Option(names = "--pod-eviction-timeout", paramLabel = "DURATION", defaultValue = "5s",
      description = "Time after a node went Unknown until its pods are replaced elsewhere (default: ${DEFAULT-VALUE}).")
  String podEvictionTimeout;

  @Override
  public Integer call() throws Exception {
    if (role == null) {
      spec.commandLine().usage(spec.commandLine().getOut());
      return 0;
    }
    NodeConfig config = config();
    RunningNode node = switch (role) {
      case MASTER -> Master.start(config);
      case MINION -> Minion.start(config);
    };
    RUNNING.set(true);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.stop();
      stopped.countDown();
      // a SIGTERM'd JVM would exit 143; a clean stop is a success, so say so (after the node is down), unless
      // the node ended itself for a failure
      Runtime.getRuntime().halt(io.coxswain.node.NodeExit.code());
    }, "coxswain-shutdown"));
    return 0;
  }

  NodeConfig config() throws Exception {
    if (role == NodeConfig.Role.MINION && join == null) {
      throw new IllegalArgumentException("a minion needs --join=HOST:PORT, the API address of a master");
    }
    String name = nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName().toLowerCase();
    Path dir = dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".coxswain", name);
    if (!io.coxswain.proxy.ProxyMode.isFlagValue(proxyMode)) {
      throw new IllegalArgumentException(io.coxswain.proxy.ProxyMode.invalid(proxyMode));
    }
    NodeConfig.MinionSettings minion = new NodeConfig.MinionSettings(runtimeEndpoint, infraImage, kubeletPort,
        nodeLabels, quantity(reservedCpu, "--reserved-cpu", 1000), quantity(reservedMemory, "--reserved-memory", 1),
        maxPods, hollow, Durations.parse(heartbeat, "--heartbeat"), proxyMode);
    return new NodeConfig(role, join, dir.toAbsolutePath(), address, apiPort, peerPort, name, serviceCidr,
        historyCount, Durations.parse(historyAge, "--history-age"), localMinion, minion,
        Durations.parse(nodeMonitorGrace, "--node-monitor-grace"),
        Durations.parse(podEvictionTimeout, "--pod-eviction-timeout"), joinToken());
  }

  /** --token, else --token-file, else $COXSWAIN_TOKEN (null: none). */
  private String joinToken() throws java.io.IOException {
    if (token != null && !token.isBlank()) {
      return token.trim();
    }
    if (tokenFile != null) {
      if (!java.nio.file.Files.isReadable(tokenFile)) {
        throw new IllegalArgumentException("--token-file " + tokenFile + " cannot be read");
      }
      return java.nio.file.Files.readString(tokenFile).trim();
    }
    String env = System.getenv("COXSWAIN_TOKEN");
    return env == null || env.isBlank() ? null : env.trim();
  }

  /** A Kubernetes quantity in units (times {@code scale}: 1000 for millicores). */
  private static long quantity(String text, String flag, int scale) {
    try {
      return io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(new io.fabric8.kubernetes.api.model.Quantity(text))
          .multiply(java.math.BigDecimal.valueOf(scale)).longValue();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("invalid quantity for " + flag + ": '" + text + "' (examples: 500m, 2, 512Mi)");
    }
  }
}
