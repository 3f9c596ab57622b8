package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sync plan executed against the in-memory runtime, round after round: the loop a kubelet runs,
 * showing the plan converges and the fake behaves like an engine.
 */
class FakeRuntimeTest {
  private Instant now = Instant.parse("2026-01-01T12:00:00Z");
  private final FakeRuntime runtime = new FakeRuntime(new Clock() {
    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  });
  private Map<ContainerKey, BackOff> backOff = new HashMap<>();

  private SyncResult round(List<Pod> pods) {
    SyncResult result = SyncPlan.compute(new SyncInput("n1", "127.0.0.9", Path.of("/tmp/pods"), pods,
        runtime.listContainers("n1"), backOff, Map.of(), List.of(), now));
    backOff = new HashMap<>(result.backOff());
    Map<String, String> infraOf = new HashMap<>();
    for (SyncAction action : result.actions()) {
      if (action instanceof SyncAction.StartInfra s) {
        infraOf.put(s.pod().uid(), runtime.startInfra(s.spec()).id());
      } else if (action instanceof SyncAction.StartContainer s) {
        ContainerSpec spec = s.spec().networkFrom() == null && !s.spec().hostNetwork()
            ? s.spec().withNetworkFrom(infraOf.get(s.pod().uid())) : s.spec();
        try {
          runtime.ensureImage(spec.image(), spec.pullPolicy());
          runtime.startContainer(spec);
        } catch (ImagePullException e) {
          ContainerKey key = new ContainerKey(s.pod().uid(), spec.name());
          backOff.put(key, BackOff.afterFailure(backOff.get(key), now, e.reason(), e.getMessage()));
        }
      } else if (action instanceof SyncAction.KillContainer k) {
        runtime.stop(k.containerId(), k.grace());
      } else if (action instanceof SyncAction.RemoveContainer r) {
        runtime.remove(r.containerId());
      }
    }
    return result;
  }

  private static Pod pod(String uid, String image) {
    return new PodBuilder().withNewMetadata().withName("p-" + uid).withNamespace("default").withUid(uid).endMetadata()
        .withNewSpec().withContainers(new ContainerBuilder().withName("app").withImage(image)
            .addNewPort().withContainerPort(80).endPort().build()).endSpec().build();
  }

  @Test
  void aPodConvergesCrashLoopsAndIsCleanedUpAfterDeletion() {
    Pod pod = pod("u1", "coxswain/busybox:1");
    assertEquals(2, round(List.of(pod)).actions().size(), "infra + app");
    SyncResult steady = round(List.of(pod));
    assertTrue(steady.actions().isEmpty(), "converged: " + steady.actions());
    PodStatus status = steady.statuses().get("u1");
    assertEquals("Running", status.getPhase());
    ObservedContainer infra = runtime.listContainers("n1").stream().filter(ObservedContainer::infra).findFirst()
        .orElseThrow();
    assertEquals(List.of(new PublishedPort(80, "TCP", "127.0.0.9", 40000)), infra.publishedPorts());

    // the app crashes: restarted at once, then backed off 10 s
    String app = runtime.listContainers("n1").stream().filter(c -> !c.infra()).findFirst().orElseThrow().id();
    runtime.exit(app, 1);
    round(List.of(pod));
    String second = runtime.listContainers("n1").stream().filter(c -> !c.infra() && c.running()).findFirst()
        .orElseThrow().id();
    runtime.exit(second, 1);
    SyncResult waiting = round(List.of(pod));
    assertTrue(waiting.actions().isEmpty());
    assertEquals("CrashLoopBackOff", waiting.statuses().get("u1").getContainerStatuses().get(0).getState()
        .getWaiting().getReason());
    now = waiting.nextSyncAt();
    round(List.of(pod));
    SyncResult restarted = round(List.of(pod));
    assertEquals(2, restarted.statuses().get("u1").getContainerStatuses().get(0).getRestartCount());
    assertEquals("Running", restarted.statuses().get("u1").getPhase());

    // deletion: app, then infra, then removal, then terminated
    Pod deleted = new PodBuilder(pod).editMetadata().withDeletionTimestamp(now.toString())
        .withDeletionGracePeriodSeconds(1L).endMetadata().build();
    SyncResult last = null;
    for (int i = 0; i < 5 && (last == null || last.terminated().isEmpty()); i++) {
      last = round(List.of(deleted));
    }
    assertEquals(List.of(new PodRef("u1", "default", "p-u1")), last.terminated());
    assertTrue(runtime.listContainers("n1").isEmpty());
  }

  @Test
  void anUnpullableImageBacksOffAsImagePullBackOff() {
    runtime.strictImages();
    Pod pod = pod("u2", "nowhere/none:1");
    round(List.of(pod));
    SyncResult waiting = round(List.of(pod));
    assertEquals("ImagePullBackOff", waiting.statuses().get("u2").getContainerStatuses().get(0).getState()
        .getWaiting().getReason());
    assertEquals(Duration.ofSeconds(10), backOff.get(new ContainerKey("u2", "app")).delay());
    runtime.allowPull("nowhere/none:1");
    now = now.plusSeconds(11);
    round(List.of(pod));
    assertEquals("Running", round(List.of(pod)).statuses().get("u2").getPhase());
  }

  @Test
  void orphansOfAnotherKubeletRunAreStoppedAndRemoved() {
    round(List.of(pod("u3", "coxswain/busybox:1")));
    assertEquals(2, runtime.listContainers("n1").size());
    round(List.of()); // the app container is killed first
    round(List.of()); // then the infra container
    round(List.of()); // then both are removed
    assertTrue(runtime.listContainers("n1").isEmpty());
  }

  @Test
  void theFakeRefusesWhatAnEngineRefuses() {
    runtime.strictImages();
    ImagePullException never = assertThrows(ImagePullException.class,
        () -> runtime.ensureImage("a:1", PullPolicy.NEVER));
    assertEquals(ImagePullException.ERR_IMAGE_NEVER_PULL, never.reason());
    assertThrows(ContainerRuntimeException.class, () -> runtime.logs("nope", LogOptions.all()));
    assertTrue(runtime.inspect("nope").isEmpty());
  }
}
