package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden test: for the same objects from the same server, our output (stdout, stderr, exit code) is what
 * /usr/bin/kubectl (1.32) prints. The server is the in-memory test API (its Tables are what the real API
 * server's table renderer produces for these columns); both clients render them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlGoldenIT {
  static final Path KUBECTL = Path.of("/usr/bin/kubectl");
  FakeApiServer api;
  Path cache;

  @BeforeAll
  void start() throws Exception {
    assumeTrue(Files.isExecutable(KUBECTL), "kubectl is not installed");
    Instant now = Instant.now();
    api = new FakeApiServer(now);
    cache = Files.createTempDirectory("kubectl-cache");
    api.put("default", "pods", """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","labels":{"app":"web","tier":"fe"},"creationTimestamp":"%s"},
         "spec":{"nodeName":"node-a","containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"}]}]},
         "status":{"phase":"Running","podIP":"127.0.0.1","containerStatuses":[{"name":"web","ready":true,"restartCount":3}]}}"""
        .formatted(now.minus(Duration.ofMinutes(7)).toString().replaceAll("\\.\\d+Z$", "Z")));
    api.put("default", "pods", """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"a-much-longer-pod-name","labels":{"app":"db"},"creationTimestamp":"%s"},
         "spec":{"containers":[{"name":"pg","image":"postgres"},{"name":"side","image":"busybox"}]},
         "status":{"phase":"Pending"}}""".formatted(now.minus(Duration.ofHours(30)).toString().replaceAll("\\.\\d+Z$", "Z")));
    api.put("kube-system", "pods", """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"dns","creationTimestamp":"%s"},
         "spec":{"containers":[{"name":"c","image":"i"}]},"status":{"phase":"Running"}}"""
        .formatted(now.minus(Duration.ofDays(3)).toString().replaceAll("\\.\\d+Z$", "Z")));
    api.put("default", "replicationcontrollers", """
        {"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"web","creationTimestamp":"%s"},
         "spec":{"replicas":1,"selector":{"app":"web"}}}""".formatted(now.minus(Duration.ofMinutes(9)).toString().replaceAll("\\.\\d+Z$", "Z")));
    api.put("default", "services", """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","creationTimestamp":"%s"},
         "spec":{"selector":{"app":"web"},"ports":[{"port":80,"targetPort":80,"protocol":"TCP"}]}}"""
        .formatted(now.minus(Duration.ofMinutes(9)).toString().replaceAll("\\.\\d+Z$", "Z")));
    String nineMinutes = now.minus(Duration.ofMinutes(9)).toString().replaceAll("\\.\\d+Z$", "Z");
    api.put("default", "endpoints", """
        {"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web","creationTimestamp":"%s"},
         "subsets":[{"addresses":[{"ip":"127.0.0.1"}],"notReadyAddresses":[{"ip":"127.0.0.2"}],"ports":[{"port":80,"protocol":"TCP"}]}]}"""
        .formatted(nineMinutes));
    api.put(null, "namespaces", """
        {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default","labels":{"kubernetes.io/metadata.name":"default"},"creationTimestamp":"%s"},
         "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}""".formatted(nineMinutes));
    api.put(null, "namespaces", """
        {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kube-system","creationTimestamp":"%s"},
         "status":{"phase":"Active"}}""".formatted(nineMinutes));
    api.put("default", "events", """
        {"apiVersion":"v1","kind":"Event","metadata":{"name":"web-1.1","creationTimestamp":"%s"},
         "involvedObject":{"kind":"Pod","namespace":"default","name":"web-1","apiVersion":"v1"},
         "reason":"Scheduled","message":"Successfully assigned default/web-1 to node-a","source":{"component":"default-scheduler"},
         "firstTimestamp":"%s","lastTimestamp":"%s","count":1,"type":"Normal"}"""
        .formatted(nineMinutes, nineMinutes, nineMinutes));
  }

  @AfterAll
  void stop() {
    if (api != null) {
      api.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "get pods", "get po -o wide", "get pods -A", "get pods --show-labels", "get pods -A -o wide --show-labels",
      "get pod web-1", "get pods/web-1", "get pods -l app=web", "get pods -L app", "get pods --no-headers",
      "get nodes", "get pods -n empty", "get all", "get rc,svc", "get pods -o name", "get all -o name",
      "get pods -o jsonpath={.items[*].metadata.name}",
      "get pods -o jsonpath={range.items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}",
      "get pod web-1 -o jsonpath={.spec.containers[0]}",
      "get pod web-1 -o json", "get pods -o json", "get pod web-1 -o yaml", "get svc -o yaml",
      "get pod nope", "get pods nope web-1", "get deployments",
      "get ep", "get endpoints web -o wide", "get ns", "get ns --show-labels", "get ev", "get events -A", "get ev -o name",
      "describe ev web-1.1", "describe ns kube-system", "describe ep web", "get ep,ns -o name"})
  void sameAsKubectl(String command) throws Exception {
    List<String> args = split(command);
    CliRunner.Result ours = CliRunner.run(api.url(), args.toArray(String[]::new));
    CliRunner.Result theirs = kubectl(args);
    assertEquals(theirs.out(), ours.out(), "stdout of: " + command);
    assertEquals(firstLine(theirs.err()), firstLine(ours.err()), "stderr of: " + command);
    assertEquals(theirs.code() == 0, ours.code() == 0, "exit code of: " + command + " kubectl " + theirs.code() + " ours " + ours.code());
  }

  private static String firstLine(String s) {
    return s.lines().findFirst().orElse("");
  }

  private static List<String> split(String command) {
    List<String> out = new ArrayList<>();
    for (String s : command.split(" ")) {
      out.add(s);
    }
    return out;
  }

  private CliRunner.Result kubectl(List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(KUBECTL.toString());
    cmd.addAll(args);
    cmd.add("--server=" + api.url());
    cmd.add("--cache-dir=" + cache);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("KUBECONFIG", "/dev/null");
    Path out = Files.createTempFile("kubectl", ".out");
    Path err = Files.createTempFile("kubectl", ".err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("kubectl did not finish: " + cmd);
    }
    return new CliRunner.Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }
}
