package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every client command against an in-memory API server (the real server is covered by CliIT). */
class CliCommandsTest {
  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  FakeApiServer api;
  String url;

  @TempDir
  Path dir;

  @BeforeEach
  void start() throws Exception {
    api = new FakeApiServer(NOW);
    url = api.url();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  CliRunner.Result cli(String... args) {
    return CliRunner.run(url, args);
  }

  void pods() {
    api.put("default", "pods", """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","labels":{"app":"web"},"creationTimestamp":"%s"},
         "spec":{"nodeName":"n1","containers":[{"name":"web","image":"nginx"}]},
         "status":{"phase":"Running","podIP":"10.1.0.5","containerStatuses":[{"name":"web","ready":true,"restartCount":1}],
                   "conditions":[{"type":"Ready","status":"True"}]}}""".formatted(NOW.minus(Duration.ofMinutes(5))));
    api.put("default", "pods", """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"database-primary","labels":{"app":"db"},"creationTimestamp":"%s"},
         "spec":{"containers":[{"name":"pg","image":"postgres"},{"name":"side","image":"busybox"}]},
         "status":{"phase":"Pending"}}""".formatted(NOW.minus(Duration.ofHours(50))));
    api.put("other", "pods", """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","creationTimestamp":"%s"},
         "spec":{"containers":[{"name":"c","image":"i"}]},"status":{"phase":"Running"}}""".formatted(NOW.minus(Duration.ofSeconds(30))));
  }

  @Test
  void getPodsPrintsTheServersTable() {
    pods();
    CliRunner.Result r = cli("get", "pods");
    assertEquals(0, r.code(), r.toString());
    assertEquals("""
        NAME               READY   STATUS    RESTARTS   AGE
        database-primary   0/2     Pending   0          2d2h
        web-1              1/1     Running   1          5m
        """, r.out());
    assertTrue(api.requests.stream().anyMatch(q -> q.startsWith("GET /api/v1/namespaces/default/pods?limit=500")), api.requests.toString());
  }

  @Test
  void wideAllNamespacesLabelsAndSelectors() {
    pods();
    CliRunner.Result r = cli("get", "po", "-A", "-o", "wide", "--show-labels");
    assertEquals(0, r.code(), r.toString());
    assertEquals("""
        NAMESPACE   NAME               READY   STATUS    RESTARTS   AGE    IP         NODE     NOMINATED NODE   READINESS GATES   LABELS
        default     database-primary   0/2     Pending   0          2d2h   <none>     <none>   <none>           <none>            app=db
        default     web-1              1/1     Running   1          5m     10.1.0.5   n1       <none>           <none>            app=web
        other       x                  0/1     Running   0          30s    <none>     <none>   <none>           <none>            <none>
        """, r.out());
    CliRunner.Result sel = cli("get", "pods", "-l", "app=web", "-o", "name");
    assertEquals("pod/web-1\n", sel.out());
    CliRunner.Result field = cli("get", "pods", "--field-selector", "status.phase=Pending", "-o", "name");
    assertEquals("pod/database-primary\n", field.out());
  }

  @Test
  void byNameFormsAndOutputs() {
    pods();
    assertEquals(cli("get", "pods", "web-1").out(), cli("get", "pod/web-1").out());
    assertEquals("NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   1          5m\n", cli("get", "po", "web-1").out());
    CliRunner.Result json = cli("get", "pod", "web-1", "-o", "json");
    JsonNode pod = CliJson.parse(json.out());
    assertEquals("Pod", pod.path("kind").asText());
    assertTrue(json.out().startsWith("{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Pod\",\n    \"metadata\": {"), json.out());
    JsonNode list = CliJson.parse(cli("get", "pods", "-o", "json").out());
    assertEquals("List", list.path("kind").asText());
    assertEquals("Pod", list.path("items").get(0).path("kind").asText());
    assertEquals("", list.path("metadata").path("resourceVersion").asText());
    String yaml = cli("get", "pods", "web-1", "-o", "yaml").out();
    assertTrue(yaml.startsWith("apiVersion: v1\nkind: Pod\nmetadata:\n"), yaml);
    assertTrue(yaml.contains("  containers:\n  - image: nginx\n    name: web\n"), yaml);
    assertEquals("database-primary web-1",
        cli("get", "pods", "-o", "jsonpath={.items[*].metadata.name}").out());
    assertEquals("web-1\n",
        cli("get", "pods", "-o", "jsonpath={range .items[?(@.status.phase==\"Running\")]}{.metadata.name}{\"\\n\"}{end}").out());
  }

  @Test
  void getAllPrefixesKinds() {
    pods();
    api.put("default", "services", "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"creationTimestamp\":\"%s\"}}"
        .formatted(NOW.minus(Duration.ofMinutes(1))));
    CliRunner.Result r = cli("get", "all");
    assertEquals(0, r.code(), r.toString());
    assertEquals("""
        NAME                   READY   STATUS    RESTARTS   AGE
        pod/database-primary   0/2     Pending   0          2d2h
        pod/web-1              1/1     Running   1          5m

        NAME          AGE
        service/web   60s
        """, r.out());
  }

  @Test
  void emptyAndErrorsAreOneLine() throws Exception {
    CliRunner.Result empty = cli("get", "pods");
    assertEquals(0, empty.code());
    assertEquals("", empty.out());
    assertEquals("No resources found in default namespace.\n", empty.err());
    assertEquals("No resources found\n", cli("get", "nodes").err());
    CliRunner.Result missing = cli("get", "pod", "nope");
    assertEquals(1, missing.code());
    assertEquals("Error from server (NotFound): pods \"nope\" not found\n", missing.err());
    CliRunner.Result unknown = cli("get", "deployments");
    assertEquals(1, unknown.code());
    assertEquals("error: the server doesn't have a resource type \"deployments\"\n", unknown.err());
    CliRunner.Result noFile = cli("apply", "-f", dir.resolve("x.yaml").toString());
    assertEquals(1, noFile.code());
    assertEquals("error: the path \"" + dir.resolve("x.yaml") + "\" does not exist\n", noFile.err());
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "kind: Pod\nmetadata: [\n");
    CliRunner.Result malformed = cli("create", "-f", bad.toString());
    assertEquals(1, malformed.code());
    assertEquals(1, malformed.err().lines().count(), malformed.err());
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    CliRunner.Result refused = CliRunner.run("http://127.0.0.1:" + closed, "get", "pods");
    assertEquals(1, refused.code());
    assertEquals("The connection to the server 127.0.0.1:" + closed + " was refused - did you specify the right host or port?\n", refused.err());
    CliRunner.Result badOutput = cli("get", "pods", "-o", "xml");
    assertEquals(1, badOutput.code());
    assertEquals(1, badOutput.err().lines().count());
  }

