package io.coxswain.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.api.ApiServerConfig;
import io.coxswain.api.ApiServerVerticle;
import io.coxswain.api.KubeletRelay;
import io.coxswain.api.MembersApi;
import io.coxswain.api.SnapshotApi;
import io.coxswain.client.HttpClusterClient;
import io.coxswain.controller.MasterEndpoints;
import io.coxswain.api.JoinApi;
import io.coxswain.model.Json;
import io.coxswain.security.ApiSecurity;
import io.coxswain.security.CertificateAuthority;
import io.coxswain.security.CertificateRecords;
import io.coxswain.security.Joiner;
import io.coxswain.security.Identity;
import io.coxswain.security.KubeletTls;
import io.coxswain.security.MasterPki;
import io.coxswain.security.MemberTrust;
import io.coxswain.security.RotatingKeyManager;
import io.coxswain.security.TokenStore;
import io.coxswain.store.Member;
import io.coxswain.store.Op;
import io.coxswain.store.Store;
import io.coxswain.store.Txn;
import io.coxswain.store.raft.RaftKvStore;
import io.coxswain.store.raft.RaftStoreConfig;
import io.coxswain.store.raft.RaftTls;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wiring of a master, in k3s' order: the store (a new Raft group, a restart on its data dir, or a new voter
 * of the group of the master given by {@code --join}), then the API server, then — on the leader only —
 * the scheduler and controllers, and a local minion that joins this master's own API.
 */
public final class Master implements RunningNode {
  private static final Logger LOG = LoggerFactory.getLogger(Master.class);
  static final String CLUSTER_FILE = "cluster-id";
  /** In a new data dir: the snapshot ({@code snapshot restore}) the first start loads before serving. */
  public static final String RESTORE_FILE = "restore.jsonl";

  private final NodeConfig config;
  private MasterPki pki;
  private RotatingKeyManager peerKeys;
  /** What the API's handshakes present: swapped by a rotation. */
  private RotatingKeyManager servingKeys;
  private CertificateRecords certificateRecords;
  private volatile Instant certificatesIssued;
  private volatile boolean published;
  private final java.util.concurrent.atomic.AtomicBoolean rotationBusy = new java.util.concurrent.atomic.AtomicBoolean();
  /** This master's own identity as a client of kubelets. */
  private RotatingKeyManager selfKeys;
  private RaftKvStore store;
  private Vertx vertx;
  private HttpClusterClient client;
  private LeaderComponents leader;
  private Minion localMinion;
  private final List<Long> timers = new ArrayList<>();
  /** At the start of each quiet spell the store lets go of its data file's resident pages (IdleHeapTrim). */
  private final Runnable releasePages = () -> {
    RaftKvStore s = store;
    if (s != null) {
      long advised = s.releaseMappedPages();
      LOG.debug("quiet: the store's mapped pages released ({} MB of mappings)", advised >> 20);
    }
  };

  private DataDirLock dataDirLock;

  private Master(NodeConfig config) {
    this.config = config;
  }

  public static RunningNode start(NodeConfig config) throws Exception {
    Master m = new Master(config);
    try {
      m.run();
    } catch (Exception e) {
      m.stop();
      throw e;
    }
    return m;
  }

