package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.e2e.Cli;
import io.coxswain.e2e.Docker;
import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The CLI's commands that need real containers, against a master with its local minion on Docker:
 * {@code top nodes|pods} show non-zero figures for a pod that burns cpu and holds memory (from the kubelet's
 * stats summary through the API's metrics.k8s.io, which kubectl top reads too); {@code describe node|pod}
 * print what kubectl 1.32 prints for the same objects; {@code logs --tail/--since/--previous};
 * {@code delete --wait} returns once the pod is gone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliContainersIT {
  static final String NODE = "cli-top";
  static final Duration DEADLINE = Duration.ofSeconds(120);
  NodeProcess master;
  Cli cli;

  @BeforeAll
  void start() throws Exception {
    Docker.requireEngine();
    Docker.removeContainersOf(NODE);
    Path root = Files.createTempDirectory("top-it");
    master = NodeProcess.master(root, NODE, "127.0.11.2", 6443, 2380, "--service-cidr=127.0.11.192/27").start();
    master.awaitReady(Duration.ofSeconds(90));
    cli = new Cli(master.server(), master.kubeconfig(), root.resolve("cli"));
    Wait.until("node " + NODE + " Ready", DEADLINE, () -> cli.run("get", "nodes", NODE, "-o",
        "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").out().equals("True"));
  }

  @AfterAll
  void stop() throws Exception {
    if (master != null) {
      master.stop();
    }
    Docker.removeContainersOf(NODE);
  }

  /** The row of {@code name} in a top table, split on blanks. */
  private static Optional<String[]> row(String table, String name) {
    return table.lines().map(l -> l.trim().split("\\s+")).filter(f -> f[0].equals(name)).findFirst();
  }

  private static long millicores(String s) {
    return Long.parseLong(s.substring(0, s.length() - 1));
  }

  private static long mebibytes(String s) {
    return Long.parseLong(s.substring(0, s.length() - 2));
  }

  @Test
  void topShowsWhatARealContainerUses() throws Exception {
    // ~20 MB held in a shell variable, and a busy loop
    cli.run("run", "burn", "--image=coxswain/busybox:1", "--",
        "sh", "-c", "x=$(head -c 20000000 /dev/zero | tr '\\0' a); while true; do :; done").ok("run burn");
    Wait.until("pod burn Running", DEADLINE,
        () -> cli.run("get", "pod", "burn", "-o", "jsonpath={.status.phase}").out().equals("Running"));

    String[] pod = Wait.forValue("top pods shows burn using cpu and memory", DEADLINE, () -> {
      Cli.Result r = cli.run("top", "pods");
      Optional<String[]> f = row(r.out(), "burn");
      return r.code() == 0 && f.isPresent() && millicores(f.get()[1]) > 0 && mebibytes(f.get()[2]) >= 10 ? f.get() : null;
    });
    assertTrue(cli.run("top", "pods").out().startsWith("NAME"), "a header");
    assertEquals(3, pod.length);

    String[] node = Wait.forValue("top nodes shows the node's use", DEADLINE, () -> {
      Cli.Result r = cli.run("top", "nodes");
      Optional<String[]> f = row(r.out(), NODE);
      return r.code() == 0 && f.isPresent() && millicores(f.get()[1]) > 0 && mebibytes(f.get()[3]) > 0 ? f.get() : null;
    });
    assertTrue(node[2].endsWith("%") && node[4].endsWith("%"), String.join(" ", node));

    Cli.Result one = cli.run("top", "pod", "burn");
    assertEquals(0, one.code(), one.out());
    assertTrue(row(one.out(), "burn").isPresent(), one.out());
    Cli.Result labelled = cli.run("top", "pods", "-l", "run=burn");
    assertTrue(row(labelled.out(), "burn").isPresent(), labelled.out());
    Cli.Result none = cli.run("top", "pods", "-l", "run=nothing");
    assertTrue(row(none.out(), "burn").isEmpty(), none.out());
    Cli.Result missing = cli.run("top", "pod", "nope");
    assertEquals(1, missing.code(), missing.out());
    assertEquals(1, missing.out().lines().count(), missing.out());

    if (Files.isExecutable(Path.of("/usr/bin/kubectl"))) {
      ProcessBuilder pb = new ProcessBuilder("/usr/bin/kubectl", "top", "pods", "--server=" + master.server())
          .redirectErrorStream(true);
      pb.environment().put("KUBECONFIG", master.kubeconfig().toString());
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes());
      assertEquals(0, p.waitFor(), out);
      assertTrue(row(out, "burn").isPresent(), out);
    }

    // the same objects as kubectl describes them, times and ages aside (the node's heartbeat moves between
    // the two runs); kubectl's Lease line is its view of coordination.k8s.io, which this API does not serve
    if (Files.isExecutable(Path.of("/usr/bin/kubectl"))) {
      for (String command : new String[] {"describe node " + NODE, "describe pod burn", "get pod burn -o wide", "get nodes -o wide"}) {
        String[] args = command.split(" ");
        assertEquals(normalized(kubectl(args)), normalized(cli.run(args).out()), command);
      }
    }

    // delete --wait (the default) returns once the kubelet has stopped the container and the pod is gone
    cli.run("delete", "pod", "burn", "--grace-period=1").ok("delete burn");
    Cli.Result gone = cli.run("get", "pod", "burn");
    assertEquals(1, gone.code(), gone.out());
    assertEquals("Error from server (NotFound): pods \"burn\" not found\n", gone.out());
  }

  @Test
  void logsTailSinceAndPrevious() throws Exception {
    cli.run("run", "logger", "--image=coxswain/busybox:1", "--",
        "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done; sleep 2; exit 1").ok("run logger");
    Wait.until("logger has printed its lines", DEADLINE, () -> cli.run("logs", "logger").out().contains("line5"));
    assertEquals("line4\nline5\n", cli.run("logs", "logger", "--tail=2").out());
    assertEquals("line1\nline2\nline3\nline4\nline5\n", cli.run("logs", "logger", "--since=1h").out());
    Wait.until("logger restarted", DEADLINE, () -> !cli.run("get", "pod", "logger", "-o",
        "jsonpath={.status.containerStatuses[0].restartCount}").out().matches("0?"));
    Cli.Result previous = Wait.forValue("the previous instance's log", DEADLINE, () -> {
      Cli.Result r = cli.run("logs", "logger", "--previous");
      return r.code() == 0 && r.out().contains("line5") ? r : null;
    });
    assertTrue(previous.out().startsWith("line1\n"), previous.out());
    Cli.Result missing = cli.run("logs", "nope");
    assertEquals(1, missing.code());
    assertEquals("Error from server (NotFound): pods \"nope\" not found\n", missing.out());
    Cli.Result badSince = cli.run("logs", "logger", "--since=yesterday");
    assertEquals(1, badSince.code());
    assertEquals(1, badSince.out().lines().count(), badSince.out());
    cli.run("delete", "pod", "logger", "--grace-period=0").ok("delete logger");
  }

  private static String normalized(String text) {
    return text.replaceAll("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4}", "TIME")
        .replaceAll("(?m)\\b\\d+[smhdy](\\d+[smh])?\\b", "AGE")
        .replaceAll("(?m)^Lease:.*\n", "");
  }

  private String kubectl(String... args) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("/usr/bin/kubectl"));
    cmd.addAll(java.util.List.of(args));
    cmd.add("--server=" + master.server());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("KUBECONFIG", master.kubeconfig().toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }
}
