package io.coxswain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.model.Json;
import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real master processes on 127.0.4.1-3 (one Raft group, no local minions), driven by the fabric8
 * client: the leader killed during a stream of writes, a restart on the old data dir, a wiped master that
 * rejoins from a snapshot, and a group that has lost its quorum. The steps build on each other, in order.
 */
@Timeout(240)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeMastersIT {
  static final String LABEL = "three-masters-it";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  @TempDir
  static Path root;
  /** Member id -> its current process. */
  static final Map<String, NodeProcess> masters = new LinkedHashMap<>();
  static final List<NodeProcess> everyProcess = new ArrayList<>();
  /** Every acknowledged create, in acknowledgement order (the writer is sequential). */
  static final List<String> acknowledged = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startThree() throws Exception {
    NodeProcess first = start("tm-m1", null);
    first.awaitReady(Duration.ofSeconds(60));
    for (String id : List.of("tm-m2", "tm-m3")) {
      start(id, "127.0.4.1:6443").awaitReady(Duration.ofSeconds(60));
    }
    Wait.until("three members with a leader", Duration.ofSeconds(30), () -> {
      JsonNode m = members(first);
      return m.path("members").size() == 3 && leaderId(m) != null;
    });
  }

  @AfterAll
  static void stopAll() throws InterruptedException {
    for (NodeProcess p : everyProcess) {
      p.close();
    }
  }

  static String address(String id) {
    return "127.0.4." + id.substring(id.length() - 1);
  }

  static NodeProcess start(String id, String join) throws IOException {
    List<String> extra = new ArrayList<>(List.of("--local-minion=false"));
    if (join != null) {
      extra.add("--join=" + join);
    }
    NodeProcess p = NodeProcess.master(root, id, address(id), 6443, 2380, extra.toArray(String[]::new));
    masters.put(id, p);
    everyProcess.add(p);
    return p.start();
  }

  static KubernetesClient client(NodeProcess master) {
    Config config = new ConfigBuilder(master.clientConfig())
        .withRequestRetryBackoffLimit(0).withConnectionTimeout(2_000).withRequestTimeout(20_000)
        .withWatchReconnectInterval(200).build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  static Pod pod(String name) {
    // bound to a node that does not exist: nothing schedules or runs it, it only has to be stored
    return new PodBuilder().withNewMetadata().withName(name).addToLabels("it", LABEL).endMetadata()
        .withNewSpec().withNodeName("tm-nowhere").addNewContainer().withName("c")
        .withImage("coxswain/busybox:1").withCommand("sleep", "3600").endContainer().endSpec().build();
  }

  static JsonNode members(NodeProcess p) throws Exception {
    HttpResponse<String> r = p.adminHttp().send(HttpRequest.newBuilder(URI.create(p.server() + "/coxswain/v1/members"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("members: " + r.statusCode() + " " + r.body());
    }
    return Json.MAPPER.readTree(r.body());
  }

  static String leaderId(JsonNode members) {
    for (JsonNode m : members.path("members")) {
      if (m.path("leader").asBoolean()) {
        return m.path("id").asText();
      }
    }
    return null;
  }

  static List<NodeProcess> alive() {
    return masters.values().stream().filter(NodeProcess::alive).toList();
  }

  /** The current leader's id, asked of any live master. */
  static String leader() {
    return Wait.forValue("a leader", Duration.ofSeconds(30), () -> {
      for (NodeProcess p : alive()) {
        try {
          String id = leaderId(members(p));
          if (id != null && masters.get(id) != null && masters.get(id).alive()) {
            return id;
          }
        } catch (Exception e) {
          // ask the next one
        }
      }
      return null;
    });
  }

  static Set<String> names(NodeProcess p) {
    try (KubernetesClient k = client(p)) {
      return k.pods().withLabel("it", LABEL).list().getItems().stream().map(x -> x.getMetadata().getName())
          .collect(Collectors.toSet());
    }
  }

  static void awaitHoldsEveryAcknowledged(NodeProcess p) {
    Wait.until(p.server() + " holds every acknowledged write", Duration.ofSeconds(60),
        () -> names(p).containsAll(acknowledged));
  }

  static int sequence = 0;

  /** One create through {@code p}; recorded when acknowledged. */
  /** Why the last failed write failed (for assertion messages). */
  static volatile String lastWriteError = "";

  /** Each master's last log lines, to tell why a write failed (an election, a member catching up). */
  static String logTails() {
    StringBuilder b = new StringBuilder();
    // Ratis' retries towards a member that came back repeat one warning many times a second: left out, so
    // that what else the members said before a failure shows
    masters.forEach((id, p) -> b.append("\n--- ").append(id).append(p.alive() ? "" : " (down)").append(":\n")
        .append(p.tail(60, "GrpcLogAppender")));
    // and how each live member sees the group now: its term, the leader it knows, its commit and applied index
    masters.forEach((id, p) -> {
      if (p.alive()) {
        String seen;
        try {
          seen = members(p).toString();
        } catch (Exception e) {
          seen = "no answer: " + e;
        }
        b.append("\n--- members as ").append(id).append(" sees them: ").append(seen);
      }
    });
    return b.toString();
  }

  static boolean write(KubernetesClient k) {
    String name = "w-" + sequence++;
    try {
      k.pods().resource(pod(name)).create();
      acknowledged.add(name);
      return true;
    } catch (KubernetesClientException e) {
      lastWriteError = name + ": " + e.getCode() + " " + e.getMessage();
      return false;
    }
  }

  @Test
  @Order(1)
  void killingTheLeaderDuringWritesLosesNoAcknowledgedWrite() throws Exception {
    String leader = leader();
    List<String> followers = masters.keySet().stream().filter(id -> !id.equals(leader)).toList();
    NodeProcess watched = masters.get(followers.get(0));
    List<String> seen = new CopyOnWriteArrayList<>();
    List<String> watchErrors = new CopyOnWriteArrayList<>();
    try (KubernetesClient watchClient = client(watched)) {
      String rv = watchClient.pods().withLabel("it", LABEL).list().getMetadata().getResourceVersion();
      Watch watch = watchClient.pods().withLabel("it", LABEL).watch(
          new ListOptionsBuilder().withResourceVersion(rv).build(), new Watcher<Pod>() {
            @Override
            public void eventReceived(Action action, Pod resource) {
              if (action == Action.ADDED) {
                seen.add(resource.getMetadata().getName());
              }
            }

            @Override
            public void onClose(WatcherException cause) {
              watchErrors.add(String.valueOf(cause));
            }
          });
      List<KubernetesClient> writers = masters.values().stream().map(ThreeMastersIT::client).toList();
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer = new Thread(() -> {
        int i = 0;
        while (!stop.get()) {
          write(writers.get(i++ % writers.size()));
        }
      }, "three-masters-writer");
      try {
        writer.start();
        Wait.until("30 writes acknowledged", Duration.ofSeconds(60), () -> acknowledged.size() >= 30);
        masters.get(leader).kill();
        int atKill = acknowledged.size();
        Wait.until("writes acknowledged again after the election", Duration.ofSeconds(60),
            () -> acknowledged.size() >= atKill + 30);
        String next = leader();
        assertTrue(!next.equals(leader), "a new leader was elected");
      } finally {
        stop.set(true);
        writer.join(30_000);
        writers.forEach(KubernetesClient::close);
      }
      for (String id : followers) {
        awaitHoldsEveryAcknowledged(masters.get(id));
      }
      Wait.until("the watcher saw every acknowledged create", Duration.ofSeconds(30),
          () -> new HashSet<>(seen).containsAll(acknowledged));
      watch.close();
      Set<String> ack = new HashSet<>(acknowledged);
      List<String> seenAcknowledged = seen.stream().filter(ack::contains).toList();
      assertEquals(acknowledged, seenAcknowledged, "every acknowledged create exactly once, in order (watch closes: "
          + watchErrors + ")");
    }
  }

  @Test
  @Order(2)
  void theKilledMasterRestartsOnItsDataDirAndCatchesUp() throws Exception {
    NodeProcess dead = masters.values().stream().filter(p -> !p.alive()).findFirst().orElseThrow();
    String id = dead.dataDir().getFileName().toString();
    start(id, "127.0.4.1:6443").awaitReady(Duration.ofSeconds(60));
    try (KubernetesClient k = client(masters.get(leader()))) {
      for (int i = 0; i < 10; i++) {
        assertTrue(write(k), () -> "a write with three members up: " + lastWriteError + logTails());
      }
    }
    awaitHoldsEveryAcknowledged(masters.get(id));
    Wait.until("three members again", Duration.ofSeconds(30), () -> members(masters.get(id)).path("members").size() == 3);

    // each master's /metrics tells the group as it sees it: one leader, three voters, the same revision once caught up
    Wait.until("every master's meters agreeing on one leader and the revision", Duration.ofSeconds(30), () -> {
      List<Map<String, Double>> seen = new ArrayList<>();
      for (NodeProcess p : masters.values()) {
        seen.add(storeMeters(p));
      }
      return seen.stream().allMatch(m -> m.get("coxswain_store_has_leader") == 1 && m.get("coxswain_store_members") == 3)
          && seen.stream().filter(m -> m.get("coxswain_store_is_leader") == 1).count() == 1
          && seen.stream().map(m -> m.get("coxswain_store_revision")).distinct().count() == 1;
    }, () -> masters.values().stream().map(p -> {
      try {
        return storeMeters(p).toString();
      } catch (Exception e) {
        return e.toString();
      }
    }).toList().toString());
    assertTrue(storeMeters(masters.get(id)).get("coxswain_store_leader_changes_seen_total") >= 1);
  }

  /** The coxswain_store_* series of a master's /metrics. */
  static Map<String, Double> storeMeters(NodeProcess p) throws Exception {
    HttpResponse<String> r = p.adminHttp().send(HttpRequest.newBuilder(URI.create(p.server() + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    Map<String, Double> out = new LinkedHashMap<>();
    for (String line : r.body().split("\n")) {
      if (line.startsWith("coxswain_store_")) {
        String[] kv = line.split(" ");
        out.put(kv[0], Double.parseDouble(kv[1]));
      }
    }
    return out;
  }

  @Test
  @Order(3)
  void aWipedMasterRejoinsAndCatchesUpFromASnapshot() throws Exception {
    String leader = leader();
    String victim = masters.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    NodeProcess old = masters.get(victim);
    assertEquals(0, old.stop(), old.tail(40));
    HttpResponse<String> removed = masters.get(leader).adminHttp().send(HttpRequest.newBuilder(
            URI.create(masters.get(leader).server() + "/coxswain/v1/members/" + victim))
        .timeout(Duration.ofSeconds(30)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, removed.statusCode(), removed.body());
    assertEquals(2, members(masters.get(leader)).path("members").size());
    deleteTree(old.dataDir());

    try (KubernetesClient k = client(masters.get(leader))) {
      for (int i = 0; i < 20; i++) {
        assertTrue(write(k), "a write with two of two members up");
      }
    }
    // a snapshot on both remaining members purges their logs: the newcomer can only be sent the snapshot
    for (NodeProcess p : alive()) {
      HttpResponse<String> snap = p.adminHttp().send(HttpRequest.newBuilder(URI.create(p.server() + "/coxswain/v1/snapshot"))
          .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, snap.statusCode(), snap.body());
      assertTrue(Json.MAPPER.readTree(snap.body()).path("index").asLong() > 0, snap.body());
    }

    NodeProcess fresh = start(victim, masters.get(leader).apiAddress());
    fresh.awaitReady(Duration.ofSeconds(90));
    awaitHoldsEveryAcknowledged(fresh);
    assertEquals(3, members(fresh).path("members").size());
    try (Stream<Path> files = Files.walk(fresh.dataDir())) {
      assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("snapshot.")),
          "the wiped master holds the snapshot it was sent");
    }
  }

  /** The serial number of the certificate {@code p}'s peer port presents to another master. */
  static java.math.BigInteger peerSerial(NodeProcess p) throws IOException {
    io.coxswain.security.Credentials peer = io.coxswain.security.Credentials.load(p.dataDir().resolve("pki"), "peer");
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) peer.sslContext().getSocketFactory()
        .createSocket(address(p.dataDir().getFileName().toString()), 2380)) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  @Test
  @Order(4)
  void certsRotateReissuesEveryMastersCertificatesAndTheGroupGoesOn() throws Exception {
    Map<String, java.math.BigInteger> before = new LinkedHashMap<>();
    for (Map.Entry<String, NodeProcess> e : masters.entrySet()) {
      before.put(e.getKey(), peerSerial(e.getValue()));
    }
    String leader = leader();
    NodeProcess lead = masters.get(leader);
    String out = new io.coxswain.e2e.Cli(lead.server(), lead.kubeconfig(), root).ok("certs", "rotate", "--timeout=60s");
    for (String id : masters.keySet()) {
      assertTrue(out.contains("master " + id + ": rotated"), out);
      assertTrue(!before.get(id).equals(peerSerial(masters.get(id))), id + "'s peer port serves a new certificate");
    }
    // a follower restarted now dials the others with its new peer certificate, and they with theirs
    String follower = masters.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    masters.get(follower).kill();
    start(follower, lead.apiAddress()).awaitReady(Duration.ofSeconds(60));
    try (KubernetesClient k = client(lead)) {
      for (int i = 0; i < 10; i++) {
        assertTrue(write(k), "a write after the rotation");
      }
    }
    for (NodeProcess p : alive()) {
      awaitHoldsEveryAcknowledged(p);
    }
  }

  @Test
  @Order(5)
  void withTwoOfThreeDownWritesFailThenSucceedOnceOneReturns() throws Exception {
    String leader = leader();
    String survivor = masters.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    String returning = masters.keySet().stream().filter(id -> !id.equals(leader) && !id.equals(survivor))
        .findFirst().orElseThrow();
    masters.get(leader).kill();
    masters.get(returning).kill();
    try (KubernetesClient k = client(masters.get(survivor))) {
      KubernetesClientException e = assertThrows(KubernetesClientException.class,
          () -> k.pods().resource(pod("no-quorum")).create());
      assertEquals(503, e.getCode(), String.valueOf(e.getStatus()));
      assertNotNull(e.getStatus());

      start(returning, null);
      Wait.until("a write accepted once a second master is back", Duration.ofSeconds(60), () -> write(k));
      Wait.until("the returned master holds every acknowledged write", Duration.ofSeconds(60),
          () -> masters.get(returning).alive() && names(masters.get(returning)).containsAll(acknowledged));
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