  private void run() throws Exception {
    long t0 = System.nanoTime();
    // Before anything joins a group or writes state: a taken port is one clear line, not a Raft stack trace
    // (and not a voter added to the group that then never starts).
    dataDirLock = DataDirLock.acquire(config.dataDir());
    requirePortFree(config.peerPort(), "the Raft peer port", "--peer-port");
    requirePortFree(config.apiPort(), "the API port", "--api-port");
    if (config.localMinion() && config.minion() != null && config.minion().hollow() == 0) {
      requirePortFree(config.minion().kubeletPort(), "the kubelet port", "--kubelet-port");
    }
    Files.createDirectories(config.dataDir());
    if (config.join() != null && !Files.exists(config.dataDir().resolve(CLUSTER_FILE))
        && !Files.exists(MasterPki.dir(config.dataDir()).resolve("ca.key"))) {
      joinForCertificates(config.join());
    }
    certificatesIssued = Instant.now();
    pki = preparePki(false);
    Path clusterFile = config.dataDir().resolve(CLUSTER_FILE);
    boolean existing = Files.exists(clusterFile);
    RaftStoreConfig storeConfig;
    String groupId;
    boolean joining = false;
    if (existing) {
      groupId = Files.readString(clusterFile).trim();
      storeConfig = RaftStoreConfig.bootstrap(config.nodeName(), storeDir(), config.address(), config.peerPort(), groupId);
    } else if (config.join() == null) {
      groupId = UUID.randomUUID().toString();
      storeConfig = RaftStoreConfig.bootstrap(config.nodeName(), storeDir(), config.address(), config.peerPort(), groupId);
    } else {
      groupId = joinGroupId(config.join());
      storeConfig = RaftStoreConfig.joining(config.nodeName(), storeDir(), config.address(), config.peerPort(), groupId);
      joining = true;
    }
    peerKeys = new RotatingKeyManager(pki.peer());
    storeConfig = storeConfig.withHistory(config.historyCount(), config.historyAge())
        .withTls(new RaftTls(peerKeys, new MemberTrust(pki.ca().certificate(), Set.of(Identity.PEERS))));
    try {
      store = RaftKvStore.start(storeConfig);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the store on " + config.peerAddress() + " (" + e.getMessage()
          + "): is the peer port in use? Use --peer-port or --address.", e);
    }
    if (joining) {
      addSelfThrough(config.join());
    }
    Files.writeString(clusterFile, groupId + "\n");
    if (!joining) {
      restoreIfAsked(); // also after a restart that interrupted it: every put is idempotent
    }

    vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)); // epoll when available: fewer copies and syscalls
    TokenStore tokens = new TokenStore(store, java.time.Clock.systemUTC());
    selfKeys = new RotatingKeyManager(pki.self());
    servingKeys = new RotatingKeyManager(pki.serving());
    certificateRecords = new CertificateRecords(store);
    KubeletTls kubeletTls = KubeletTls.forMaster(selfKeys, pki.ca().certificate());
    ApiServerVerticle api = new ApiServerVerticle(store, ApiServerConfig.from(config)
        .withSecurity(new ApiSecurity(pki.serving(), tokens::bearer, servingKeys)))
        .withRoutes(router -> {
          new JoinApi(pki.ca(), tokens).mount(router);
          new MembersApi(store, certificateRecords).mount(vertx, router);
          new SnapshotApi(store).mount(router);
          // take a Raft snapshot on this master now and purge its log up to it (operators, tests)
          router.post("/coxswain/v1/snapshot").handler(ctx -> io.vertx.core.Future.fromCompletionStage(
              store.takeSnapshot(), ctx.vertx().getOrCreateContext()).onComplete(ar -> ctx.response()
              .setStatusCode(ar.succeeded() ? 200 : 503).putHeader("Content-Type", "application/json")
              .end(ar.succeeded() ? "{\"index\":" + ar.result() + "}\n"
                  : Json.string(Json.MAPPER.createObjectNode().put("kind", "Status").put("status", "Failure")
                      .put("reason", "ServiceUnavailable").put("code", 503)
                      .put("message", String.valueOf(rootMessage(ar.cause())))))));
          new KubeletRelay(store, kubeletTls).mount(vertx, router);
          new io.coxswain.api.PortForward(store).mount(vertx, router);
          new io.coxswain.api.MetricsApi(store, kubeletTls).mount(vertx, router);
        });
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    api.withMetrics(new io.coxswain.api.RequestMetrics(meters)
        .serves("metrics.k8s.io", "v1beta1", "nodes").serves("metrics.k8s.io", "v1beta1", "pods")
        .serves("authorization.k8s.io", "v1", "selfsubjectaccessreviews")
        .serves("authorization.k8s.io", "v1", "selfsubjectrulesreviews")
        .serves("authentication.k8s.io", "v1", "selfsubjectreviews"));
    MasterMeters.bind(meters, store, api.resourceNames());
    try {
      vertx.deployVerticle(api).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot serve the API on " + config.apiAddress() + " (" + rootMessage(e)
          + "): is the port in use by another master? Use --api-port or --address.", e);
    }
    LOG.info("master {} serving the API on https://{} ({} ms from start); admin kubeconfig: {}", config.nodeName(),
        config.apiAddress(), (System.nanoTime() - t0) / 1_000_000, pki.adminKubeconfig());

    warmJsonBindings();
    client = new HttpClusterClient(vertx, List.of(config.apiAddress()), null, pki.self());
    // the master's own components reach the registries in-process (no TLS, HTTP or JSON text between them)
    io.coxswain.client.ClusterClient local = new io.coxswain.api.LocalClusterClient(api, client);
    Context ctx = vertx.getOrCreateContext();
    // the scheduler and controllers write as the leader of the term they started in: what they write after this
    // member lost the lead is refused, not applied next to the new leader's own
    leader = new LeaderComponents(ctx, List.of(() -> new ControlPlane(vertx,
        new io.coxswain.api.LocalClusterClient(api, client, new io.coxswain.store.TermFencedStore(store,
            store.leaderTerm())), config.nodeName(), config.nodeMonitorGrace(), config.podEvictionTimeout())));
    store.addLeadershipListener(leader::leadershipChanged);
    leader.leadershipChanged(store.isLeader());

    IdleHeapTrim.onQuiet(releasePages);
    IdleHeapTrim.onQuiet(IdleHeapTrim.NATIVE_HEAP);
    IdleHeapTrim.ensureStarted();
    MasterEndpoints endpoints = new MasterEndpoints(local);
    ctx.runOnContext(v -> {
      timers.add(vertx.setPeriodic(100, 5000, id -> reconcileEndpoints(endpoints)));
      timers.add(vertx.setPeriodic(200, 5000, id -> rotateIfAsked()));
      timers.add(vertx.setPeriodic(10_000, id -> {
        if (store.isLeader()) {
          store.compactHistory();
        }
      }));
      timers.add(vertx.setPeriodic(2000, id -> {
        String failure = store.serverFailure();
        if (failure != null) {
          NodeExit.fail("the store cannot go on: " + failure);
        }
      }));
    });

    if (config.localMinion()) {
      localMinion = Minion.startOn(vertx, config.asLocalMinion(), false,
          new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), pki.nodeIdentity(config.nodeName(), config.address()));
    }
  }

  /**
   * Builds Jackson's (de)serializers of the served kinds on a background thread: the first request for a
   * kind otherwise builds them on an event loop (seconds for a Pod on a busy machine).
   */
  private static void warmJsonBindings() {
    Thread t = new Thread(() -> {
      for (Class<?> kind : List.of(io.fabric8.kubernetes.api.model.Pod.class,
          io.fabric8.kubernetes.api.model.Service.class, io.fabric8.kubernetes.api.model.ReplicationController.class,
          io.fabric8.kubernetes.api.model.Node.class, io.fabric8.kubernetes.api.model.Endpoints.class,
          io.fabric8.kubernetes.api.model.Namespace.class, io.fabric8.kubernetes.api.model.Event.class,
          io.fabric8.kubernetes.api.model.Binding.class)) {
        try {
          Json.MAPPER.readerFor(kind);
          Json.MAPPER.writerFor(kind);
          Json.MAPPER.writeValueAsBytes(kind.getDeclaredConstructor().newInstance());
        } catch (Exception | LinkageError e) {
          LOG.debug("warming the JSON binding of {}: {}", kind.getSimpleName(), e.toString());
        }
      }
    }, "json-warm-up");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  private MasterPki preparePki(boolean renewAdmin) throws IOException {
    return MasterPki.prepare(config.dataDir(), config.nodeName(), config.address(), config.apiPort(),
        firstServiceIp(config.serviceCidr() == null || config.serviceCidr().isEmpty()
            ? ApiServerConfig.DEFAULT_SERVICE_CIDR : config.serviceCidr()), renewAdmin);
  }

  /**
   * Publishes this master's certificates' expiry once, and reissues every certificate it made (API serving,
   * Raft peer, its own client identity, its local minion's, the admin kubeconfig) when an administrator
   * asked for a rotation after they were made. Handshakes from then on present the new certificates;
   * connections already open keep theirs, so nothing is cut.
   */
  private void rotateIfAsked() {
    if (!rotationBusy.compareAndSet(false, true)) {
      return;
    }
    io.vertx.core.Future.fromCompletionStage(certificateRecords.rotationRequested(Store.Consistency.LOCAL))
        .compose(asked -> {
          if (asked.isPresent() && asked.get().isAfter(certificatesIssued)) {
            return vertx.executeBlocking(() -> {
              rotateCertificates(asked.get());
              return true;
            }, false);
          }
          return io.vertx.core.Future.succeededFuture(!published);
        })
        .compose(changed -> changed ? publishCertificates() : io.vertx.core.Future.succeededFuture())
        .onFailure(err -> LOG.warn("certificate rotation: {}", rootMessage(err)))
        .onComplete(ar -> rotationBusy.set(false));
  }

  private void rotateCertificates(Instant asked) throws IOException {
    Instant issued = Instant.now();
    MasterPki fresh = preparePki(true);
    servingKeys.use(fresh.serving());
    peerKeys.use(fresh.peer());
    selfKeys.use(fresh.self());
    client.updateCredentials(fresh.self());
    if (localMinion != null) {
      localMinion.useIdentity(fresh.nodeIdentity(config.nodeName(), config.address()));
    }
    pki = fresh;
    certificatesIssued = issued;
    LOG.info("rotated this master's certificates as asked at {} (serving certificate valid until {})", asked,
        fresh.serving().notAfter());
  }

  private io.vertx.core.Future<Void> publishCertificates() {
    MasterPki now = pki;
    return io.vertx.core.Future.fromCompletionStage(certificateRecords.publish(new CertificateRecords.MasterCertificates(
        config.nodeName(), certificatesIssued, now.serving().notAfter(), now.peer().notAfter())))
        .onSuccess(v -> published = true);
  }

  private Path storeDir() {
    return config.dataDir().resolve("store");
  }

  private void reconcileEndpoints(MasterEndpoints endpoints) {
    boolean isLeader = store.isLeader();
    io.vertx.core.Future<Set<String>> members = isLeader
        ? io.vertx.core.Future.fromCompletionStage(store.members()).map(list -> {
          Set<String> ids = new HashSet<>();
          for (Member m : list) {
            ids.add(m.id());
          }
          return ids;
        })
        : io.vertx.core.Future.succeededFuture(null);
    members.compose(ids -> endpoints.reconcile(config.nodeName(), config.address(), config.apiPort(), ids))
        .compose(v -> isLeader ? endpoints.ensureService(firstServiceIp(config.serviceCidr()), config.apiPort())
            : io.vertx.core.Future.succeededFuture())
        .onFailure(err -> LOG.debug("master endpoints: {}", err.toString()));
  }

  static String firstServiceIp(String cidr) {
    String[] parts = cidr.split("/")[0].split("\\.");
    int last = Integer.parseInt(parts[3]) + 1;
    return parts[0] + "." + parts[1] + "." + parts[2] + "." + last;
  }

  /**
   * A master joining for the first time: presents its token (a master token) and receives the cluster CA,
   * key included, with which it then makes its own certificates.
   */
  private void joinForCertificates(String join) throws IOException {
    Joiner.Result r = Joiner.join(join, config.joinToken(), "master", config.nodeName());
    if (r.caKeyPem() == null) {
      throw new IllegalStateException("the master at " + join + " gave no CA key to this joining master");
    }
    new CertificateAuthority(r.credentials().ca(), io.coxswain.security.Pem.privateKey(r.caKeyPem()))
        .save(MasterPki.dir(config.dataDir()));
    LOG.info("received the cluster CA from {}", join);
  }

  /** A JDK client presenting this master's identity and trusting only the cluster CA. */
  private HttpClient https() {
    return HttpClient.newBuilder().sslContext(pki.self().sslContext()).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  private String joinGroupId(String join) throws Exception {
    JsonNode members = get(join, "/coxswain/v1/members");
    String id = members.path("groupId").asText("");
    if (id.isEmpty()) {
      throw new IllegalStateException("the master at " + join + " did not say which cluster it belongs to");
    }
    return id;
  }

  private void addSelfThrough(String join) throws Exception {
    String body = Json.string(Json.MAPPER.createObjectNode().put("id", config.nodeName())
        .put("peerAddress", config.peerAddress()));
    HttpClient http = https();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://" + join + "/coxswain/v1/members"))
        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("the master at " + join + " refused to add this master: " + message(r.body()));
    }
    LOG.info("joined the cluster through {} as a voter", join);
  }

  private JsonNode get(String server, String path) throws Exception {
    HttpClient http = https();
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://" + server + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("the master at " + server + " answered " + r.statusCode() + ": " + message(r.body()));
      }
      return Json.MAPPER.readTree(r.body());
    } catch (IOException e) {
      String why = e instanceof java.net.ConnectException ? "connection refused" : rootMessage(e);
      throw new IllegalStateException("cannot reach the master at " + server + " (" + why
          + "): is it running, and is --join its API address (HOST:PORT, default port 6443)?", e);
    }
  }

  private static String message(String body) {
    try {
      return Json.MAPPER.readTree(body).path("message").asText(body);
    } catch (IOException e) {
      return body;
    }
  }

  private void requirePortFree(int port, String what, String flag) {
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.bind(new java.net.InetSocketAddress(config.address(), port));
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen on " + what + " " + config.address() + ":" + port + " ("
          + rootMessage(e) + "): is another Coxswain node (or other program) using it? Stop it, or use " + flag
          + " or --address.", e);
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  /** A new cluster started from a {@code snapshot restore}: write every saved key before serving. */
  private void restoreIfAsked() throws Exception {
    Path file = config.dataDir().resolve(RESTORE_FILE);
    if (!Files.exists(file)) {
      return;
    }
    int count = 0;
    int skipped = 0;
    List<Op> batch = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode n = Json.MAPPER.readTree(line);
        if (!n.has("key")) {
          continue;
        }
        if (!n.get("key").asText().startsWith("/registry/")) {
          skipped++; // cluster-private records (join tokens): bound to the old cluster's CA, useless here
          continue;
        }
        batch.add(Op.put(n.get("key").asText(), Base64.getDecoder().decode(n.get("value").asText())));
        if (batch.size() == 200) {
          store.txn(new Txn(List.of(), batch, List.of())).get(60, TimeUnit.SECONDS);
          count += batch.size();
          batch = new ArrayList<>();
        }
      }
    }
    if (!batch.isEmpty()) {
      store.txn(new Txn(List.of(), batch, List.of())).get(60, TimeUnit.SECONDS);
      count += batch.size();
    }
    Files.move(file, config.dataDir().resolve(RESTORE_FILE + ".done"));
    LOG.info("restored {} keys from a snapshot{}", count, skipped == 0 ? ""
        : " (" + skipped + " cluster-private records such as join tokens left out: create new tokens)");
  }

  @Override
  public void stop() {
    IdleHeapTrim.removeOnQuiet(releasePages);
    IdleHeapTrim.removeOnQuiet(IdleHeapTrim.NATIVE_HEAP);
    if (localMinion != null) {
      localMinion.stop();
    }
    if (leader != null) {
      leader.leadershipChanged(false);
    }
    if (vertx != null) {
      timers.forEach(vertx::cancelTimer);
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debug("closing vertx: {}", e.toString());
      }
    }
    if (store != null) {
      store.close();
    }
    if (dataDirLock != null) {
      dataDirLock.close();
    }
  }
}
