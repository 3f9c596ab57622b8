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
    return table.replaceAll("(?m)\\b\\d+[smhdy](\\d+[smh])?\\b", "AGE");
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

    for (String command : List.of("get pods", "get rc", "get svc -o wide", "get all", "get rc web -o yaml", "get svc web -o json",
        "get rc -o name", "get pods -A --show-labels", "get nodes", "describe rc web", "describe svc web", "get pod nope")) {
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
    CliRunner.Result missing = jar("apply", "-f", dir.resolve("nope.yaml").toString());
    assertEquals(1, missing.code());
    assertEquals("error: the path \"" + dir.resolve("nope.yaml") + "\" does not exist\n", missing.err());
    assertEquals("replicationcontroller \"web\" deleted\nservice \"web\" deleted\n", jar("delete", "-f", f.toString()).out());
  }
}