  @Test
  void applyCreatesThenIsUnchangedThenConfigures() throws Exception {
    Path f = dir.resolve("app.yaml");
    Files.writeString(f, """
        apiVersion: v1
        kind: ReplicationController
        metadata:
          name: web
          labels: {app: web, tier: fe}
        spec:
          replicas: 2
          selector: {app: web}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: nginx
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{port: 80}]
        """);
    CliRunner.Result first = cli("apply", "-f", f.toString());
    assertEquals("replicationcontroller/web created\nservice/web created\n", first.out(), first.toString());
    // the server adds defaults and status: still unchanged
    JsonNode rc = api.objects.get(FakeApiServer.path("default", "replicationcontrollers", "web"));
    ((com.fasterxml.jackson.databind.node.ObjectNode) rc.path("spec").path("template").path("spec").path("containers").get(0))
        .put("imagePullPolicy", "Always");
    ((com.fasterxml.jackson.databind.node.ObjectNode) rc).putObject("status").put("replicas", 2);
    CliRunner.Result second = cli("apply", "-f", f.toString());
    assertEquals("replicationcontroller/web unchanged\nservice/web unchanged\n", second.out(), second.toString());
    assertFalse(api.requests.stream().anyMatch(q -> q.startsWith("PATCH")), api.requests.toString());
    Files.writeString(f, Files.readString(f).replace("replicas: 2", "replicas: 3").replace("labels: {app: web, tier: fe}", "labels: {app: web}"));
    CliRunner.Result third = cli("apply", "-f", f.toString());
    assertEquals("replicationcontroller/web configured\nservice/web unchanged\n", third.out(), third.toString());
    rc = api.objects.get(FakeApiServer.path("default", "replicationcontrollers", "web"));
    assertEquals(3, rc.path("spec").path("replicas").asInt());
    assertTrue(rc.path("metadata").path("labels").path("tier").isMissingNode(), rc.toString());
    assertEquals("Always", rc.path("spec").path("template").path("spec").path("containers").get(0).path("imagePullPolicy").asText());
  }

