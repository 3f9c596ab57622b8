package io.coxswain.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
import org.junit.jupiter.api.Timeout;

/**
 * The CLI's rolling-update with real containers: a replication controller of two httpd pods answering with
 * the version baked into their image (coxswain/busybox:1 says 1, :2 says 2) behind a NodePort service on a
 * master with its own minion (127.0.19.1). A request loop through the service runs throughout: the update to
 * :2 loses no request and ends on the new text; an update to an image that does not exist times out (its
 * first new pod never gets Ready) and `--rollback` takes the controller back, still without a failed request.
 */
@Timeout(420)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RollingUpdateIT {
  static final String ADDRESS = "127.0.19.1";
  static final String NODE = "ruit-m";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static Path root;
  static NodeProcess master;
  static KubernetesClient k8s;
  static Cli cli;
  static String url;

  @BeforeAll
  static void start() throws Exception {
    io.coxswain.kubelet.PodClusterSupport.requireDocker();
    io.coxswain.kubelet.PodClusterSupport.removeContainers(NODE);
    root = Files.createTempDirectory("rolling-update-it");
    master = NodeProcess.master(root, NODE, ADDRESS, 6443, 2380, "--service-cidr=127.119.0.0/16",
        "--pod-infra-image=coxswain/pause:1").start().awaitReady(Duration.ofSeconds(60));
    k8s = new KubernetesClientBuilder().withConfig(master.clientConfig()).build();
    cli = new Cli(master.server(), master.kubeconfig(), root.resolve("cli"));
    k8s.replicationControllers().inNamespace("default").resource(new ReplicationControllerBuilder()
        .withNewMetadata().withName("ver").endMetadata()
        .withNewSpec().withReplicas(2).withSelector(Map.of("app", "ver")).withNewTemplate()
        .withNewMetadata().withLabels(Map.of("app", "ver")).endMetadata().withNewSpec()
        .withTerminationGracePeriodSeconds(10L)
        .withContainers(new ContainerBuilder().withName("web").withImage("coxswain/busybox:1")
            // serves its image's version; on SIGTERM it keeps serving 2 s, as a server drains while its
            // endpoint removal reaches the proxies
            .withCommand("sh", "-c", "mkdir -p /srv && echo \"version $(cat /etc/coxswain-version)\" > /srv/index.html"
                + " && httpd -f -p 8080 -h /srv & trap \"sleep 2; kill $!; exit 0\" TERM; wait")
            .addNewPort().withContainerPort(8080).endPort()
            .withNewReadinessProbe().withNewHttpGet().withPath("/").withPort(new IntOrString(8080)).endHttpGet()
            .withPeriodSeconds(1).endReadinessProbe().build())
        .endSpec().endTemplate().endSpec().build()).create();
    var svc = k8s.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("ver")
        .endMetadata().withNewSpec().withType("NodePort").withSelector(Map.of("app", "ver"))
        .addNewPort().withPort(80).withTargetPort(new IntOrString(8080)).endPort().endSpec().build()).create();
    url = "http://" + ADDRESS + ":" + svc.getSpec().getPorts().get(0).getNodePort() + "/";
    Wait.until("two ver pods answer version 1", Duration.ofSeconds(90), () -> answers(20).equals(Set.of("version 1")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (k8s != null) {
      k8s.close();
    }
    if (master != null) {
      master.close();
    }
    io.coxswain.kubelet.PodClusterSupport.removeContainers(NODE);
  }

  static String get() throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(url + " answered " + r.statusCode());
    }
    return r.body().trim();
  }

  /** The distinct answers of {@code n} requests (empty when one fails). */
  static Set<String> answers(int n) {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    try {
      for (int i = 0; i < n; i++) {
        seen.add(get());
      }
      return seen;
    } catch (Exception e) {
      return Set.of();
    }
  }

  /** Runs {@code action} while a request loop goes through the service; returns the first failure, if any. */
  static String underLoad(Set<String> seen, ThrowingRunnable action) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    AtomicReference<String> failure = new AtomicReference<>();
    Thread loop = new Thread(() -> {
      while (!stop.get()) {
        try {
          seen.add(get());
          ok.incrementAndGet();
        } catch (Exception e) {
          failure.compareAndSet(null, e.toString());
        }
      }
    }, "request-loop");
    loop.start();
    try {
      action.run();
    } finally {
      stop.set(true);
      loop.join();
    }
    assertTrue(ok.get() > 0, "the loop made requests");
    System.out.println("[rolling-update] " + ok.get() + " requests, answers " + seen);
    return failure.get();
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  static List<Pod> verPods() {
    return k8s.pods().inNamespace("default").list().getItems().stream()
        .filter(p -> p.getMetadata().getName().startsWith("ver-") && p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  @Test
  @Order(1)
  void updateToTheNewTagLosesNoRequestAndEndsOnTheNewText() throws Exception {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    long t = System.nanoTime();
    String failure = underLoad(seen, () -> cli.run(Duration.ofSeconds(180), "rolling-update", "ver",
        "--image=coxswain/busybox:2", "--update-period=1s", "--poll-interval=250ms", "--timeout=60s")
        .ok("rolling-update to :2"));
    System.out.println("[rolling-update] to :2 in " + Wait.since(t));
    assertNull(failure, "no request failed during the update");
    assertEquals(Set.of("version 1", "version 2"), seen, "both versions answered during the update");
    assertEquals(Set.of("version 2"), answers(20), "only the new text after it");
    assertEquals(Set.of("coxswain/busybox:2"), verPods().stream()
        .map(p -> p.getSpec().getContainers().get(0).getImage()).collect(Collectors.toSet()));
  }

  @Test
  @Order(2)
  void anUpdateWhoseNewPodsNeverGetReadyIsRolledBack() throws Exception {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    AtomicReference<Cli.Result> stuck = new AtomicReference<>();
    String failure = underLoad(seen, () -> stuck.set(cli.run(Duration.ofSeconds(120), "rolling-update", "ver",
        "--image=coxswain/busybox:404", "--update-period=1s", "--poll-interval=250ms", "--timeout=15s")));
    assertEquals(1, stuck.get().code(), stuck.get().out());
    assertTrue(stuck.get().out().contains("--rollback"), "the error says how to go back: " + stuck.get().out());
    assertNull(failure, "no request failed while the update was stuck");

    Set<String> during = ConcurrentHashMap.newKeySet();
    String rollbackFailure = underLoad(during, () -> cli.run(Duration.ofSeconds(120), "rolling-update", "ver",
        "--rollback", "--update-period=1s", "--poll-interval=250ms", "--timeout=60s").ok("rollback"));
    assertNull(rollbackFailure, "no request failed during the rollback");
    assertEquals(Set.of("version 2"), during);
    Wait.until("only ver's own pods are left, two of them on :2", Duration.ofSeconds(60), () -> {
      List<Pod> pods = verPods();
      return pods.size() == 2 && pods.stream().allMatch(p -> "coxswain/busybox:2".equals(
          p.getSpec().getContainers().get(0).getImage()));
    });
    assertEquals(List.of("ver"), k8s.replicationControllers().inNamespace("default").list().getItems().stream()
        .map(rc -> rc.getMetadata().getName()).toList(), "the new controller is gone");
    assertEquals(2, k8s.replicationControllers().inNamespace("default").withName("ver").get().getSpec().getReplicas());
  }
}
