package io.coxswain.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original walkthrough end to end on real processes and real containers: a master and two minions on
 * 127.0.0.x, the examples applied with the jar's CLI, the service through each minion's proxy, container and
 * node failures, scaling, a rolling update under load, a master restart and a move to two new masters.
 * The steps run in order and share the cluster; each prints how long its condition took. The nodes run the
 * default proxy mode, as a user's would ({@code auto}: iptables when the tests run as root, as in CI).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalkthroughIT {
  static final String MASTER = "wt-master";
  static final String A = "wt-minion-a";
  static final String B = "wt-minion-b";
  static final String[] NODES = {MASTER, A, B, "wt-master-2", "wt-master-3"};
  static final Duration STEP = Duration.ofSeconds(90);
  static final Duration STARTUP = Duration.ofSeconds(150);
  /** Cluster IPs of this test's own (other clusters on the host serve the default range's IPs too). */
  static final String SERVICE_CIDR = "--service-cidr=127.103.0.0/16";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  static Path root;
  static NodeProcess master;
  static NodeProcess minionA;
  static NodeProcess minionB;
  static NodeProcess master2;
  static NodeProcess master3;
  static KubernetesClient k8s;
  static Cli cli;

  @BeforeAll
  static void startCluster() throws Exception {
    Docker.requireEngine();
    Docker.removeContainersOf(NODES);
    long t = System.nanoTime();
    master = NodeProcess.master(root, MASTER, "127.0.0.1", 6443, 2380, "--local-minion=false",
        "--node-monitor-grace=6s", "--pod-eviction-timeout=3s", "--heartbeat=2s", SERVICE_CIDR).withDefaultProxyMode()
        .start();
    master.awaitReady(STARTUP);
    minionA = NodeProcess.minion(root, A, "127.0.0.2", master.apiAddress(), "--heartbeat=2s").withDefaultProxyMode()
        .start();
    minionB = NodeProcess.minion(root, B, "127.0.0.3", master.apiAddress(), "--heartbeat=2s").withDefaultProxyMode()
        .start();
    k8s = client(master.server());
    cli = new Cli(master.server(), master.kubeconfig(), root.resolve("cli"));
    step("both minions Ready", t, () -> ready(A) && ready(B));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (k8s != null) {
      k8s.close();
    }
    for (NodeProcess p : new NodeProcess[] {minionA, minionB, master, master2, master3}) {
      if (p != null) {
        if (p.alive()) {
          System.out.println("--- " + p.logFile().getFileName() + "\n" + p.tail(15));
        }
        p.close();
      }
    }
    Docker.removeContainersOf(NODES);
  }

  static KubernetesClient client(String url) {
    Config config = new ConfigBuilder(io.coxswain.testing.Security.clientConfig(master.kubeconfig(), url))
        .withRequestRetryBackoffLimit(0).withRequestTimeout(5000).build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  static void step(String what, long startNanos, Callable<Boolean> condition) {
    Wait.until(what, STEP, condition);
    System.out.println("[walkthrough] " + what + ": " + Wait.since(startNanos));
  }

  static boolean ready(String node) {
    Node n = k8s.nodes().withName(node).get();
    return n != null && n.getStatus() != null && n.getStatus().getConditions() != null
        && n.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static boolean podReady(Pod p) {
    if (p.getMetadata().getDeletionTimestamp() != null || p.getStatus() == null
        || p.getStatus().getConditions() == null) {
      return false;
    }
    for (PodCondition c : p.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  static List<Pod> pods(String app) {
    return k8s.pods().inNamespace("default").withLabel("app", app).list().getItems();
  }

  /** The app's pods when exactly {@code n} exist and all are Ready, else null. */
  static List<Pod> readyPods(String app, int n) {
    List<Pod> pods = pods(app);
    return pods.size() == n && pods.stream().allMatch(WalkthroughIT::podReady) ? pods : null;
  }

  static Set<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
  }

  static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(url + " answered " + r.statusCode());
    }
    return r.body().trim();
  }

  static String clusterUrl(String service) {
    return "http://" + k8s.services().inNamespace("default").withName(service).get().getSpec().getClusterIP() + "/";
  }

  /** Asks until every pod name of the app has answered at {@code url}. */
  static void answersFromAll(String what, String url, Set<String> podNames) {
    Set<String> seen = new HashSet<>();
    step(what, System.nanoTime(), () -> {
      String body = get(url);
      assertTrue(body.startsWith("hello-"), url + " answered " + body);
      seen.add(body);
      return seen.containsAll(podNames);
    });
  }

  @Test
  @Order(1)
  void examplesRunSpreadOverBothMinions() throws Exception {
    long t = System.nanoTime();
    cli.ok("apply", "-f", Path.of("examples/rc-service.yaml").toAbsolutePath().toString());
    cli.ok("apply", "-f", Path.of("examples/pod-shared-volume.yaml").toAbsolutePath().toString());
    step("2 hello pods Ready", t, () -> readyPods("hello", 2) != null);
    Set<String> nodes = pods("hello").stream().map(p -> p.getSpec().getNodeName()).collect(Collectors.toSet());
    assertEquals(Set.of(A, B), nodes, "the scheduler spreads the RC's pods over both minions");
    step("shared-volume: the writer fetches its page from the server over localhost", t, () ->
        cli.run("logs", "shared-volume", "-c", "writer").out().contains("fetched from localhost: written by shared-volume"));
  }

  @Test
  @Order(2)
  void serviceAnswersThroughEitherMinionsProxy() {
    Set<String> all = names(pods("hello"));
    answersFromAll("service at its cluster IP reaches both pods", clusterUrl("hello"), all);
    answersFromAll("NodePort on minion a reaches both pods", "http://127.0.0.2:30080/", all);
    answersFromAll("NodePort on minion b reaches both pods", "http://127.0.0.3:30080/", all);
  }

  @Test
  @Order(3)
  void killedContainerIsRestarted() throws Exception {
    Pod pod = pods("hello").get(0);
    String name = pod.getMetadata().getName();
    String node = pod.getSpec().getNodeName();
    Docker.Container c = Docker.containersOf(node).stream()
        .filter(x -> x.pod().equals(name) && "httpd".equals(x.container()) && x.running()).findFirst().orElseThrow();
    long t = System.nanoTime();
    Docker.kill(c.id());
    step("killed container of " + name + " restarted", t, () -> {
      Pod p = k8s.pods().inNamespace("default").withName(name).get();
      return p.getStatus().getContainerStatuses().get(0).getRestartCount() >= 1 && podReady(p);
    });
  }

  @Test
  @Order(4)
  void deadMinionsPodsMoveAndItRejoinsClean() throws Exception {
    Set<String> onB = pods("hello").stream().filter(p -> B.equals(p.getSpec().getNodeName()))
        .map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    assertTrue(!onB.isEmpty(), "minion b runs a hello pod");
    long t = System.nanoTime();
    minionB.kill();
    step("pods of the killed minion replaced on the other", t, () -> {
      List<Pod> pods = readyPods("hello", 2);
      return pods != null && pods.stream().allMatch(p -> A.equals(p.getSpec().getNodeName()))
          && names(pods).stream().noneMatch(onB::contains);
    });
    t = System.nanoTime();
    minionB.start();
    step("minion b rejoins (Ready)", t, () -> ready(B));
    step("minion b's stale containers removed", t, () -> Docker.containersOf(B).stream()
        .noneMatch(c -> onB.contains(c.pod())));
  }

  @Test
  @Order(5)
  void scaleUpAndDown() throws Exception {
    long t = System.nanoTime();
    cli.ok("scale", "rc", "hello", "--replicas=5");
    step("5 hello pods Ready", t, () -> readyPods("hello", 5) != null);
    Set<String> nodes = pods("hello").stream().map(p -> p.getSpec().getNodeName()).collect(Collectors.toSet());
    assertEquals(Set.of(A, B), nodes, "new pods go to both minions once b is back");
    t = System.nanoTime();
    cli.ok("scale", "rc", "hello", "--replicas=2");
    step("back to 2 hello pods", t, () -> readyPods("hello", 2) != null);
  }

  @Test
  @Order(6)
  void rollingUpdateUnderLoad() throws Exception {
    String url = "http://127.0.0.2:30080/";
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    AtomicReference<String> failure = new AtomicReference<>();
    Thread loop = new Thread(() -> {
      while (!stop.get()) {
        try {
          get(url);
          ok.incrementAndGet();
        } catch (Exception e) {
          failure.compareAndSet(null, e.toString());
        }
      }
    }, "request-loop");
    loop.start();
    long t = System.nanoTime();
    try {
      cli.run(Duration.ofSeconds(150), "rolling-update", "hello", "--image=coxswain/busybox:2", "--update-period=1s",
          "--poll-interval=250ms", "--timeout=60s").ok("rolling-update");
    } finally {
      stop.set(true);
      loop.join();
    }
    System.out.println("[walkthrough] rolling update: " + Wait.since(t) + ", " + ok.get() + " requests");
    assertEquals(null, failure.get(), "no request failed during the rolling update");
    assertTrue(ok.get() > 0);
    List<Pod> pods = Wait.forValue("2 hello pods Ready", STEP, () -> readyPods("hello", 2));
    for (Pod p : pods) {
      assertEquals("coxswain/busybox:2", p.getSpec().getContainers().get(0).getImage());
    }
  }

  static Map<String, String> containerIds() throws IOException {
    Map<String, String> ids = new HashMap<>();
    for (String node : List.of(A, B)) {
      for (Docker.Container c : Docker.containersOf(node)) {
        if (c.running()) {
          ids.put(c.pod() + "/" + c.container(), c.id());
        }
      }
    }
    return ids;
  }

  @Test
  @Order(7)
  void masterRestartLeavesPodsRunning() throws Exception {
    Map<String, String> before = containerIds();
    long t = System.nanoTime();
    master.stop();
    master.start().awaitReady(STARTUP);
    System.out.println("[walkthrough] master restarted: " + Wait.since(t));
    step("CLI works again", t, () -> cli.run("get", "pods").out().contains("hello-"));
    step("both minions Ready after the master restart", t, () -> ready(A) && ready(B));
    // a master that was down longer than the node grace marks the nodes (and their pods) not ready until the
    // next heartbeat: wait for that, then check that the containers are the same ones
    step("hello pods Ready after the master restart", t, () -> readyPods("hello", 2) != null);
    assertEquals(before, containerIds(), "running containers untouched by the master restart");
  }

  @Test
  @Order(8)
  void clusterCarriesOnOnTheNewMasters() throws Exception {
    long t = System.nanoTime();
    master2 = NodeProcess.master(root, "wt-master-2", "127.0.0.4", 6443, 2380, "--local-minion=false",
        "--join=" + master.apiAddress(), "--node-monitor-grace=6s", "--pod-eviction-timeout=3s", SERVICE_CIDR)
        .withDefaultProxyMode().start();
    master2.awaitReady(STARTUP);
    master3 = NodeProcess.master(root, "wt-master-3", "127.0.0.5", 6443, 2380, "--local-minion=false",
        "--join=" + master.apiAddress(), "--node-monitor-grace=6s", "--pod-eviction-timeout=3s", SERVICE_CIDR)
        .withDefaultProxyMode().start();
    master3.awaitReady(STARTUP);
    step("three masters", t, () -> cli.run("members").out().lines().filter(l -> l.contains("127.0.0.")).count() == 3);
    step("both minions know the new masters", t, () -> {
      for (NodeProcess m : List.of(minionA, minionB)) {
        List<String> lines = Files.readAllLines(m.logFile());
        boolean knows = lines.stream().anyMatch(l -> l.contains("masters now") && l.contains("127.0.0.4:6443")
            && l.contains("127.0.0.5:6443"));
        if (!knows) {
          return false;
        }
      }
      return true;
    });
    Map<String, String> before = containerIds();
    t = System.nanoTime();
    master.kill();
    k8s.close();
    k8s = client(master2.server());
    cli = cli.withServer(master3.server());
    step("API answers on a new master", t, () -> cli.run("get", "rc").out().contains("hello"));
    // right after the leader's death a follower may answer 503 until it hears from the new leader: retry
    Set<String> all = io.coxswain.testing.Wait.forValue("pods listed through " + master2.server(), STARTUP,
        () -> names(pods("hello")));
    answersFromAll("service still answers", "http://127.0.0.3:30080/", all);
    // a write right after the leader's death may answer 503 while the survivors elect one: scale is
    // idempotent, so ask again until one is accepted
    step("scale to 3 accepted through the new masters", t,
        () -> cli.run("scale", "rc", "hello", "--replicas=3").code() == 0);
    step("scaled to 3 through the new masters", t, () -> readyPods("hello", 3) != null);
    step("minions still heartbeat (Ready) through the new masters", t, () -> {
      Node a = k8s.nodes().withName(A).get();
      Node b = k8s.nodes().withName(B).get();
      return ready(A) && ready(B) && a != null && b != null;
    });
    Map<String, String> after = containerIds();
    for (Map.Entry<String, String> e : before.entrySet()) {
      assertEquals(e.getValue(), after.get(e.getKey()), "container " + e.getKey() + " untouched");
    }
  }
}
