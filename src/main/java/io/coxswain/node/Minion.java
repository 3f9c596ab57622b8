package io.coxswain.node;

import io.coxswain.client.ClusterClient;
import io.coxswain.client.HttpClusterClient;
import io.coxswain.client.ResourceKind;
import io.coxswain.controller.MasterEndpoints;
import io.coxswain.kubelet.ContainerRuntime;
import io.coxswain.kubelet.DockerRuntime;
import io.coxswain.kubelet.FakeRuntime;
import io.coxswain.kubelet.KubeletServer;
import io.coxswain.kubelet.KubeletVerticle;
import io.coxswain.kubelet.NodeHeartbeat;
import io.coxswain.kubelet.RuntimeVersion;
import io.coxswain.proxy.AutoProxyMode;
import io.coxswain.proxy.IptablesProbe;
import io.coxswain.proxy.ProcessCommandRunner;
import io.coxswain.proxy.ProxyMode;
import io.coxswain.proxy.ProxyOptions;
import io.coxswain.proxy.ProxyVerticle;
import io.coxswain.security.CertificateAuthority;
import io.coxswain.security.Credentials;
import io.coxswain.security.Identity;
import io.coxswain.security.Joiner;
import io.coxswain.security.KubeletTls;
import io.coxswain.security.MasterPki;
import io.coxswain.security.RotatingKeyManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wiring of a minion: one HTTP cluster client (which learns every master from the {@code default/kubernetes}
 * endpoints, so it carries on when the master it joined through dies) feeding the kubelet, the kubelet's
 * port, the node heartbeat and the service proxy. With {@code --hollow=N}, N kubelets on a fake runtime
 * and no proxy.
 */
public final class Minion implements RunningNode {
  private static final Logger LOG = LoggerFactory.getLogger(Minion.class);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private DataDirLock dataDirLock;
  private final List<String> deployments = new ArrayList<>();
  private final List<NodeHeartbeat> heartbeats = new ArrayList<>();
  private final List<ContainerRuntime> runtimes = new ArrayList<>();
  private HttpClusterClient client;
  private final List<HttpClusterClient> hollowClients = new ArrayList<>();
  private long mastersTimer = -1;
  private MeterRegistry meters;