  @Test
  void createDeleteScaleLabelAnnotate() throws Exception {
    Path f = dir.resolve("pod.json");
    Files.writeString(f, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}");
    assertEquals("pod/p created\n", cli("create", "-f", f.toString()).out());
    CliRunner.Result again = cli("create", "-f", f.toString());
    assertEquals(1, again.code());
    assertEquals("Error from server (AlreadyExists): pods \"p\" already exists\n", again.err());
    assertEquals("pod/p labeled\n", cli("label", "pod", "p", "tier=fe").out());
    CliRunner.Result clash = cli("label", "pod/p", "tier=be");
    assertEquals(1, clash.code());
    assertEquals("error: 'tier' already has a value (fe), and --overwrite is false\n", clash.err());
    assertEquals("pod/p labeled\n", cli("label", "pod/p", "tier=be", "--overwrite").out());
    assertEquals("be", api.objects.get(FakeApiServer.path("default", "pods", "p")).path("metadata").path("labels").path("tier").asText());
    assertEquals("pod/p labeled\n", cli("label", "pod", "p", "tier-").out());
    assertTrue(api.objects.get(FakeApiServer.path("default", "pods", "p")).path("metadata").path("labels").path("tier").isMissingNode());
    assertEquals("pod/p annotated\n", cli("annotate", "pods", "p", "note=hello world").out());
    assertEquals("hello world", api.objects.get(FakeApiServer.path("default", "pods", "p")).path("metadata").path("annotations").path("note").asText());
    assertEquals("pod \"p\" deleted\n", cli("delete", "pod", "p").out());
    assertNull(api.objects.get(FakeApiServer.path("default", "pods", "p")));
    CliRunner.Result gone = cli("delete", "pod", "p", "--grace-period=0", "--force");
    assertEquals(1, gone.code());
    assertEquals("Error from server (NotFound): pods \"p\" not found\n", gone.err());
    assertTrue(api.requests.stream().anyMatch(q -> q.startsWith("DELETE") && q.contains("\"gracePeriodSeconds\":0")), api.requests.toString());
    assertEquals(0, cli("delete", "pod", "p", "--ignore-not-found").code());

    assertEquals("replicationcontroller/web created\n", cli("run", "web", "--image=nginx", "--replicas=2", "--port=80").out());
    JsonNode rc = api.objects.get(FakeApiServer.path("default", "replicationcontrollers", "web"));
    assertEquals("web", rc.path("spec").path("selector").path("run").asText());
    assertEquals(80, rc.path("spec").path("template").path("spec").path("containers").get(0).path("ports").get(0).path("containerPort").asInt());
    assertEquals("replicationcontroller/web scaled\n", cli("scale", "rc", "web", "--replicas=5").out());
    assertEquals(5, api.objects.get(FakeApiServer.path("default", "replicationcontrollers", "web")).path("spec").path("replicas").asInt());
    CliRunner.Result pre = cli("scale", "rc/web", "--replicas=1", "--current-replicas=2");
    assertEquals(1, pre.code());
    assertEquals("error: Expected replicas to be 2, was 5\n", pre.err());
    assertEquals("service/web exposed\n", cli("expose", "rc", "web", "--port=8080", "--target-port=80", "--type=NodePort").out());
    JsonNode svc = api.objects.get(FakeApiServer.path("default", "services", "web"));
    assertEquals(80, svc.path("spec").path("ports").get(0).path("targetPort").asInt());
    assertEquals("NodePort", svc.path("spec").path("type").asText());
    assertEquals("web", svc.path("spec").path("selector").path("run").asText());
    assertEquals("pod/one created\n", cli("run", "one", "--image=busybox", "--", "sleep", "3600").out());
    assertEquals("[\"sleep\",\"3600\"]", CliJson.compact(api.objects.get(FakeApiServer.path("default", "pods", "one"))
        .path("spec").path("containers").get(0).path("args")));
    CliRunner.Result byLabel = cli("delete", "rc,svc", "-l", "run=web");
    assertEquals("replicationcontroller \"web\" deleted\nservice \"web\" deleted\n", byLabel.out(), byLabel.toString());
    assertEquals("pod \"one\" deleted\n", cli("delete", "pods", "--all").out());
  }

