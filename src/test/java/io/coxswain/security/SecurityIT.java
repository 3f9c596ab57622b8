package io.coxswain.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.model.Json;
import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Security;
import io.coxswain.testing.Wait;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real master (127.0.12.1): every route refuses anonymous requests, a node identity cannot touch another
 * node or pods bound elsewhere, kubectl works with the admin kubeconfig as written, and joining is refused
 * without a good token or with a CA that does not match the token.
 */
class SecurityIT {
  static final String ADDRESS = "127.0.12.1";
  static Path root;
  static NodeProcess master;
  static HttpClient admin;
  static final HttpClient ANONYMOUS = HttpClient.newBuilder().sslContext(Joiner.trustAnything())
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    root = Files.createTempDirectory("security-it");
    master = NodeProcess.master(root, "sec-m1", ADDRESS, 6443, 2380, "--local-minion=false").start()
        .awaitReady(Duration.ofSeconds(90));
    admin = master.adminHttp();
  }

  @AfterAll
  static void stop() throws Exception {
    if (master != null) {
      master.stop();
    }
  }

  static HttpResponse<String> send(HttpClient http, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(master.server() + path)).timeout(Duration.ofSeconds(30));
    String type = method.equals("PATCH") ? "application/merge-patch+json" : "application/json";
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", type);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String reason(HttpResponse<String> r) throws IOException {
    JsonNode n = Json.MAPPER.readTree(r.body());
    assertEquals("Status", n.path("kind").asText(), r.body());
    return n.path("reason").asText();
  }

  @Test
  void filesHoldingKeysAreReadableByTheOwnerOnly() throws Exception {
    for (Path p : List.of(master.kubeconfig(), master.dataDir().resolve("pki/ca.key"),
        master.dataDir().resolve("pki/apiserver.key"))) {
      assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
          Files.getPosixFilePermissions(p), p.toString());
    }
  }

  @Test
  void everyRouteWithoutCredentialsIsUnauthorized() throws Exception {
    String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":"
        + "[{\"name\":\"c\",\"image\":\"coxswain/busybox:1\"}]}}";
    List<String[]> routes = List.of(
        new String[] {"GET", "/api"}, new String[] {"GET", "/api/v1"}, new String[] {"GET", "/apis"},
        new String[] {"GET", "/openapi/v3"}, new String[] {"GET", "/openapi/v3/api/v1"},
        new String[] {"GET", "/api/v1/pods"}, new String[] {"GET", "/api/v1/pods?watch=true"},
        new String[] {"GET", "/api/v1/namespaces/default/pods/x"}, new String[] {"POST", "/api/v1/namespaces/default/pods"},
        new String[] {"PUT", "/api/v1/namespaces/default/pods/x"}, new String[] {"PATCH", "/api/v1/namespaces/default/pods/x"},
        new String[] {"DELETE", "/api/v1/namespaces/default/pods/x"}, new String[] {"GET", "/api/v1/nodes"},
        new String[] {"PUT", "/api/v1/nodes/n/status"}, new String[] {"GET", "/api/v1/namespaces"},
        new String[] {"GET", "/api/v1/services"}, new String[] {"GET", "/api/v1/endpoints"},
        new String[] {"GET", "/api/v1/events"}, new String[] {"GET", "/api/v1/replicationcontrollers"},
        new String[] {"POST", "/api/v1/namespaces/default/bindings"},
        new String[] {"GET", "/api/v1/namespaces/default/pods/x/log"},
        new String[] {"POST", "/api/v1/namespaces/default/pods/x/exec?command=sh"},
        new String[] {"GET", "/coxswain/v1/members"}, new String[] {"POST", "/coxswain/v1/members"},
        new String[] {"DELETE", "/coxswain/v1/members/sec-m1"}, new String[] {"GET", "/coxswain/v1/snapshot"},
        new String[] {"POST", "/coxswain/v1/snapshot"}, new String[] {"GET", "/coxswain/v1/tokens"},
        new String[] {"POST", "/coxswain/v1/tokens"}, new String[] {"GET", "/no/such/path"},
        new String[] {"GET", "/metrics"});
    for (String[] route : routes) {
      boolean withBody = !route[0].equals("GET") && !route[0].equals("DELETE");
      HttpResponse<String> r = send(ANONYMOUS, route[0], route[1], withBody ? pod : null);
      assertEquals(401, r.statusCode(), route[0] + " " + route[1] + ": " + r.body());
      assertEquals("Unauthorized", reason(r), route[0] + " " + route[1]);
    }
    for (String open : List.of("/healthz", "/readyz", "/livez", "/version")) {
      assertEquals(200, send(ANONYMOUS, "GET", open, null).statusCode(), open);
    }
    HttpResponse<String> badBearer = ANONYMOUS.send(HttpRequest.newBuilder(URI.create(master.server() + "/api/v1/pods"))
        .header("Authorization", "Bearer abc.def").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, badBearer.statusCode(), badBearer.body());
  }

  @Test
  void aNodeTouchesOnlyItselfAndItsOwnPods() throws Exception {
    String token = Security.createToken(master.kubeconfig(), "minion", 600);
    Credentials nodeA = Joiner.join(master.apiAddress(), token, "minion", "sec-a").credentials();
    assertEquals("system:node:sec-a", nodeA.user());
    HttpClient a = Security.http(nodeA);
    assertEquals(201, send(a, "POST", "/api/v1/nodes", node("sec-a")).statusCode());
    HttpResponse<String> otherNode = send(a, "POST", "/api/v1/nodes", node("sec-b"));
    assertEquals(403, otherNode.statusCode(), otherNode.body());
    assertEquals("Forbidden", reason(otherNode));
    assertEquals(201, send(admin, "POST", "/api/v1/nodes", node("sec-b")).statusCode());
    assertEquals(201, send(admin, "POST", "/api/v1/namespaces/default/pods", pod("on-a", "sec-a")).statusCode());
    assertEquals(201, send(admin, "POST", "/api/v1/namespaces/default/pods", pod("on-b", "sec-b")).statusCode());

    String status = "{\"status\":{\"phase\":\"Running\"}}";
    assertEquals(200, send(a, "PATCH", "/api/v1/nodes/sec-a/status", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}").statusCode());
    for (String[] write : List.of(new String[] {"PATCH", "/api/v1/nodes/sec-b/status"},
        new String[] {"PATCH", "/api/v1/nodes/sec-b"}, new String[] {"DELETE", "/api/v1/nodes/sec-b"},
        new String[] {"PATCH", "/api/v1/namespaces/default/pods/on-b/status"},
        new String[] {"PATCH", "/api/v1/namespaces/default/pods/on-b"},
        new String[] {"DELETE", "/api/v1/namespaces/default/pods/on-b"},
        new String[] {"POST", "/api/v1/namespaces/default/pods"},
        new String[] {"POST", "/api/v1/namespaces/default/services"})) {
      HttpResponse<String> r = send(a, write[0], write[1], write[0].equals("DELETE") ? null
          : write[0].equals("POST") ? pod("new", "sec-a") : status);
      assertEquals(403, r.statusCode(), write[0] + " " + write[1] + ": " + r.body());
      assertEquals("Forbidden", reason(r));
    }
    assertEquals(200, send(a, "PATCH", "/api/v1/namespaces/default/pods/on-a/status", status).statusCode());
    assertEquals(200, send(a, "GET", "/api/v1/pods", null).statusCode());
    assertEquals(200, send(a, "GET", "/api/v1/nodes/sec-b", null).statusCode());
    assertEquals(200, send(a, "DELETE", "/api/v1/namespaces/default/pods/on-a", null).statusCode());
    // a pod already gone: the NotFound a kubelet expects, and an update creates nothing
    assertEquals(404, send(a, "DELETE", "/api/v1/namespaces/default/pods/never-was", null).statusCode());
    assertEquals(404, send(a, "PATCH", "/api/v1/namespaces/default/pods/never-was/status", "{}").statusCode());
    HttpResponse<String> upsert = send(a, "PUT", "/api/v1/namespaces/default/pods/ghost", pod("ghost", "sec-a"));
    assertEquals(404, upsert.statusCode(), upsert.body());
    assertEquals(404, send(admin, "GET", "/api/v1/namespaces/default/pods/ghost", null).statusCode());
    // nor does a server-side apply, which would create it: a node may patch a missing pod, not create one
    HttpResponse<String> applied = a.send(HttpRequest.newBuilder(URI.create(master.server()
            + "/api/v1/namespaces/default/pods/ghost?fieldManager=kubelet")).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/apply-patch+yaml")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(pod("ghost", "sec-a"))).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(403, applied.statusCode(), applied.body());
    assertEquals(404, send(admin, "GET", "/api/v1/namespaces/default/pods/ghost", null).statusCode());
  }

  @Test
  void aNodeRenewsItsOwnCertificateOnly() throws Exception {
    String token = Security.createToken(master.kubeconfig(), "minion", 600);
    Credentials first = Joiner.join(master.apiAddress(), token, "minion", "sec-r").credentials();
    Credentials renewed = Joiner.renew(List.of(master.apiAddress()), first);
    assertEquals("system:node:sec-r", renewed.user());
    assertNotEquals(first.certPem(), renewed.certPem());
    assertNotEquals(first.keyPem(), renewed.keyPem());
    assertTrue(!renewed.notAfter().isBefore(first.notAfter()));
    assertEquals(200, send(Security.http(renewed), "GET", "/api/v1/nodes", null).statusCode());
    // an admin (not a node) and an anonymous caller are refused
    assertEquals(403, send(admin, "POST", JoinPaths.RENEW, "{\"csr\":\"x\"}").statusCode());
    assertEquals(401, send(ANONYMOUS, "POST", JoinPaths.RENEW, "{}").statusCode());
  }

  /** The bundled CLI as a process with the admin kubeconfig: output and exit code. */
  static String[] cli(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-XX:TieredStopAtLevel=1", "-jar", NodeProcess.jar().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("KUBECONFIG", master.kubeconfig().toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new String[] {String.valueOf(p.exitValue()), out};
  }

  @Test
  void tokenCommandsCreateListAndRevoke() throws Exception {
    String[] created = cli("token", "create", "--ttl", "2h", "--role", "master", "--description", "for m2");
    assertEquals("0", created[0], created[1]);
    JoinToken t = JoinToken.parse(created[1].trim());
    assertEquals(Pem.sha256(Pem.certificate(Files.readString(master.dataDir().resolve("pki/ca.crt")))), t.caHash());
    String[] listed = cli("token", "list");
    assertEquals("0", listed[0], listed[1]);
    String line = listed[1].lines().filter(l -> l.startsWith(t.id())).findFirst().orElseThrow();
    assertTrue(line.contains("master") && line.contains("valid") && line.contains("for m2"), line);
    assertTrue(!listed[1].contains(t.secret()), "secrets are never listed");
    assertEquals("0", cli("token", "revoke", t.id())[0]);
    assertTrue(cli("token", "list")[1].lines().filter(l -> l.startsWith(t.id())).findFirst().orElseThrow()
        .contains("revoked"));
    String[] bad = cli("token", "create", "--role", "boss");
    assertEquals("1", bad[0], bad[1]);
    assertEquals(1, bad[1].strip().lines().count(), bad[1]);
    String[] unknown = cli("token", "revoke", "nosuchid");
    assertEquals("1", unknown[0], unknown[1]);
    assertTrue(unknown[1].contains("not found"), unknown[1]);
  }

  @Test
  void kubectlWorksWithTheAdminKubeconfigAsWritten() throws Exception {
    Process p = new ProcessBuilder("kubectl", "--kubeconfig=" + master.kubeconfig(), "get", "namespaces", "-o", "name")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("namespace/default"), out);
  }

  static String[] kubectl(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("kubectl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new String[] {Integer.toString(p.exitValue()), out, err};
  }

  @Test
  void kubectlAuthCanIAndWhoamiAnswerForTheCaller() throws Exception {
    String admin = "--kubeconfig=" + master.kubeconfig();
    assertEquals("yes", kubectl(admin, "auth", "can-i", "delete", "nodes")[1].trim());
    String[] who = kubectl(admin, "auth", "whoami", "-o", "jsonpath={.status.userInfo.groups}");
    assertTrue(who[1].contains("system:masters") && who[1].contains("system:authenticated"), String.join("|", who));

    String token = Security.createToken(master.kubeconfig(), "viewer", 600);
    String[] viewer = {"--kubeconfig=/dev/null", "--server=" + master.server(),
        "--certificate-authority=" + master.dataDir().resolve("pki/ca.crt"), "--token=" + token};
    java.util.function.Function<String[], String[]> as = extra -> {
      String[] all = java.util.Arrays.copyOf(viewer, viewer.length + extra.length);
      System.arraycopy(extra, 0, all, viewer.length, extra.length);
      return all;
    };
    String[] list = kubectl(as.apply(new String[] {"auth", "can-i", "list", "pods"}));
    assertEquals("0|yes", list[0] + "|" + list[1].trim(), list[2]);
    String[] create = kubectl(as.apply(new String[] {"auth", "can-i", "create", "pods"}));
    assertEquals("1", create[0], String.join("|", create));
    assertTrue(create[1].startsWith("no"), create[1]);
    assertTrue(kubectl(as.apply(new String[] {"auth", "whoami"}))[1].contains("coxswain:viewers"));
    String[] rules = kubectl(as.apply(new String[] {"auth", "can-i", "--list"}));
    assertEquals("0", rules[0], String.join("|", rules));
    assertTrue(rules[1].contains("[get list watch]"), rules[1]);
    // a viewer's kubectl reads every group's discovery (no errors for the metrics group on each command)
    String[] get = kubectl(as.apply(new String[] {"get", "pods", "-A"}));
    assertEquals("0", get[0], get[2]);
    assertFalse(get[2].contains("forbidden"), get[2]);
  }

  static final String PODS = "component=\"apiserver\",group=\"\",resource=\"pods\",scope=\"namespace\","
      + "subresource=\"\"";

  /** One series' value in a Prometheus text, 0 when the series is not there (yet). */
  static double series(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    return 0;
  }

  static String scrape(HttpClient http) throws Exception {
    HttpResponse<String> r = send(http, "GET", "/metrics", null);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
    return r.body();
  }

  /**
   * {@code GET /metrics}: the API server's requests under kube-apiserver's names and labels (each answer counted
   * once by verb, resource, scope and code; open watches), the store's Raft state and object counts, the
   * process; for admins and viewers, not for nodes or anyone unauthenticated.
   */
  @Test
  void metricsCountEachAnswerAndTellTheStoreAndAreForAdminsAndViewers() throws Exception {
    String created = "apiserver_request_total{code=\"201\"," + PODS + ",verb=\"POST\",version=\"v1\"}";
    String invalid = "apiserver_request_total{code=\"422\"," + PODS + ",verb=\"POST\",version=\"v1\"}";
    String before = scrape(admin);
    assertEquals(201, send(admin, "POST", "/api/v1/namespaces/default/pods", pod("scraped", "nowhere")).statusCode());
    assertEquals(422, send(admin, "POST", "/api/v1/namespaces/default/pods",
        pod("scraped-bad", "nowhere").replace("coxswain/busybox:1", "")).statusCode());
    String after = scrape(admin);
    assertEquals(series(before, created) + 1, series(after, created), after);
    assertEquals(series(before, invalid) + 1, series(after, invalid), after);
    assertTrue(series(after, "apiserver_request_duration_seconds_count{" + PODS + ",verb=\"POST\",version=\"v1\"}")
        >= 2, after);
    assertEquals(1, series(after, "coxswain_store_is_leader"), after);
    assertEquals(1, series(after, "coxswain_store_has_leader"), after);
    assertEquals(1, series(after, "coxswain_store_members"), after);
    assertTrue(series(after, "coxswain_store_revision") > 0, after);
    assertTrue(series(after, "coxswain_store_raft_applied_index") > 0, after);
    assertTrue(series(after, "apiserver_storage_objects{resource=\"namespaces\"}") >= 2, after);
    assertTrue(series(after, "process_resident_memory_bytes") > 0, after);

    // a watch is counted as open while it lasts, then as answered
    String open = "apiserver_longrunning_requests{" + PODS + ",verb=\"WATCH\",version=\"v1\"}";
    var watch = admin.sendAsync(HttpRequest.newBuilder(URI.create(master.server()
        + "/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=3")).build(), HttpResponse.BodyHandlers.ofString());
    Wait.until("the watch counted as open", Duration.ofSeconds(20), () -> series(scrape(admin), open) == 1,
        () -> "done: " + watch.isDone());
    assertEquals(200, watch.get(20, TimeUnit.SECONDS).statusCode());
    Wait.until("the watch no longer counted as open", Duration.ofSeconds(20), () -> series(scrape(admin), open) == 0);

    String viewer = Security.createToken(master.kubeconfig(), "viewer", 600);
    HttpResponse<String> asViewer = ANONYMOUS.send(HttpRequest.newBuilder(URI.create(master.server() + "/metrics"))
        .header("Authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, asViewer.statusCode(), asViewer.body());
    assertTrue(asViewer.body().contains("apiserver_request_total{"), asViewer.body());
    Credentials node = Joiner.join(master.apiAddress(), Security.createToken(master.kubeconfig(), "minion", 600),
        "minion", "sec-scraper").credentials();
    HttpResponse<String> asNode = send(Security.http(node), "GET", "/metrics", null);
    assertEquals(403, asNode.statusCode(), asNode.body());
    assertEquals("Forbidden", reason(asNode));
  }

  @Test
  void bearerTokensOfViewersOnlyRead() throws Exception {
    String viewer = Security.createToken(master.kubeconfig(), "viewer", 600);
    HttpResponse<String> read = ANONYMOUS.send(HttpRequest.newBuilder(URI.create(master.server() + "/api/v1/pods"))
        .header("Authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, read.statusCode(), read.body());
    HttpResponse<String> write = ANONYMOUS.send(HttpRequest.newBuilder(URI.create(master.server()
            + "/api/v1/namespaces/default/pods")).header("Authorization", "Bearer " + viewer)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(pod("v", "x"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(403, write.statusCode(), write.body());
  }

  @Test
  void joiningIsRefusedWithoutAGoodTokenEachWithItsOwnMessage() throws Exception {
    String server = master.apiAddress();
    String good = Security.createToken(master.kubeconfig(), "minion", 600);
    JoinToken parsed = JoinToken.parse(good);

    String none = assertThrows(Joiner.JoinException.class, () -> Joiner.join(server, null, "minion", "j1")).getMessage();
    assertTrue(none.contains("needs a join token"), none);
    String unknown = assertThrows(Joiner.JoinException.class,
        () -> Joiner.join(server, new JoinToken(parsed.caHash(), "000000000000", "00").toString(), "minion", "j1"))
        .getMessage();
    assertTrue(unknown.contains("is not known to this cluster"), unknown);
    String wrong = assertThrows(Joiner.JoinException.class,
        () -> Joiner.join(server, new JoinToken(parsed.caHash(), parsed.id(), "00").toString(), "minion", "j1"))
        .getMessage();
    assertTrue(wrong.contains("wrong secret"), wrong);
    String role = assertThrows(Joiner.JoinException.class, () -> Joiner.join(server, good, "master", "j1")).getMessage();
    assertTrue(role.contains("is for a minion"), role);
    String otherCa = new JoinToken("ab".repeat(32), parsed.id(), parsed.secret()).toString();
    String mismatch = assertThrows(Joiner.JoinException.class, () -> Joiner.join(server, otherCa, "minion", "j1"))
        .getMessage();
    assertTrue(mismatch.contains("does not match the token's CA hash"), mismatch);

    String shortLived = Security.createToken(master.kubeconfig(), "minion", 1);
    Wait.until("the one-second token expired", Duration.ofSeconds(30), () -> {
      try {
        Joiner.join(server, shortLived, "minion", "j2");
        return false;
      } catch (Joiner.JoinException e) {
        return e.getMessage().contains("expired");
      }
    });

    String revoked = Security.createToken(master.kubeconfig(), "minion", 600);
    assertEquals("sec-j3", Identity.of(Joiner.join(server, revoked, "minion", "sec-j3").credentials().certificate())
        .nodeName());
    HttpResponse<String> del = send(admin, "DELETE", "/coxswain/v1/tokens/" + JoinToken.parse(revoked).id(), null);
    assertEquals(200, del.statusCode(), del.body());
    String afterRevoke = assertThrows(Joiner.JoinException.class, () -> Joiner.join(server, revoked, "minion", "j3"))
        .getMessage();
    assertTrue(afterRevoke.contains("was revoked"), afterRevoke);
    assertNotEquals(afterRevoke, wrong);
  }

  @Test
  void thePeerPortLetsInOnlyMastersPeerIdentities() throws Exception {
    Path pki = master.dataDir().resolve("pki");
    Credentials peer = Credentials.load(pki, "peer");
    Credentials adminId = Credentials.load(pki, "admin");
    Credentials node = Joiner.join(master.apiAddress(), Security.createToken(master.kubeconfig(), "minion", 600),
        "minion", "sec-peer-probe").credentials();
    assertTrue(Identity.of(peer.certificate()).groups().contains(Identity.PEERS), "the peer identity's groups");
    assertEquals("answered", TlsProbe.http2(ADDRESS, 2380, peer.sslContext()), "a master's peer identity");
    assertNotEquals("answered", TlsProbe.http2(ADDRESS, 2380, Credentials.trusting(peer.ca())), "no certificate");
    assertNotEquals("answered", TlsProbe.http2(ADDRESS, 2380, adminId.sslContext()), "the admin's certificate");
    assertNotEquals("answered", TlsProbe.http2(ADDRESS, 2380, node.sslContext()), "a node's certificate");
    assertNotEquals("answered", TlsProbe.plain(ADDRESS, 2380), "plain gRPC without TLS");
  }

  @Test
  void theKubeletPortAnswersOnlyMasters() throws Exception {
    String minionIp = "127.0.12.2";
    NodeProcess minion = NodeProcess.minion(root, "sec-kubelet", minionIp, master.apiAddress(), "--kubelet-port=10250")
        .start();
    try {
      Path pki = master.dataDir().resolve("pki");
      Credentials adminId = Credentials.load(pki, "admin");
      Wait.until("the kubelet of sec-kubelet serving", Duration.ofSeconds(90), () -> {
        if (!minion.alive()) {
          throw new AssertionError("the minion exited:\n" + minion.tail(60));
        }
        return TlsProbe.http1(minionIp, 10250, adminId.sslContext(), "/healthz").startsWith("HTTP/1.1 200");
      });
      // the kubelet serves with its node certificate, naming its address: a client checking host names accepts it
      Credentials kept = Credentials.load(minion.dataDir().resolve("pki"), "node");
      assertEquals(List.of(minionIp), CertificateAuthority.hosts(kept.certificate()));
      HttpResponse<String> metrics = admin.send(HttpRequest.newBuilder(URI.create("https://" + minionIp + ":10250/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, metrics.statusCode(), metrics.body());

      Credentials otherNode = Joiner.join(master.apiAddress(), Security.createToken(master.kubeconfig(), "minion", 600),
          "minion", "sec-kubelet-other").credentials();
      Credentials viewer = CertificateAuthority.loadOrCreate(pki, "sec-m1")
          .newIdentity("sec-viewer", List.of(Identity.VIEWERS), List.of(), true);
      for (var refused : List.of(
          java.util.Map.entry("a node's certificate", otherNode.sslContext()),
          java.util.Map.entry("the kubelet's own node certificate", kept.sslContext()),
          java.util.Map.entry("a viewer's certificate", viewer.sslContext()),
          java.util.Map.entry("no certificate", Credentials.trusting(adminId.ca())))) {
        String answer = TlsProbe.http1(minionIp, 10250, refused.getValue(), "/healthz");
        assertTrue(answer.startsWith("refused"), refused.getKey() + ": " + answer);
      }
      String plain = TlsProbe.plain(minionIp, 10250);
      assertNotEquals("answered", plain, "plain HTTP/2 without TLS");
    } finally {
      minion.stop();
    }
  }

  /** The serial number of the certificate a TLS port presents to {@code ssl}'s client. */
  static java.math.BigInteger servedSerial(String host, int port, javax.net.ssl.SSLContext ssl) throws IOException {
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ssl.getSocketFactory().createSocket(host, port)) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  @Test
  void certsRotateReissuesEveryCertificateWithoutCuttingClients() throws Exception {
    String minionIp = "127.0.12.3";
    NodeProcess minion = NodeProcess.minion(root, "sec-rotate", minionIp, master.apiAddress(), "--kubelet-port=10250")
        .start();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
    List<String> failures = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Thread loop = new Thread(() -> {
      while (!stop.get()) {
        try {
          HttpResponse<String> r = send(admin, "GET", "/api/v1/namespaces/default/pods", null);
          if (r.statusCode() == 200) {
            ok.incrementAndGet();
          } else {
            failures.add(r.statusCode() + " " + r.body());
          }
        } catch (Exception e) {
          failures.add(e.toString());
        }
      }
    }, "api-loop");
    try {
      Path pki = master.dataDir().resolve("pki");
      Path nodeCrt = minion.dataDir().resolve("pki/node.crt");
      Credentials adminId = Credentials.load(pki, "admin");
      Credentials peerId = Credentials.load(pki, "peer");
      Wait.until("sec-rotate's kubelet serving and its Node carrying its certificate's expiry", Duration.ofSeconds(90),
          () -> {
            if (!minion.alive()) {
              throw new AssertionError("the minion exited:\n" + minion.tail(60));
            }
            HttpResponse<String> n = send(admin, "GET", "/api/v1/nodes/sec-rotate", null);
            return n.statusCode() == 200 && Json.MAPPER.readTree(n.body()).path("metadata").path("annotations")
                .hasNonNull("coxswain.io/certificate-expires")
                && TlsProbe.http1(minionIp, 10250, adminId.sslContext(), "/healthz").startsWith("HTTP/1.1 200");
          });
      String nodeExpiresBefore = Json.MAPPER.readTree(send(admin, "GET", "/api/v1/nodes/sec-rotate", null).body())
          .path("metadata").path("annotations").path("coxswain.io/certificate-expires").asText();
      assertEquals(Credentials.load(minion.dataDir().resolve("pki"), "node").notAfter().toString(), nodeExpiresBefore);
      java.math.BigInteger api = servedSerial(ADDRESS, 6443, adminId.sslContext());
      java.math.BigInteger peer = servedSerial(ADDRESS, 2380, peerId.sslContext());
      java.math.BigInteger kubelet = servedSerial(minionIp, 10250, adminId.sslContext());
      String nodeCert = Files.readString(nodeCrt);
      String kubeconfig = Files.readString(master.kubeconfig());
      JsonNode members = Json.MAPPER.readTree(send(admin, "GET", "/coxswain/v1/members", null).body());
      String expiresBefore = members.path("members").get(0).path("certificateExpires").asText();
      assertTrue(java.time.Instant.parse(expiresBefore).isAfter(java.time.Instant.now().plus(Duration.ofDays(300))),
          members.toString());
      loop.start();

      io.coxswain.e2e.Cli cli = new io.coxswain.e2e.Cli(master.server(), master.kubeconfig(), root);
      String out = cli.ok("certs", "rotate", "--timeout=60s");
      assertTrue(out.contains("master sec-m1: rotated"), out);

      assertNotEquals(api, servedSerial(ADDRESS, 6443, adminId.sslContext()), "the API serves a new certificate");
      assertNotEquals(peer, servedSerial(ADDRESS, 2380, peerId.sslContext()), "the peer port serves a new certificate");
      assertNotEquals(kubeconfig, Files.readString(master.kubeconfig()), "the admin kubeconfig is written afresh");
      Wait.until("sec-rotate renewing its certificate", Duration.ofSeconds(90),
          () -> !nodeCert.equals(Files.readString(nodeCrt)));
      Wait.until("the kubelet serving its new certificate", Duration.ofSeconds(30),
          () -> !kubelet.equals(servedSerial(minionIp, 10250, adminId.sslContext())));
      String renewedExpiry = Credentials.load(minion.dataDir().resolve("pki"), "node").notAfter().toString();
      Wait.until("the Node showing the new expiry", Duration.ofSeconds(30), () -> renewedExpiry.equals(
          Json.MAPPER.readTree(send(admin, "GET", "/api/v1/nodes/sec-rotate", null).body()).path("metadata")
              .path("annotations").path("coxswain.io/certificate-expires").asText()));
      Wait.until("members showing the new expiry", Duration.ofSeconds(30), () -> !expiresBefore.equals(
          Json.MAPPER.readTree(send(admin, "GET", "/coxswain/v1/members", null).body()).path("members").get(0)
              .path("certificateExpires").asText()));
      String table = cli.ok("members");
      assertTrue(table.contains("CERTS EXPIRE") && table.contains("(36"), table);
      String described = cli.ok("describe", "node", "sec-rotate");
      assertTrue(described.contains("coxswain.io/certificate-expires: " + renewedExpiry), described);
      // the cluster still works end to end with the new certificates: a minion heartbeat, the new kubeconfig
      assertEquals(200, send(master.adminHttp(), "GET", "/api/v1/nodes", null).statusCode());
      int before = ok.get();
      Wait.until("the API loop going on after the rotation", Duration.ofSeconds(30), () -> ok.get() > before + 5);
    } finally {
      stop.set(true);
      loop.join(30_000);
      minion.stop();
    }
    assertEquals(List.of(), failures, "API requests failed during the rotation");
  }

  static String node(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"" + name + "\"}}";
  }

  static String pod(String name, String nodeName) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"nodeName\":\""
        + nodeName + "\",\"containers\":[{\"name\":\"c\",\"image\":\"coxswain/busybox:1\"}]}}";
  }
}
