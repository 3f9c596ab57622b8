package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync plan and its executor driving real containers, round after round, as the kubelet does. */
class KubeletSyncIT {
  private DockerRuntime runtime;
  private SyncExecutor executor;
  private String node;
  private Map<ContainerKey, BackOff> backOff = new HashMap<>();

  @TempDir
  Path podsDir;

  @BeforeEach
  void connect() {
    runtime = DockerEngine.connectOrSkip();
    executor = new SyncExecutor(runtime, Clock.systemUTC());
    node = "it-sync-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void cleanUp() {
    if (runtime != null) {
      executor.close();
      for (ObservedContainer c : runtime.listContainers(node)) {
        runtime.remove(c.id());
      }
      runtime.close();
    }
  }

  private SyncResult round(List<Pod> pods) {
    SyncResult plan = SyncPlan.compute(new SyncInput(node, "127.0.0.1", podsDir, pods, runtime.listContainers(node),
        backOff, Map.of(), List.of(new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata().withNewSpec().withClusterIP("10.0.0.1").addNewPort().withPort(80).endPort().endSpec().build()), java.time.Instant.now()));
    SyncExecutor.Outcome outcome = executor.execute(plan);
    backOff = new HashMap<>(outcome.backOff());
    return plan;
  }

  /** Syncs until the condition holds on a result (each round acts on what the previous one left). */
  private SyncResult syncUntil(List<Pod> pods, String what, Predicate<SyncResult> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    AtomicReference<SyncResult> last = new AtomicReference<>();
    while (System.nanoTime() < deadline) {
      SyncResult r = round(pods);
      last.set(r);
      if (condition.test(r)) {
        return r;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    fail("timed out waiting until " + what + "; last plan: " + (last.get() == null ? null : last.get().actions())
        + " statuses " + (last.get() == null ? null : last.get().statuses()));
    return null;
  }

  @Test
  void aPodRunsServesOnItsPublishedPortAndIsDeletedCleanly() throws Exception {
    String uid = UUID.randomUUID().toString();
    Pod pod = new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid(uid).endMetadata()
        .withNewSpec().withTerminationGracePeriodSeconds(2L)
        .addNewVolume().withName("www").withNewEmptyDir().endEmptyDir().endVolume()
        .withContainers(
            new ContainerBuilder().withName("server").withImage(DockerEngine.BUSYBOX_1)
                .withCommand("httpd", "-f", "-p", "8080", "-h", "/www")
                .addNewPort().withContainerPort(8080).endPort()
                .addNewVolumeMount().withName("www").withMountPath("/www").endVolumeMount().build(),
            new ContainerBuilder().withName("writer").withImage(DockerEngine.BUSYBOX_1)
                .withCommand("sh", "-c", "echo \"host=$WEB_SERVICE_HOST pod=$POD\" > /www/index.html; exec sleep 600")
                .addNewEnv().withName("POD").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
                .endFieldRef().endValueFrom().endEnv()
                .addNewVolumeMount().withName("www").withMountPath("/www").endVolumeMount().build())
        .endSpec().build();

    SyncResult running = syncUntil(List.of(pod), "the pod runs and is ready", r -> {
      PodStatus s = r.statuses().get(uid);
      return "Running".equals(s.getPhase()) && s.getContainerStatuses().stream().allMatch(c -> c.getReady());
    });
    assertEquals("127.0.0.1", running.statuses().get(uid).getPodIP());
    ObservedContainer infra = runtime.listContainers(node).stream().filter(ObservedContainer::infra).findFirst()
        .orElseThrow();
    assertEquals(infra.publishedPorts(), running.publishedPorts().get(uid));
    int port = running.publishedPorts().get(uid).get(0).hostPort();

    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + port + "/");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String body = null;
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          body = r.body();
          break;
        }
      } catch (java.io.IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    assertEquals("host=10.0.0.1 pod=web\n", body);

    // a steady pod needs nothing more
    assertTrue(round(List.of(pod)).actions().isEmpty());

    Pod deleted = new PodBuilder(pod).editMetadata().withDeletionTimestamp(java.time.Instant.now().toString())
        .withDeletionGracePeriodSeconds(2L).endMetadata().build();
    SyncResult gone = syncUntil(List.of(deleted), "the deleted pod has terminated",
        r -> !r.terminated().isEmpty() && !executor.stopping());
    assertEquals(uid, gone.terminated().get(0).uid());
    assertTrue(runtime.listContainers(node).isEmpty());
  }

  @Test
  void aCrashingContainerIsRestartedWithBackOff() {
    String uid = UUID.randomUUID().toString();
    Pod pod = new PodBuilder().withNewMetadata().withName("crash").withNamespace("default").withUid(uid).endMetadata()
        .withNewSpec().withTerminationGracePeriodSeconds(1L).withContainers(
            new ContainerBuilder().withName("app").withImage(DockerEngine.BUSYBOX_1)
                .withCommand("sh", "-c", "echo started; exit 2").build())
        .endSpec().build();
    SyncResult backingOff = syncUntil(List.of(pod), "CrashLoopBackOff", r -> {
      var cs = r.statuses().get(uid).getContainerStatuses().get(0);
      return cs.getState().getWaiting() != null && "CrashLoopBackOff".equals(cs.getState().getWaiting().getReason());
    });
    var cs = backingOff.statuses().get(uid).getContainerStatuses().get(0);
    assertEquals(1, cs.getRestartCount());
    assertEquals(2, cs.getLastState().getTerminated().getExitCode());
    assertEquals("Running", backingOff.statuses().get(uid).getPhase());
    assertTrue(backingOff.nextSyncAt() != null);
  }

  @Test
  void anUnpullableImageIsReportedAsImagePullBackOff() {
    String uid = UUID.randomUUID().toString();
    Pod pod = new PodBuilder().withNewMetadata().withName("nopull").withNamespace("default").withUid(uid).endMetadata()
        .withNewSpec().withContainers(new ContainerBuilder().withName("app").withImage("coxswain.invalid/none:1")
            .build()).endSpec().build();
    SyncResult r = syncUntil(List.of(pod), "ImagePullBackOff", res -> {
      var state = res.statuses().get(uid).getContainerStatuses().get(0).getState();
      return state.getWaiting() != null && "ImagePullBackOff".equals(state.getWaiting().getReason());
    });
    String message = r.statuses().get(uid).getContainerStatuses().get(0).getState().getWaiting().getMessage();
    assertTrue(message.contains("coxswain.invalid/none:1"), message);
    assertEquals("Pending", r.statuses().get(uid).getPhase());
  }
}