  @Test
  void describeLogsTopVersionMembersSnapshot() throws Exception {
    pods();
    api.put("default", "events", """
        {"apiVersion":"v1","kind":"Event","metadata":{"name":"e1"},"involvedObject":{"kind":"Pod","name":"web-1","namespace":"default","uid":"%s"},
         "type":"Normal","reason":"Scheduled","message":"Successfully assigned default/web-1 to n1","source":{"component":"default-scheduler"},
         "firstTimestamp":"%s","lastTimestamp":"%s","count":1}""".formatted(
        api.objects.get(FakeApiServer.path("default", "pods", "web-1")).path("metadata").path("uid").asText(), NOW, NOW));
    CliRunner.Result d = cli("describe", "pod", "web-1");
    assertEquals(0, d.code(), d.toString());
    assertTrue(d.out().startsWith("Name:         web-1\nNamespace:    default\n"), d.out());
    assertTrue(d.out().contains("Containers:\n  web:\n    Image:          nginx\n"), d.out());
    assertTrue(d.out().contains("Events:\n  Type    Reason     Age"), d.out());
    assertTrue(d.out().contains("Normal  Scheduled  "), d.out());
    assertTrue(api.requests.stream().anyMatch(q -> q.contains("fieldSelector=involvedObject.name%3Dweb-1")), api.requests.toString());

    assertEquals("log line 1\nlog line 2\n", cli("logs", "web-1", "--tail=2").out());
    assertTrue(api.requests.stream().anyMatch(q -> q.startsWith("GET /api/v1/namespaces/default/pods/web-1/log?tailLines=2")), api.requests.toString());

    CliRunner.Result top = cli("top", "nodes");
    assertEquals(1, top.code());
    assertEquals("error: Metrics API not available\n", top.err());

    assertEquals("Client Version: v" + VersionInfo.version() + "\nServer Version: v1.32.0-coxswain\n", cli("version").out());

    api.route("GET", "/coxswain/v1/members", 200, """
        {"groupId":"g-1","members":[{"id":"m1","peerAddress":"127.0.0.1:2380","leader":true,"self":true,"term":3,"commitIndex":120,"appliedIndex":120},
        {"id":"m2","peerAddress":"127.0.0.2:2380","leader":false,"self":false,"term":3,"commitIndex":120,"appliedIndex":118},
        {"id":"m3","peerAddress":"127.0.0.3:2380","leader":false,"self":false,"term":3,"commitIndex":120,"appliedIndex":-1}]}""");
    assertEquals("""
        ID          PEER             LEADER   TERM   COMMIT   APPLIED
        m1 (this)   127.0.0.1:2380   yes      3      120      120
        m2          127.0.0.2:2380   no       3      120      118
        m3          127.0.0.3:2380   no       3      120      -
        """, cli("members").out());
    java.time.Instant now = java.time.Instant.parse("2026-11-25T00:00:00Z");
    assertEquals("""
        ID          PEER             LEADER   TERM   COMMIT   APPLIED   CERTS EXPIRE
        m1 (this)   127.0.0.1:2380   yes      3      120      120       2027-11-25 (365d)
        m2          127.0.0.2:2380   no       3      120      -         -
        """, MembersCommand.table(io.coxswain.model.Json.tree("""
        {"members":[{"id":"m1","peerAddress":"127.0.0.1:2380","leader":true,"self":true,"term":3,"commitIndex":120,
        "appliedIndex":120,"certificateExpires":"2027-11-25T00:00:00Z"},
        {"id":"m2","peerAddress":"127.0.0.2:2380","leader":false,"self":false,"term":3,"commitIndex":120,"appliedIndex":-1}]}
        """.getBytes(java.nio.charset.StandardCharsets.UTF_8)), now));
    assertEquals("2026-11-24 (expired)", MembersCommand.expiry("2026-11-24T00:00:00Z", now));

    api.route("POST", "/coxswain/v1/certificates/rotate", 200, "{\"requestedAt\":\"2026-11-25T01:00:00Z\"}");
    api.route("GET", "/coxswain/v1/certificates", 200, """
        {"rotationRequestedAt":"2026-11-25T01:00:00Z","masters":[{"name":"m1","issued":"2026-11-25T01:00:02Z",
        "servingExpires":"2027-11-25T01:00:02Z","peerExpires":"2027-11-25T01:00:02Z"},{"name":"m2",
        "issued":"2026-11-25T01:00:03Z","servingExpires":"2027-11-25T01:00:03Z","peerExpires":"2027-11-25T01:00:03Z"},
        {"name":"m3","issued":"2026-11-25T01:00:04Z","servingExpires":"2027-11-25T01:00:04Z","peerExpires":"2027-11-25T01:00:04Z"}]}""");
    assertEquals("""
        certificate rotation requested at 2026-11-25T01:00:00Z
        master m1: rotated (serving certificate valid until 2027-11-25T01:00:02Z)
        master m2: rotated (serving certificate valid until 2027-11-25T01:00:03Z)
        master m3: rotated (serving certificate valid until 2027-11-25T01:00:04Z)
        minions renew their certificates within a minute
        """, cli("certs", "rotate").out());
    api.route("GET", "/coxswain/v1/certificates", 200, """
        {"rotationRequestedAt":"2026-11-25T01:00:00Z","masters":[{"name":"m1","issued":"2026-11-25T00:59:00Z",
        "servingExpires":"2027-11-25T00:59:00Z","peerExpires":"2027-11-25T00:59:00Z"}]}""");
    CliRunner.Result stuck = cli("certs", "rotate", "--timeout=1s");
    assertEquals(1, stuck.code(), stuck.toString());
    assertEquals("error: timed out after 1s waiting for master(s) m1, m2, m3 to rotate their certificates (are they"
        + " running?)\n", stuck.err());
    api.route("DELETE", "/coxswain/v1/members/m2", 200, "{\"groupId\":\"g-1\",\"members\":[]}");
    assertEquals("master \"m2\" removed\n", cli("master", "remove", "m2").out());

    Path snap = dir.resolve("s.jsonl");
    CliRunner.Result none = cli("snapshot", "save", snap.toString());
    assertEquals(1, none.code());
    assertTrue(none.err().contains("does not serve snapshots (GET /coxswain/v1/snapshot answered 404)"), none.err());
    assertFalse(Files.exists(snap));
    api.route("GET", "/coxswain/v1/snapshot", 200, "{\"revision\":42}\n{\"key\":\"/registry/pods/default/a\",\"value\":\"e30=\"}\n");
    assertEquals("Snapshot saved at " + snap + " (revision 42, 1 keys)\n", cli("snapshot", "save", snap.toString()).out());
    CliRunner.Result restore = CliRunner.run(null, "snapshot", "restore", snap.toString(), "--data-dir", dir.resolve("new").toString());
    assertEquals(0, restore.code(), restore.toString());
    assertTrue(restore.out().startsWith("Prepared " + dir.resolve("new") + " from revision 42 (1 keys)"), restore.out());
    assertEquals(Files.readString(snap), Files.readString(dir.resolve("new").resolve("restore.jsonl")));
    CliRunner.Result broken = CliRunner.run(null, "snapshot", "restore", dir.resolve("nothing").toString(), "--data-dir",
        dir.resolve("other").toString());
    assertEquals(1, broken.code());
    assertTrue(broken.err().contains("does not exist"), broken.err());
  }

  @Test
  void kubeconfigGivesServerAndNamespace() throws Exception {
    api.put("team", "pods", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"t\"},\"spec\":{\"containers\":[]}}");
    Path kc = dir.resolve("config");
    Files.writeString(kc, """
        apiVersion: v1
        kind: Config
        current-context: dev
        contexts:
        - name: dev
          context: {cluster: local, user: me, namespace: team}
        clusters:
        - name: local
          cluster: {server: %s}
        users:
        - name: me
          user: {token: abc}
        """.formatted(url));
    CliRunner.Result r = CliRunner.run(null, "get", "pods", "-o", "name", "--kubeconfig", kc.toString());
    assertEquals("pod/t\n", r.out(), r.toString());
  }

  @Test
  void completionScript() {
    CliRunner.Result r = CliRunner.run(null, "completion", "bash");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("complete -F"), r.out());
    assertTrue(r.out().contains("rolling-update"), "subcommands are completed");
  }
}
