package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as users run it: {@code java -jar node.jar COMMAND} processes (stdout, stderr, exit code) against
 * a master started from the same jar, with kubectl 1.32 printing the same objects for comparison.
 * Needs a build whose master serves the API (io.coxswain.api.ApiServerVerticle on the classpath), or
 * {@code -Dcoxswain.server=URL} of an API server started elsewhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliIT {
  static final Path JAR = Path.of(System.getProperty("coxswain.jar", "target/node.jar"));
  Process master;
  String server;
  Path kubeconfig;

  @TempDir
  Path dir;

  @BeforeAll
  void startMaster() throws Exception {
    String external = System.getProperty("coxswain.server");
    if (external != null && !external.isEmpty()) {
      // an API server started elsewhere (e.g. the API branch's test server on a MemoryStore)
      server = external;
      return;
    }
    boolean hasApi;
    try {
      Class.forName("io.coxswain.api.ApiServerVerticle");
      hasApi = true;
    } catch (ClassNotFoundException e) {
      hasApi = false;
    }
    assumeTrue(hasApi, "this build has no API server yet");
    int apiPort = freePort();
    int peerPort = freePort();
    server = "https://127.0.0.1:" + apiPort;
    Path data = Files.createTempDirectory("cli-it-master");
    kubeconfig = data.resolve("admin.kubeconfig");
    master = new ProcessBuilder("java", "-jar", JAR.toString(), "--role=master", "--address=127.0.0.1",
        "--api-port=" + apiPort, "--peer-port=" + peerPort, "--node-name=cli-it", "--local-minion=false",
        "--data-dir=" + data).redirectErrorStream(true).redirectOutput(data.resolve("master.log").toFile()).start();
    HttpClient http = HttpClient.newBuilder().sslContext(io.coxswain.security.Joiner.trustAnything()).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (true) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server + "/readyz")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          break;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (!master.isAlive() || System.nanoTime() > deadline) {
        fail("the master did not become ready: " + Files.readString(data.resolve("master.log")));
      }
      Thread.sleep(200);
    }
  }

  @AfterAll
  void stopMaster() throws Exception {
    if (master != null) {
      master.destroy();
      master.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  CliRunner.Result jar(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-XX:TieredStopAtLevel=1", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    int dashes = cmd.indexOf("--");
    cmd.add(dashes < 0 ? cmd.size() : dashes, "--server=" + server);
    if (kubeconfig != null) {
      cmd.add(dashes < 0 ? cmd.size() : dashes, "--kubeconfig=" + kubeconfig);
    }
    return run(cmd);
  }

  CliRunner.Result kubectl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/kubectl"));
    cmd.addAll(List.of(args));
    if (kubeconfig != null) {
      cmd.add("--kubeconfig=" + kubeconfig);
    }
    cmd.add("--cache-dir=" + dir.resolve("kube-cache"));
    return run(cmd);
  }

  private CliRunner.Result run(List<String> cmd) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("KUBECONFIG", "/dev/null");
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("did not finish: " + cmd);
    }
    return new CliRunner.Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  /** Tables without the AGE column's value, which ticks between two runs. */
  private static String withoutAges(String table) {
    // the two runs are moments apart: ages (119s, 2m, 2m1s) and event counts (x5, x6) may differ, and with
    // them the widths of columns; column alignment is compared by KubectlGoldenIT, on fixed times
    return table.replaceAll("(?m)\\b\\d+[smhdy](\\d+[smh])?\\b", "AGE").replaceAll("\\(x\\d+ over", "(xN over")
        .replaceAll(" {2,}", "  ");
  }

  CliRunner.Result jarAt(String at, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-XX:TieredStopAtLevel=1", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    cmd.add("--server=" + at);
    return run(cmd);
  }

  private static String jsonpath(CliRunner.Result r) {
    assertEquals(0, r.code(), r.toString());
    return r.out();
  }

  /**
   * apply is kubectl's client-side apply: a three-way strategic merge with the last-applied annotation.
   * A field dropped from the file goes, one set by someone else stays, list items merge by their keys,
   * applying twice changes nothing, and kubectl and this CLI take each other's applies as their own.
   */
  @Test
  void applyMergesThreeWaysAndInteroperatesWithKubectl() throws Exception {
    Path f = dir.resolve("applied.yaml");
    // "Y" quoted: kubectl's YAML 1.1 reader takes a bare Y for true
    String v1 = """
        apiVersion: v1
        kind: ReplicationController
        metadata: {name: merge, labels: {app: merge, stage: one}}
        spec:
          replicas: 0
          selector: {app: merge}
          template:
            metadata: {labels: {app: merge}}
            spec:
              containers:
              - name: a
                image: coxswain/busybox:1
                env: [{name: X, value: "1"}, {name: "Y", value: "1"}]
                ports: [{containerPort: 80}, {containerPort: 81}]
              - name: b
                image: coxswain/busybox:1
        """;
    Files.writeString(f, v1);
    assertEquals("replicationcontroller/merge created\n", jar("apply", "-f", f.toString()).out());
    String rv = jsonpath(jar("get", "rc", "merge", "-o", "jsonpath={.metadata.resourceVersion}"));
    // kubectl sees the same last-applied record: for it, nothing to do either
    CliRunner.Result theirs = kubectl("apply", "-f", f.toString());
    assertEquals("replicationcontroller/merge unchanged\n", theirs.out(), theirs.toString());
    assertEquals("replicationcontroller/merge unchanged\n", jar("apply", "-f", f.toString()).out());
    assertEquals(rv, jsonpath(jar("get", "rc", "merge", "-o", "jsonpath={.metadata.resourceVersion}")));

    // someone else labels it; the file drops a label, an env var, a port and a container, changes a value
    assertEquals(0, jar("label", "rc", "merge", "owner=ops").code());
    String v2 = v1.replace(", stage: one", "").replace(", {name: \"Y\", value: \"1\"}", "").replace("value: \"1\"", "value: \"2\"")
        .replace(", {containerPort: 81}", "").replace("""
              - name: b
                image: coxswain/busybox:1
        """, "");
    Files.writeString(f, v2);
    CliRunner.Result configured = jar("apply", "-f", f.toString(), "-v=6");
    assertEquals("replicationcontroller/merge configured\n", configured.out(), configured.toString());
    assertTrue(configured.err().contains("\"$patch\":\"delete\""), "a strategic merge patch: " + configured.err());
    assertEquals("app=merge,owner=ops", jsonpath(jar("get", "rc", "merge", "-o",
        "jsonpath=app={.metadata.labels.app},owner={.metadata.labels.owner}{.metadata.labels.stage}")));
    assertEquals("a:X=2:80", jsonpath(jar("get", "rc", "merge", "-o", "jsonpath={range .spec.template.spec.containers[*]}"
        + "{.name}:{range .env[*]}{.name}={.value}{end}:{range .ports[*]}{.containerPort}{end}{end}")));
    theirs = kubectl("apply", "-f", f.toString());
    assertEquals("replicationcontroller/merge unchanged\n", theirs.out(), theirs.toString());

    // and the other way round: kubectl applies a change, this CLI finds nothing left to do
    Files.writeString(f, v2.replace("replicas: 0", "replicas: 0\n  minReadySeconds: 3"));
    theirs = kubectl("apply", "-f", f.toString());
    assertEquals("replicationcontroller/merge configured\n", theirs.out(), theirs.toString());
    assertEquals("replicationcontroller/merge unchanged\n", jar("apply", "-f", f.toString()).out());
    assertEquals("3", jsonpath(jar("get", "rc", "merge", "-o", "jsonpath={.spec.minReadySeconds}")));

    // an object made by create has no record: apply adds it and keeps what it cannot know was applied
    assertEquals(0, jar("delete", "rc", "merge").code());
    assertEquals(0, jar("create", "-f", f.toString()).code());
    CliRunner.Result adopted = jar("apply", "-f", f.toString());
    assertEquals(0, adopted.code(), adopted.toString());
    assertEquals(1, adopted.err().lines().count(), adopted.toString());
    assertTrue(jsonpath(jar("get", "rc", "merge", "-o", "jsonpath={.metadata.annotations}")).contains("last-applied-configuration"));
    assertEquals(0, jar("delete", "-f", f.toString()).code());
  }

  /** The rest of the commands of the CLI's brief, each against the running master. */
  @Test
  void folderListsSelectorsAndTheSmallerCommands() throws Exception {
    Path folder = dir.resolve("manifests");
    Files.createDirectories(folder.resolve("nested"));
    Files.writeString(folder.resolve("list.json"), """
        {"apiVersion":"v1","kind":"List","items":[
          {"apiVersion":"v1","kind":"Service","metadata":{"name":"f-one","labels":{"batch":"f"}},"spec":{"ports":[{"port":81}]}},
          {"apiVersion":"v1","kind":"Service","metadata":{"name":"f-two","labels":{"batch":"f"}},"spec":{"ports":[{"port":82}]}}]}
        """);
    Files.writeString(folder.resolve("nested/multi.yaml"), """
        apiVersion: v1
        kind: Service
        metadata: {name: f-three, labels: {batch: f}}
        spec: {ports: [{port: 83}]}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: f-space}
        """);
    CliRunner.Result flat = jar("apply", "-f", folder.toString());
    assertEquals("service/f-one created\nservice/f-two created\n", flat.out(), flat.toString());
    CliRunner.Result deep = jar("apply", "-R", "-f", folder.toString());
    assertEquals("service/f-one unchanged\nservice/f-two unchanged\nservice/f-three created\nnamespace/f-space created\n",
        deep.out(), deep.toString());
    assertEquals("f-one f-three f-two", jsonpath(jar("get", "svc", "-l", "batch=f", "-o", "jsonpath={.items[*].metadata.name}")));

    assertEquals("replicationcontroller/f-rc created\n", jar("run", "f-rc", "--image=coxswain/busybox:1", "--replicas=2",
        "--labels=batch=g", "-n", "f-space").out());
    assertEquals("2", jsonpath(jar("get", "rc", "f-rc", "-n", "f-space", "-o", "jsonpath={.spec.replicas}")));
    assertEquals("service/f-rc exposed\n", jar("expose", "rc", "f-rc", "--port=8080", "-n", "f-space").out());
    assertEquals("batch=g", jsonpath(jar("get", "svc", "f-rc", "-n", "f-space", "-o", "jsonpath=batch={.spec.selector.batch}")));
    assertEquals(1, jar("label", "svc", "f-one", "batch=h").code(), "an existing label needs --overwrite");
    assertEquals("service/f-one labeled\n", jar("label", "svc", "f-one", "batch=h", "--overwrite").out());
    assertEquals("service/f-one labeled\n", jar("label", "svc", "f-one", "batch-").out());
    assertEquals("", jsonpath(jar("get", "svc", "f-one", "-o", "jsonpath={.metadata.labels}")));
    assertEquals("service/f-two annotated\n", jar("annotate", "svc", "f-two", "note=x").out());
    assertEquals("service/f-two annotated\n", jar("annotate", "svc", "f-two", "note-").out());

    CliRunner.Result bySelector = jar("delete", "svc", "-l", "batch=f");
    assertEquals("service \"f-three\" deleted\nservice \"f-two\" deleted\n", bySelector.out(), bySelector.toString());
    assertEquals("service \"f-one\" deleted\n", jar("delete", "svc", "f-one").out());
    CliRunner.Result everything = jar("delete", "rc,svc", "--all", "-n", "f-space");
    assertEquals("replicationcontroller \"f-rc\" deleted\nservice \"f-rc\" deleted\n", everything.out(), everything.toString());
    assertEquals("namespace \"f-space\" deleted\n", jar("delete", "ns", "f-space", "--wait=false").out());

    for (String shell : List.of("bash", "zsh")) {
      // a local command: no server option
      CliRunner.Result completion = run(List.of("java", "-XX:TieredStopAtLevel=1", "-jar", JAR.toString(), "completion", shell));
      assertEquals(0, completion.code(), completion.toString());
      assertTrue(completion.out().contains("complete") || completion.out().contains("compdef"), shell + ": " + completion.out());
    }
    CliRunner.Result version = jar("version");
    assertTrue(version.out().contains("Server Version: v1.32"), version.toString());
  }

  /** Bad usage: one line on stderr, nothing on stdout, exit 1. */
  @Test
  void badUsageIsOneLineAndExitOne() throws Exception {
    Path malformed = dir.resolve("malformed.yaml");
    Files.writeString(malformed, "kind: Pod\nmetadata: {name: x\n  spec: [\n");
    Path unknownKind = dir.resolve("widget.yaml");
    Files.writeString(unknownKind, "apiVersion: v1\nkind: Widget\nmetadata: {name: x}\n");
    List<CliRunner.Result> results = List.of(
        jar("get", "foos"), jar("describe", "foos", "x"), jar("delete", "foos", "x"),
        jar("apply", "-f", dir.resolve("missing.yaml").toString()), jar("create", "-f", dir.resolve("missing.yaml").toString()),
        jar("apply", "-f", malformed.toString()), jar("create", "-f", malformed.toString()),
        jar("apply", "-f", unknownKind.toString()), jar("get", "pods", "-o", "jsonpath={.items[}"),
        jar("get", "pods", "-o", "bogus"), jar("scale", "rc", "nope", "--replicas=1"), jar("logs", "nope"),
        jar("nosuchcommand"), jar("get", "pods", "-l", "a in (b"),
        // this master runs no minion: no node has figures
        jar("top", "nodes"),
        jarAt("http://127.0.0.1:1", "get", "pods"), jarAt("http://127.0.0.1:1", "apply", "-f", unknownKind.toString()));
    for (CliRunner.Result r : results) {
      assertEquals(1, r.code(), r.toString());
      assertEquals("", r.out(), r.toString());
      assertEquals(1, r.err().lines().count(), r.toString());
      assertTrue(!r.err().contains("Exception") && !r.err().contains("\tat "), r.toString());
    }
  }

  /** get -w prints the list, then a line per change as it happens, until stopped. */
  @Test
  void getWatchPrintsChangesAsTheyHappen() throws Exception {
    Path out = dir.resolve("watch.out");
    List<String> cmd = new ArrayList<>(List.of("java", "-XX:TieredStopAtLevel=1", "-jar", JAR.toString(),
        "get", "pods", "-l", "watched=yes", "-w", "--server=" + server));
    if (kubeconfig != null) {
      cmd.add("--kubeconfig=" + kubeconfig);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(dir.resolve("watch.err").toFile());
    pb.environment().put("KUBECONFIG", "/dev/null");
    Process watch = pb.start();
    try {
      // the empty list's message goes to stderr; the watch is open once it is printed
      io.coxswain.testing.Wait.until("the watch's first listing", java.time.Duration.ofSeconds(60),
          () -> Files.readString(dir.resolve("watch.err")).contains("No resources found"));
      assertEquals(0, jar("run", "watched", "--image=coxswain/busybox:1", "--labels=watched=yes").code());
      io.coxswain.testing.Wait.until("the new pod's line", java.time.Duration.ofSeconds(60),
          () -> Files.readString(out).lines().anyMatch(l -> l.startsWith("watched ") && l.contains("Pending")));
      assertTrue(Files.readString(out).startsWith("NAME "), Files.readString(out));
      assertEquals(0, jar("delete", "pod", "watched", "--wait=false").code());
      io.coxswain.testing.Wait.until("the deletion's line", java.time.Duration.ofSeconds(60),
          () -> Files.readString(out).lines().filter(l -> l.startsWith("watched ")).count() >= 2);
      assertTrue(watch.isAlive(), "a watch runs until stopped");
    } finally {
      watch.destroy();
      watch.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void everyCommandAgainstARealMaster() throws Exception {
    Path f = dir.resolve("app.yaml");
    Files.writeString(f, """
        apiVersion: v1
        kind: ReplicationController
        metadata: {name: web, labels: {app: web}}
        spec:
          replicas: 0
          selector: {app: web}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{port: 80, targetPort: 80}]
        """);
    CliRunner.Result applied = jar("apply", "-f", f.toString());
    assertEquals("replicationcontroller/web created\nservice/web created\n", applied.out(), applied.toString());
    CliRunner.Result again = jar("apply", "-f", f.toString());
    assertEquals("replicationcontroller/web unchanged\nservice/web unchanged\n", again.out(), again.toString());
    Files.writeString(f, Files.readString(f).replace("replicas: 0", "replicas: 1"));
    assertEquals("replicationcontroller/web configured\nservice/web unchanged\n", jar("apply", "-f", f.toString()).out());
    // events are written after the fact: compare only once the controller's event is there
    io.coxswain.testing.Wait.until("the replication controller's SuccessfulCreate event", java.time.Duration.ofSeconds(60),
        () -> kubectl("get", "events", "--field-selector", "involvedObject.name=web,reason=SuccessfulCreate", "-o", "name")
            .out().contains("event/"));

    String event = kubectl("get", "events", "--field-selector", "involvedObject.name=web,reason=SuccessfulCreate", "-o", "name")
        .out().lines().findFirst().orElseThrow().substring("event/".length());
    for (String command : List.of("get pods", "get rc", "get svc -o wide", "get all", "get rc web -o yaml", "get svc web -o json",
        "get rc -o name", "get pods -A --show-labels", "get nodes", "describe rc web", "describe svc web", "get pod nope",
        "get ep", "get ep web -o wide", "get ns", "get ns default --show-labels", "get rc,svc --show-labels", "get pods -o wide",
        "get events --field-selector involvedObject.name=web,reason=SuccessfulCreate", "get ev " + event + " -o wide",
        "describe ep web", "describe ns default", "describe ev " + event, "describe pods", "get all -o name",
        "get rc web -o jsonpath={.metadata.name}:{.spec.selector.app}", "get foos", "describe foos x")) {
      String[] args = command.split(" ");
      CliRunner.Result ours = jar(args);
      CliRunner.Result theirs = kubectl(args);
      assertEquals(withoutAges(theirs.out()), withoutAges(ours.out()), "stdout of " + command);
      assertEquals(theirs.err().lines().findFirst().orElse(""), ours.err().lines().findFirst().orElse(""), "stderr of " + command);
      assertEquals(theirs.code() == 0, ours.code() == 0, "exit code of " + command);
    }

    assertEquals("replicationcontroller/web scaled\n", jar("scale", "rc", "web", "--replicas=0").out());
    assertEquals("0", jar("get", "rc", "web", "-o", "jsonpath={.spec.replicas}").out());
    assertEquals("replicationcontroller/web labeled\n", jar("label", "rc", "web", "tier=fe").out());
    assertEquals("replicationcontroller/web annotated\n", jar("annotate", "rc/web", "note=x").out());
    assertEquals("pod/one created\n", jar("run", "one", "--image=busybox", "--", "sleep", "3600").out());
    assertEquals("service/one exposed\n", jar("expose", "pod", "one", "--port=8080").out());
    assertEquals("pod \"one\" deleted\nservice \"one\" deleted\n", jar("delete", "pod/one", "svc/one").out());
    assertTrue(jar("version").out().startsWith("Client Version: v"));
    assertTrue(jar("cluster-info").out().startsWith("Kubernetes control plane is running at " + server));
    if (master != null) {
      CliRunner.Result members = jar("members");
      assertTrue(members.out().startsWith("ID "), members.toString());
      assertTrue(members.out().contains("cli-it"), members.toString());
    }
    Path typo = dir.resolve("typo.yaml");
    Files.writeString(typo, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: typo\nspec:\n  containers:\n  - name: c\n"
        + "    image: busybox\n    imagee: busybox\n");
    CliRunner.Result strict = jar("apply", "-f", typo.toString());
    assertEquals(1, strict.code(), strict.toString());
    assertTrue(strict.err().startsWith("Error from server (BadRequest): ") && strict.err().contains(
        "strict decoding error: unknown field \"spec.containers[0].imagee\"") && strict.err().lines().count() == 1,
        strict.err());
    assertEquals(1, jar("get", "pod", "typo").code(), "nothing was created");
    CliRunner.Result missing = jar("apply", "-f", dir.resolve("nope.yaml").toString());
    assertEquals(1, missing.code());
    assertEquals("error: the path \"" + dir.resolve("nope.yaml") + "\" does not exist\n", missing.err());
    assertEquals("replicationcontroller \"web\" deleted\nservice \"web\" deleted\n", jar("delete", "-f", f.toString()).out());
  }
}
