package io.coxswain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodsTest {
  static Pod pod(String phase, String ready, String deletion) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName("p").withDeletionTimestamp(deletion).endMetadata()
        .withNewStatus().withPhase(phase).endStatus();
    if (ready != null) {
      b.editStatus().addNewCondition().withType("Ready").withStatus(ready)
          .withLastTransitionTime("2026-01-01T00:00:05Z").endCondition().endStatus();
    }
    return b.build();
  }

  static Stream<Arguments> states() {
    return Stream.of(
        // phase, Ready status, deletionTimestamp -> terminal, ready, being deleted
        Arguments.of("Running", "True", null, false, true, false),
        Arguments.of("Running", "False", null, false, false, false),
        Arguments.of("Pending", null, null, false, false, false),
        Arguments.of("Succeeded", "False", null, true, false, false),
        Arguments.of("Failed", null, null, true, false, false),
        Arguments.of("Running", "True", "2026-01-01T00:00:00Z", false, true, true),
        Arguments.of(null, null, null, false, false, false));
  }

  @ParameterizedTest(name = "{0} ready={1} deleting={2}")
  @MethodSource("states")
  void podStates(String phase, String ready, String deletion, boolean terminal, boolean isReady, boolean deleting) {
    Pod p = pod(phase, ready, deletion);
    assertEquals(terminal, Pods.isTerminal(p));
    assertEquals(isReady, Pods.isReady(p));
    assertEquals(deleting, Pods.isBeingDeleted(p));
  }

  @Test
  void metadataQuestions() {
    Pod p = new PodBuilder().withNewMetadata().withName("p")
        .addNewOwnerReference().withUid("a").withKind("X").withName("x").endOwnerReference()
        .addNewOwnerReference().withUid("b").withKind("ReplicationController").withName("rc").withController(true)
        .endOwnerReference().endMetadata().build();
    assertEquals("b", Pods.controllerOf(p).getUid());
    assertEquals("default", Pods.namespace(p));
    assertEquals(Map.of(), Pods.labels(p));
    assertFalse(Pods.isScheduled(p));
    assertNull(Pods.controllerOf(new PodBuilder().withNewMetadata().withName("q").endMetadata().build()));
    assertEquals(Instant.parse("2026-01-01T00:00:05Z"), Pods.readySince(pod("Running", "True", null)));
    assertEquals(Instant.parse("2026-01-01T00:00:05Z"), Pods.time("2026-01-01T00:00:05Z"));
    assertEquals(Instant.parse("2026-01-01T00:00:05.5Z"), Pods.time("2026-01-01T01:00:05.5+01:00"));
    assertNull(Pods.time("yesterday"));
    assertTrue(Pods.isScheduled(new PodBuilder().withNewSpec().withNodeName("n").endSpec().build()));
  }
}
