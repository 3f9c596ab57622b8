package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The minion's pod life cycle on Podman's Docker-compatible service: a master without a local minion on
 * 127.0.8.1 and a minion on 127.0.8.2 whose runtime endpoint is Podman's socket, both real processes of
 * node.jar, driven through the API with kubectl. Skips without Podman, except under {@code CI=true}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodmanIT {
  static final String PODMAN_SOCKET = "unix:///run/podman/podman.sock";
  static final String MASTER = "podman-it-master";
  static final String MINION = "podman-it-minion";
  static final String MASTER_IP = "127.0.8.1";
  static final String MINION_IP = "127.0.8.2";

  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  static Path dir;

  static DockerRuntime podman;
  static NodeProcess master;
  static NodeProcess minion;

  @BeforeAll
  static void startCluster() throws Exception {
    podman = connectOrSkip();
    removeLeftovers();
    // the minion's restart below (a JVM start, slow on a loaded machine) must not count as its death: by
    // default its pods would be evicted 15 s after its last heartbeat
    master = NodeProcess.master(dir, MASTER, MASTER_IP, 6443, 2380, "--local-minion=false",
        "--node-monitor-grace=3m", "--pod-eviction-timeout=3m").start();
    master.awaitReady(Duration.ofSeconds(60));
    minion = NodeProcess.minion(dir, MINION, MINION_IP, master.apiAddress(),
        "--container-runtime-endpoint=" + PODMAN_SOCKET, "--pod-infra-image=coxswain/pause:1").start();
    Wait.until("node " + MINION + " Ready", Duration.ofSeconds(60), () -> {
      assertAlive(minion);
      Result r = kubectl("get", "node", MINION, "-o", "json");
      return r.code() == 0 && ready(JSON.readTree(r.out()));
    });
  }

  /** Podman at its rootful socket with the test images, or a skip (a failure under CI=true). */
  static DockerRuntime connectOrSkip() {
    String why;
    if (!Files.exists(Path.of("/run/podman/podman.sock"))) {
      why = "no socket at /run/podman/podman.sock";
    } else {
      DockerRuntime runtime = new DockerRuntime(new DockerRuntime.Config(PODMAN_SOCKET, null, null));
      if (runtime.ping()) {
        assertEquals("podman", runtime.version().name(), "the engine at " + PODMAN_SOCKET + " is not Podman");
        for (String image : List.of(DockerEngine.BUSYBOX_1, DockerRuntime.LOCAL_PAUSE_IMAGE)) {
          if (!runtime.imagePresent(image)) {
            runtime.close();
            fail("test image " + image + " is missing in Podman: run packaging/build-test-image.sh --load-into podman");
          }
        }
        return runtime;
      }
      runtime.close();
      why = "Podman at " + PODMAN_SOCKET + " does not answer";
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("CI=true and no Podman: " + why + " (.ci/run starts podman system service)");
    }
    Assumptions.abort("no Podman (" + why + "); run .ci/run");
    throw new AssertionError("unreachable");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      if (minion != null) {
        minion.stop();
      }
      if (master != null) {
        master.stop();
      }
    } finally {
      if (podman != null) {
        removeLeftovers();
        podman.close();
      }
    }
  }

  static void removeLeftovers() {
    // Podman refuses to remove an infra container while containers share its network: those go first
    List<ObservedContainer> left = new ArrayList<>(podman.listContainers(MINION));
    left.sort(java.util.Comparator.comparing(c -> c.role() == ContainerLabels.Role.INFRA));
    for (ObservedContainer c : left) {
      podman.remove(c.id());
    }
  }

  // ------------------------------------------------------------------ tests

  @Test
  @Order(1)
  void podOfTwoContainersSharesLocalhostAndIsServedOnItsPublishedPort() throws Exception {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          terminationGracePeriodSeconds: 2
          containers:
          - name: web
            image: coxswain/busybox:1
            command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
            ports:
            - containerPort: 8080
          - name: side
            image: coxswain/busybox:1
            command: ["sh", "-c", "until wget -q -O - http://127.0.0.1:8080/; do sleep 1; done; exec sleep 3600"]
        """);
    JsonNode pod = awaitRunning("web", 2);
    int port = Wait.forValue("web's published port", Duration.ofSeconds(30), () -> {
      JsonNode annotations = pod("web").path("metadata").path("annotations");
      String published = annotations.path("coxswain.io/published-ports").asText("");
      if (published.isEmpty()) {
        return null;
      }
      JsonNode ports = JSON.readTree(published);
      return ports.has("web/8080/TCP") ? ports.get("web/8080/TCP").asInt() : null;
    });
    assertTrue(port > 0, "published port " + port);
    String body = Wait.forValue("HTTP answer on " + MINION_IP + ":" + port, Duration.ofSeconds(30), () -> {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + MINION_IP + ":" + port + "/"))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    });
    assertEquals("coxswain busybox 1\n", body);
    // the side container reached web's server on 127.0.0.1: they share the pod's network namespace
    Wait.until("side's log shows web's page", Duration.ofSeconds(30),
        () -> kubectl("logs", "web", "-c", "side").out().contains("coxswain busybox 1"));
    assertEquals(2, containerIds(pod).size(), "container ids in " + pod);
  }

  @Test
  @Order(2)
  void logsAndExecThroughTheApi() throws Exception {
    Result version = kubectl("exec", "web", "-c", "web", "--", "cat", "/etc/coxswain-version");
    assertEquals(0, version.code(), version.err());
    assertEquals("1", version.out().strip());
    Result exit = kubectl("exec", "web", "-c", "side", "--", "sh", "-c", "echo to-err >&2; exit 3");
    assertEquals(3, exit.code(), "exit code of the exec: " + exit.err());
    assertTrue(exit.err().contains("to-err"), exit.err());
    Result logs = kubectl("logs", "web", "-c", "side");
    assertEquals(0, logs.code(), logs.err());
    assertTrue(logs.out().contains("coxswain busybox 1"), logs.out());
  }

  @Test
  @Order(3)
  void failingContainerIsRestartedWithAGrowingRestartCount() throws Exception {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: crasher
        spec:
          restartPolicy: Always
          terminationGracePeriodSeconds: 2
          containers:
          - name: crash
            image: coxswain/busybox:1
            command: ["sh", "-c", "echo crashing; exit 1"]
        """);
    List<Integer> seen = new ArrayList<>();
    Wait.until("crasher restarted twice", Duration.ofSeconds(90), () -> {
      JsonNode status = pod("crasher").path("status").path("containerStatuses").path(0);
      int count = status.path("restartCount").asInt(0);
      if (seen.isEmpty() || seen.get(seen.size() - 1) != count) {
        seen.add(count);
      }
      return count >= 2;
    });
    for (int i = 1; i < seen.size(); i++) {
      assertTrue(seen.get(i) > seen.get(i - 1), "restartCount only grows: " + seen);
    }
    JsonNode last = pod("crasher").path("status").path("containerStatuses").path(0);
    JsonNode terminated = last.path("lastState").path("terminated");
    assertEquals(1, terminated.path("exitCode").asInt(-1), "last termination in " + last);
    Result logs = kubectl("logs", "crasher");
    assertTrue(logs.out().contains("crashing"), logs.out() + logs.err());
  }

  @Test
  @Order(4)
  void restartedMinionAdoptsItsContainers() throws Exception {
    Map<String, String> before = containerIds(pod("web"));
    assertEquals(2, before.size(), "container ids " + before);
    minion.kill();
    minion.start();
    // exec goes through the restarted kubelet's server: it is up and has listed its containers again
    Wait.until("exec through the restarted minion", Duration.ofSeconds(60), () -> {
      assertAlive(minion);
      Result exec = kubectl("exec", "web", "-c", "web", "--", "cat", "/etc/coxswain-version");
      return exec.code() == 0 && exec.out().strip().equals("1");
    });
    JsonNode pod = pod("web");
    assertEquals(before, containerIds(pod), "the same containers after the minion's restart");
    for (JsonNode status : pod.path("status").path("containerStatuses")) {
      assertEquals(0, status.path("restartCount").asInt(-1), "no restart of " + status);
    }
    // still the same engine containers, all running
    Map<String, String> running = new TreeMap<>();
    for (ObservedContainer c : podman.listContainers(MINION)) {
      if (c.pod().name().equals("web") && c.role() != ContainerLabels.Role.INFRA) {
        assertEquals(ObservedContainer.State.RUNNING, c.state(), c.toString());
        running.put(c.containerName(), "docker://" + c.id());
      }
    }
    assertEquals(before, running);
  }

  @Test
  @Order(5)
  void deletedPodsLeaveNoContainers() throws Exception {
    Result deleted = kubectl("delete", "pod", "web", "crasher", "--wait=false");
    assertEquals(0, deleted.code(), deleted.err());
    Wait.until("no containers of node " + MINION + " left in Podman", Duration.ofSeconds(90),
        () -> podman.listContainers(MINION).isEmpty());
    Wait.until("pods gone from the API", Duration.ofSeconds(60),
        () -> JSON.readTree(kubectl("get", "pods", "-o", "json").out()).path("items").isEmpty());
  }

  // ------------------------------------------------------------------ support

  static JsonNode awaitRunning(String name, int containers) {
    return Wait.forValue("pod " + name + " Running with " + containers + " ready containers", Duration.ofSeconds(90),
        () -> {
          assertAlive(minion);
          JsonNode pod = pod(name);
          JsonNode statuses = pod.path("status").path("containerStatuses");
          if (!"Running".equals(pod.path("status").path("phase").asText()) || statuses.size() != containers) {
            return null;
          }
          for (JsonNode s : statuses) {
            if (!s.path("state").has("running")) {
              return null;
            }
          }
          return pod;
        });
  }

  /** Container name → containerID of a pod's status. */
  static Map<String, String> containerIds(JsonNode pod) {
    Map<String, String> ids = new TreeMap<>();
    for (JsonNode s : pod.path("status").path("containerStatuses")) {
      String id = s.path("containerID").asText("");
      if (!id.isEmpty()) {
        ids.put(s.path("name").asText(), id);
      }
    }
    return ids;
  }

  static boolean ready(JsonNode node) {
    for (Iterator<JsonNode> it = node.path("status").path("conditions").elements(); it.hasNext(); ) {
      JsonNode c = it.next();
      if ("Ready".equals(c.path("type").asText())) {
        return "True".equals(c.path("status").asText());
      }
    }
    return false;
  }

  static JsonNode pod(String name) throws Exception {
    Result r = kubectl("get", "pod", name, "-o", "json");
    if (r.code() != 0) {
      throw new IllegalStateException("kubectl get pod " + name + ": " + r.err());
    }
    return JSON.readTree(r.out());
  }

  static void apply(String yaml) throws Exception {
    Result r = kubectlWithInput(yaml, "apply", "-f", "-");
    assertEquals(0, r.code(), "kubectl apply failed: " + r.err());
  }

  static void assertAlive(NodeProcess node) {
    if (!node.alive()) {
      throw new AssertionError("node exited:\n" + node.tail(60));
    }
  }

  record Result(int code, String out, String err) {}

  static Result kubectl(String... args) throws IOException, InterruptedException {
    return kubectlWithInput(null, args);
  }

  static Result kubectlWithInput(String stdin, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig=" + master.kubeconfig(),
        "--cache-dir=" + dir.resolve("kube-cache"), "--request-timeout=30s"));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "kubectl", ".out");
    Path err = Files.createTempFile(dir, "kubectl", ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 60 s");
    }
    Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
    return r;
  }
}