  private Minion(Vertx vertx, boolean ownsVertx) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
  }

  /** A standalone minion process. */
  public static RunningNode start(NodeConfig config) throws Exception {
    VertxOptions options = new VertxOptions().setPreferNativeTransport(true); // epoll when available
    if (config.minion().hollow() == 0) {
      // one node's kubelet, proxy and heartbeat: two event loops and eight workers, not 2 x cores and 20 (each
      // thread idles at ~100 KB; a pool's threads are all started in time, one per task until it is full)
      options.setEventLoopPoolSize(2).setWorkerPoolSize(8);
    }
    Vertx vertx = Vertx.vertx(options);
    DataDirLock lock;
    try {
      lock = DataDirLock.acquire(config.dataDir());
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
    try {
      Minion m = startOn(vertx, config, true, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
      m.dataDirLock = lock;
      IdleHeapTrim.ensureStarted();
      return m;
    } catch (Exception e) {
      lock.close();
      vertx.close();
      throw e;
    }
  }

  /**
   * A minion on an existing Vert.x (a master's local minion). With a {@link PrometheusMeterRegistry}, the kubelet
   * port serves it at {@code /metrics}.
   */
  public static Minion startOn(Vertx vertx, NodeConfig config, boolean ownsVertx, MeterRegistry meters) throws Exception {
    return startOn(vertx, config, ownsVertx, meters, null);
  }

  /**
   * @param identity the node's credentials when the caller has them (a master signs its local minion's); null:
   *                 the ones kept in the data dir from an earlier join, else a join with the config's token
   */
  public static Minion startOn(Vertx vertx, NodeConfig config, boolean ownsVertx, MeterRegistry meters,
                               Credentials identity) throws Exception {
    Minion m = new Minion(vertx, ownsVertx);
    m.run(config, meters, identity);
    return m;
  }

  /**
   * This node's credentials from the data dir, or from a join with the token (then kept in the data dir).
   * A node that serves its kubelet port ({@code hosts} non-empty: its address) needs a certificate naming
   * that address; one kept from before that does not (the address changed, or an older certificate) is
   * renewed for it at once.
   */
  static Credentials identity(NodeConfig c, String nodeName, String file, List<String> hosts)
      throws java.io.IOException {
    java.nio.file.Path dir = MasterPki.dir(c.dataDir());
    Credentials kept = Credentials.load(dir, file);
    if (kept != null && kept.user().equals(Identity.NODE_PREFIX + nodeName)) {
      if (hosts.isEmpty() || (servesTls(kept) && CertificateAuthority.hosts(kept.certificate()).containsAll(hosts))) {
        return kept;
      }
      Credentials renewed = Joiner.renew(List.of(c.join()), kept, hosts);
      renewed.save(dir, file);
      LOG.info("renewed this node's certificate for {} (valid until {})", hosts, renewed.notAfter());
      return renewed;
    }
    Credentials joined = Joiner.join(c.join(), c.joinToken(), "minion", nodeName, hosts).credentials();
    joined.save(dir, file);
    LOG.info("joined the cluster through {} as node {} (certificate valid until {})", c.join(), nodeName,
        joined.notAfter());
    return joined;
  }

  /** Whether a certificate may serve TLS (the kubelet port). */
  static boolean servesTls(Credentials credentials) {
    try {
      List<String> usages = credentials.certificate().getExtendedKeyUsage();
      return usages != null && usages.contains("1.3.6.1.5.5.7.3.1");
    } catch (java.security.cert.CertificateParsingException e) {
      return false;
    }
  }

  private void run(NodeConfig c, MeterRegistry meters, Credentials given) throws Exception {
    this.meters = meters;
    Files.createDirectories(c.dataDir());
    NodeConfig.MinionSettings s = c.minion();
    Credentials identity = given != null ? given : s.hollow() > 0 ? null
        : identity(c, c.nodeName(), "node", List.of(c.address()));
    client = new HttpClusterClient(vertx, List.of(c.join()), null,
        identity != null ? identity : identity(c, c.nodeName() + "-0", "node-0", List.of()));
    if (identity != null) {
      kubeletKeys = new RotatingKeyManager(identity);
      clusterCa = identity.ca();
    }
    if (given == null && identity != null) {
      credentials = identity;
      renewTimer = vertx.setPeriodic(1000, 30_000, id -> renewIfDue(c));
    }
    refreshMasters(c.join());
    mastersTimer = vertx.setPeriodic(10_000, id -> refreshMasters(c.join()));
    if (s.hollow() > 0) {
      for (int i = 0; i < s.hollow(); i++) {
        String name = c.nodeName() + "-" + i;
        FakeRuntime fake = new FakeRuntime();
        runtimes.add(fake);
        // each hollow node speaks for itself only, as a real one would
        HttpClusterClient own = i == 0 ? client : new HttpClusterClient(vertx, client.servers(), null,
            identity(c, name, "node-" + i, List.of()));
        if (own != client) {
          hollowClients.add(own);
        }
        startKubelet(c, name, fake, false, own);
      }
      LOG.info("{} hollow minions running, joining through {}", s.hollow(), c.join());
      return;
    }
    DockerRuntime runtime = DockerRuntime.connect(s.runtimeEndpoint(), s.infraImage());
    runtimes.add(runtime);
    if (!runtime.ping()) {
      LOG.error("cannot reach the container runtime at {}: is Docker (or Podman) running? Start it (for example "
          + "'systemctl start docker' or 'dockerd &') or give its socket with --container-runtime-endpoint. "
          + "The node reports NotReady until it answers.", runtime.endpoint());
    }
    startKubelet(c, c.nodeName(), runtime, true, client);
    ProxyOptions proxyOptions = ProxyOptions.defaults();
    proxyOptions = proxyOptions.withMode(proxyMode(s.proxyMode(), proxyOptions.iptablesCommand()));
    try {
      deployments.add(await(vertx.deployVerticle(new ProxyVerticle(client, c.address(), proxyOptions, meters))));
    } catch (Exception e) {
      if (!ProxyMode.AUTO.equals(s.proxyMode()) || proxyOptions.mode() != ProxyMode.IPTABLES) {
        throw e;
      }
      // the probe passed, yet the rules would not go in (a kernel module missing, say): the default still runs
      LOG.warn("proxy mode auto: loopback after all ({}; give --proxy-mode to choose)", Master.rootMessage(e));
      deployments.add(await(vertx.deployVerticle(new ProxyVerticle(client, c.address(),
          proxyOptions.withMode(ProxyMode.LOOPBACK), meters))));
    }
    LOG.info("minion {} running on {}, joining through {}", c.nodeName(), c.address(), c.join());
  }

  /** The {@code --proxy-mode} given, or what {@code auto} resolves to here; says which in the log. */
  private ProxyMode proxyMode(String flag, String iptables) throws Exception {
    if (flag == null || !ProxyMode.AUTO.equalsIgnoreCase(flag.trim())) {
      ProxyMode given = ProxyMode.parse(flag);
      LOG.info("proxy mode {} (given by --proxy-mode)", given.flagValue());
      return given;
    }
    int uid = AutoProxyMode.effectiveUid(procSelfStatus());
    AutoProxyMode.Probe probe = uid == 0
        ? await(IptablesProbe.run(new ProcessCommandRunner(vertx), iptables, Duration.ofSeconds(5)))
        : null;
    AutoProxyMode.Choice choice = AutoProxyMode.choose(uid, probe);
    LOG.info(choice.describe());
    return choice.mode();
  }

  private static String procSelfStatus() {
    try {
      return Files.readString(java.nio.file.Path.of("/proc/self/status"));
    } catch (java.io.IOException | RuntimeException e) {
      return null; // not Linux: taken as not root
    }
  }

  private void startKubelet(NodeConfig c, String name, ContainerRuntime runtime, boolean serve,
                            HttpClusterClient client) throws Exception {
    NodeConfig.MinionSettings s = c.minion();
    KubeletVerticle kubelet = new KubeletVerticle(client, runtime,
        new KubeletVerticle.Options(name, c.address(), c.dataDir().resolve("pods").resolve(name), Duration.ofSeconds(1)));
    deployments.add(await(vertx.deployVerticle(kubelet)));
    int port = s.kubeletPort();
    if (serve) {
      Supplier<String> scrape = meters instanceof PrometheusMeterRegistry p ? p::scrape : null;
      KubeletServer server = new KubeletServer(c.address(), s.kubeletPort(), runtime, name, kubelet::pod, scrape,
          KubeletTls.forKubelet(kubeletKeys, clusterCa));
      try {
        deployments.add(await(vertx.deployVerticle(server)));
      } catch (Exception e) {
        throw new IllegalStateException("cannot listen on the kubelet port " + c.address() + ":" + s.kubeletPort()
            + " (" + e.getMessage() + "): is another minion running there? Use --kubelet-port or --address.", e);
      }
    }
    NodeHeartbeat.Machine machine = NodeHeartbeat.Machine.detect(s.reservedCpuMilli(), s.reservedMemory(), s.maxPods());
    NodeHeartbeat hb = new NodeHeartbeat(vertx, client, name, c.address(), port, s.labels(), machine, () -> {
      boolean up = runtime.ping();
      RuntimeVersion v = up ? runtime.version() : null;
      String reason = up ? "" : (kubelet.runtimeError().isEmpty() ? "the runtime does not answer" : kubelet.runtimeError());
      return new NodeHeartbeat.RuntimeHealth(v == null ? "docker" : v.name(), v == null ? "unknown" : v.version(), up, reason);
    }, s.heartbeat().toMillis());
    if (serve && kubeletKeys != null) {
      RotatingKeyManager keys = kubeletKeys;
      hb.annotate(() -> Map.of(CERTIFICATE_EXPIRES, keys.certificate().getNotAfter().toInstant().toString()));
    }
    heartbeats.add(hb);
    hb.start();
  }

  /** The Node annotation saying when the node's certificate expires ({@code describe node} shows it). */
  public static final String CERTIFICATE_EXPIRES = "coxswain.io/certificate-expires";

  private volatile Credentials credentials;
  /** What the kubelet port serves with: the node's certificate, swapped when it is renewed or rotated. */
  private RotatingKeyManager kubeletKeys;
  private java.security.cert.X509Certificate clusterCa;
  private long renewTimer = -1;

  /**
   * Renews this node's certificate once two thirds of its lifetime have passed, or when an administrator
   * asked for a rotation ({@code certs rotate}) after it was issued: a new key and request, signed by a
   * master for the same identity, kept in the data dir and used for new connections and by the kubelet port.
   */
  private void renewIfDue(NodeConfig c) {
    Credentials now = credentials;
    java.security.cert.X509Certificate cert = now.certificate();
    java.time.Instant issued = CertificateAuthority.issued(cert);
    Future<Boolean> due = io.coxswain.security.Renewal.isDue(cert.getNotBefore().toInstant(),
        cert.getNotAfter().toInstant(), java.time.Instant.now()) ? Future.succeededFuture(true)
        : client.getText(io.coxswain.security.JoinPaths.CERTIFICATES).map(text -> {
          String asked = io.coxswain.model.Json.tree(text.getBytes(java.nio.charset.StandardCharsets.UTF_8))
              .path("rotationRequestedAt").asText("");
          return !asked.isEmpty() && java.time.Instant.parse(asked).isAfter(issued);
        });
    due.compose(yes -> !yes ? Future.<Credentials>succeededFuture(null) : vertx.executeBlocking(() -> {
      Credentials renewed = Joiner.renew(client.servers(), now);
      renewed.save(MasterPki.dir(c.dataDir()), "node");
      return renewed;
    }, false).compose(renewed -> client.updateCredentials(renewed).map(renewed))).onSuccess(renewed -> {
      if (renewed != null) {
        credentials = renewed;
        kubeletKeys.use(renewed);
        LOG.info("renewed this node's certificate (valid until {})", renewed.notAfter());
      }
    }).onFailure(err -> LOG.warn("cannot renew this node's certificate (valid until {}): {}; retrying",
        now.notAfter(), Master.rootMessage(err)));
  }

  /** Takes a new identity given by the master this minion runs in (a rotation there). */
  void useIdentity(Credentials identity) {
    if (kubeletKeys != null) {
      kubeletKeys.use(identity);
    }
    client.updateCredentials(identity).onFailure(err -> LOG.warn("cannot use the rotated node certificate: {}",
        Master.rootMessage(err)));
  }

  /** Whether the last look-up of the masters succeeded (starts true, so that the first failure is logged). */
  private final java.util.concurrent.atomic.AtomicBoolean mastersAnswer = new java.util.concurrent.atomic.AtomicBoolean(true);

  /** Learns every master's API address from the default/kubernetes endpoints. */
  private void refreshMasters(String join) {
    client.get(ResourceKind.ENDPOINTS, MasterEndpoints.NAMESPACE, MasterEndpoints.NAME).onSuccess(ep -> {
      Set<String> all = new LinkedHashSet<>(client.servers().subList(0, 1));
      all.addAll(MasterEndpoints.addresses(ep));
      all.add(join);
      if (!new LinkedHashSet<>(client.servers()).equals(all)) {
        LOG.info("masters now {}", all);
        client.setServers(new ArrayList<>(all));
        hollowClients.forEach(h -> h.setServers(new ArrayList<>(all)));
      }
      if (!mastersAnswer.getAndSet(true)) {
        LOG.info("reached the master at {}", client.servers().get(0));
      }
    }).onFailure(err -> {
      if (err instanceof io.coxswain.client.ApiException api && api.isNotFound()) {
        return; // a master answered: a brand-new cluster has not published its masters yet
      }
      if (mastersAnswer.getAndSet(false)) {
        LOG.warn("cannot reach a master (tried {}: {}): is it running, and is --join its API address (HOST:PORT,"
            + " default port 6443)? Retrying every 10 s.", client.servers(), Master.rootMessage(err));
      }
    });
  }

  public ClusterClient client() {
    return client;
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Override
  public void stop() {
    if (mastersTimer >= 0) {
      vertx.cancelTimer(mastersTimer);
    }
    if (renewTimer >= 0) {
      vertx.cancelTimer(renewTimer);
    }
    heartbeats.forEach(NodeHeartbeat::stop);
    for (int i = deployments.size() - 1; i >= 0; i--) {
      try {
        vertx.undeploy(deployments.get(i)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debug("undeploy: {}", e.toString());
      }
    }
    runtimes.forEach(r -> {
      try {
        r.close();
      } catch (RuntimeException e) {
        LOG.debug("closing the runtime: {}", e.toString());
      }
    });
    hollowClients.forEach(HttpClusterClient::close);
    if (client != null) {
      client.close();
    }
    if (ownsVertx) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debug("closing vertx: {}", e.toString());
      }
    }
    if (dataDirLock != null) {
      dataDirLock.close();
    }
  }
}
