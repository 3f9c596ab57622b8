package io.coxswain.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.model.Json;
import io.coxswain.model.StrategicMergePatch;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReplicaDiffTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");
  static final Map<String, String> WEB = Map.of("app", "web");

  static ReplicationController rc(int replicas, int minReadySeconds) {
    return new ReplicationControllerBuilder()
        .withNewMetadata().withName("web").withNamespace("default").withUid("rc-uid").withGeneration(4L).endMetadata()
        .withNewSpec().withReplicas(replicas).withMinReadySeconds(minReadySeconds).withSelector(WEB)
        .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "web", "tier", "front"))
        .withAnnotations(Map.of("note", "x")).endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
        .endTemplate().endSpec().build();
  }

  /** A compact pod description: name and flags. */
  static final class P {
    final PodBuilder b;

    P(String name) {
      b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").withUid("uid-" + name)
          .withLabels(Map.of("app", "web", "tier", "front")).withCreationTimestamp("2026-01-01T00:00:00Z")
          .addNewOwnerReference().withApiVersion("v1").withKind("ReplicationController").withName("web")
          .withUid("rc-uid").withController(true).endOwnerReference().endMetadata()
          .withNewSpec().withNodeName("n1").endSpec()
          .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True")
          .withLastTransitionTime("2026-01-01T00:01:00Z").endCondition().endStatus();
    }

    P labels(Map<String, String> labels) {
      b.editMetadata().withLabels(labels).endMetadata();
      return this;
    }

    P orphan() {
      b.editMetadata().withOwnerReferences().endMetadata();
      return this;
    }

    P ownedBy(String uid) {
      b.editMetadata().editFirstOwnerReference().withUid(uid).endOwnerReference().endMetadata();
      return this;
    }

    P phase(String phase) {
      b.editStatus().withPhase(phase).endStatus();
      return this;
    }

    P notReady() {
      b.editStatus().editFirstCondition().withStatus("False").endCondition().endStatus();
      return this;
    }

    P readySince(String time) {
      b.editStatus().editFirstCondition().withLastTransitionTime(time).endCondition().endStatus();
      return this;
    }

    P unscheduled() {
      b.editSpec().withNodeName(null).endSpec();
      return this;
    }

    P created(String time) {
      b.editMetadata().withCreationTimestamp(time).endMetadata();
      return this;
    }

    P deleting() {
      b.editMetadata().withDeletionTimestamp("2026-01-01T00:09:00Z").endMetadata();
      return this;
    }

    P namespace(String ns) {
      b.editMetadata().withNamespace(ns).endMetadata();
      return this;
    }

    P restarts(int n) {
      b.editStatus().addNewContainerStatus().withName("c").withRestartCount(n).endContainerStatus().endStatus();
      return this;
    }

    Pod build() {
      return b.build();
    }
  }

  static P p(String name) {
    return new P(name);
  }

  static List<Pod> pods(P... ps) {
    List<Pod> list = new ArrayList<>();
    for (P x : ps) {
      list.add(x.build());
    }
    return list;
  }

  /** Expected: create, delete, adopt, release, status replicas/fullyLabeled/ready/available. */
  record Want(int create, List<String> delete, List<String> adopt, List<String> release, int replicas,
      int fullyLabeled, int ready, int available) {}

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("empty: create all", rc(3, 0), pods(),
            new Want(3, List.of(), List.of(), List.of(), 0, 0, 0, 0)),
        Arguments.of("steady", rc(2, 0), pods(p("a"), p("b")),
            new Want(0, List.of(), List.of(), List.of(), 2, 2, 2, 2)),
        Arguments.of("terminal and deleting pods are not active", rc(3, 0),
            pods(p("a"), p("b").phase("Failed"), p("c").phase("Succeeded"), p("d").deleting()),
            new Want(2, List.of(), List.of(), List.of(), 1, 1, 1, 1)),
        Arguments.of("orphans matching the selector are adopted and count", rc(2, 0),
            pods(p("a"), p("b").orphan(), p("c").orphan().labels(Map.of("app", "db")), p("d").orphan().deleting()),
            new Want(0, List.of(), List.of("b"), List.of(), 2, 2, 2, 2)),
        Arguments.of("owned pods whose labels changed are released", rc(2, 0),
            pods(p("a"), p("b").labels(Map.of("app", "debug"))),
            new Want(1, List.of(), List.of(), List.of("b"), 1, 1, 1, 1)),
        Arguments.of("pods of another controller or namespace are left alone", rc(1, 0),
            pods(p("a").ownedBy("other"), p("b").namespace("prod")),
            new Want(1, List.of(), List.of(), List.of(), 0, 0, 0, 0)),
        Arguments.of("surplus: unscheduled, then pending, then not ready go first", rc(1, 0),
            pods(p("running"), p("notready").notReady(), p("pending").phase("Pending").notReady(),
                p("unscheduled").unscheduled().phase("Pending").notReady()),
            new Want(0, List.of("unscheduled", "pending", "notready"), List.of(), List.of(), 4, 4, 1, 1)),
        Arguments.of("surplus among ready pods: ready more recently goes first", rc(1, 0),
            pods(p("old").readySince("2026-01-01T00:01:00Z"), p("recent").readySince("2026-01-01T00:05:00Z")),
            new Want(0, List.of("recent"), List.of(), List.of(), 2, 2, 2, 2)),
        Arguments.of("surplus: more restarts first, then newest first", rc(1, 0),
            pods(p("a").created("2026-01-01T00:00:01Z"), p("b").created("2026-01-01T00:00:03Z"),
                p("c").created("2026-01-01T00:00:02Z"), p("d").restarts(3)),
            new Want(0, List.of("d", "b", "c"), List.of(), List.of(), 4, 4, 4, 4)),
        Arguments.of("Unknown phase goes before Running", rc(1, 0),
            pods(p("a"), p("b").phase("Unknown")),
            new Want(0, List.of("b"), List.of(), List.of(), 2, 2, 2, 2)),
        Arguments.of("minReadySeconds: only pods ready long enough are available", rc(3, 300),
            pods(p("a").readySince("2026-01-01T00:01:00Z"), p("b").readySince("2026-01-01T00:08:00Z"),
                p("c").notReady()),
            new Want(0, List.of(), List.of(), List.of(), 3, 3, 2, 1)),
        Arguments.of("partially labelled pods are not fully labelled", rc(2, 0),
            pods(p("a"), p("b").labels(Map.of("app", "web"))),
            new Want(0, List.of(), List.of(), List.of(), 2, 1, 2, 2)));
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(x -> x.getMetadata().getName()).toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void diffs(String name, ReplicationController rc, List<Pod> pods, Want want) {
    ReplicaDiff.Result r = ReplicaDiff.compute(rc, pods, NOW);
    assertEquals(want.create(), r.toCreate(), "create");
    assertEquals(want.delete(), names(r.toDelete()), "delete");
    assertEquals(want.adopt(), names(r.adopt()), "adopt");
    assertEquals(want.release(), names(r.release()), "release");
    assertEquals(want.replicas(), r.status().getReplicas(), "replicas");
    assertEquals(want.fullyLabeled(), r.status().getFullyLabeledReplicas(), "fullyLabeledReplicas");
    assertEquals(want.ready(), r.status().getReadyReplicas(), "readyReplicas");
    assertEquals(want.available(), r.status().getAvailableReplicas(), "availableReplicas");
    assertEquals(4L, r.status().getObservedGeneration());
  }

  @Test
  void aControllerBeingDeletedOnlyReports() {
    ReplicationController rc = rc(5, 0);
    rc.getMetadata().setDeletionTimestamp("2026-01-01T00:09:00Z");
    ReplicaDiff.Result r = ReplicaDiff.compute(rc,
        pods(p("a"), p("b").orphan(), p("c").labels(Map.of("app", "x"))), NOW);
    assertEquals(0, r.toCreate());
    assertEquals(List.of(), r.adopt());
    assertEquals(List.of(), r.release());
    assertEquals(1, r.status().getReplicas());
  }

  @Test
  void burstLimitsCreation() {
    assertEquals(ReplicaDiff.BURST_REPLICAS, ReplicaDiff.compute(rc(2000, 0), List.of(), NOW).toCreate());
  }

  @Test
  void newPodFromTemplate() {
    ReplicationController rc = rc(1, 0);
    Pod pod = ReplicaDiff.newPod(rc);
    assertEquals("web-", pod.getMetadata().getGenerateName());
    assertNull(pod.getMetadata().getName());
    assertEquals("default", pod.getMetadata().getNamespace());
    assertEquals(Map.of("app", "web", "tier", "front"), pod.getMetadata().getLabels());
    assertEquals(Map.of("note", "x"), pod.getMetadata().getAnnotations());
    var ref = pod.getMetadata().getOwnerReferences().get(0);
    assertEquals(List.of("v1", "ReplicationController", "web", "rc-uid", true, true),
        List.of(ref.getApiVersion(), ref.getKind(), ref.getName(), ref.getUid(), ref.getController(),
            ref.getBlockOwnerDeletion()));
    assertEquals("busybox", pod.getSpec().getContainers().get(0).getImage());
    pod.getSpec().getContainers().get(0).setImage("changed");
    pod.getMetadata().getLabels().put("x", "y");
    assertEquals("busybox", rc.getSpec().getTemplate().getSpec().getContainers().get(0).getImage(),
        "the template is copied, not shared");
    assertEquals(2, rc.getSpec().getTemplate().getMetadata().getLabels().size());
  }

  @Test
  void adoptAndReleasePatchesApplyAsStrategicMergePatches() throws Exception {
    ReplicationController rc = rc(1, 0);
    Pod orphan = p("b").orphan().build();
    JsonNode adopted = StrategicMergePatch.apply("Pod", Json.MAPPER.valueToTree(orphan),
        ReplicaDiff.adoptPatch(orphan, rc));
    Pod afterAdopt = Json.MAPPER.treeToValue(adopted, Pod.class);
    assertEquals("rc-uid", afterAdopt.getMetadata().getOwnerReferences().get(0).getUid());
    assertTrue(afterAdopt.getMetadata().getOwnerReferences().get(0).getController());

    JsonNode released = StrategicMergePatch.apply("Pod", adopted, ReplicaDiff.releasePatch(afterAdopt, rc));
    Pod afterRelease = Json.MAPPER.treeToValue(released, Pod.class);
    assertTrue(afterRelease.getMetadata().getOwnerReferences() == null
        || afterRelease.getMetadata().getOwnerReferences().isEmpty());
    assertEquals("uid-b", afterRelease.getMetadata().getUid());
  }
}
