package io.coxswain.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.model.LabelSelector;
import io.coxswain.model.Pods;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatusBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a replication controller's sync must do, computed from the whole current state: which pods it owns,
 * adopts and releases, how many to create, which to delete, and its new status. Pure; nothing is modified.
 */
public final class ReplicaDiff {
  /** At most this many pods are created or deleted by one sync, as in Kubernetes. */
  public static final int BURST_REPLICAS = 500;

  /**
   * The outcome of one diff.
   *
   * @param active claimed pods (owned or adopted) that are neither terminal nor being deleted
   * @param adopt pods matching the selector with no controller: to take (see {@link #adoptPatch})
   * @param release pods this controller owns whose labels no longer match: to let go ({@link #releasePatch})
   * @param toCreate how many new pods to create from the template ({@link #newPod})
   * @param toDelete active pods to delete, in deletion order
   * @param status the status to write (counts over {@code active})
   */
  public record Result(List<Pod> active, List<Pod> adopt, List<Pod> release, int toCreate, List<Pod> toDelete,
      ReplicationControllerStatus status) {
    public Result {
      active = List.copyOf(active);
      adopt = List.copyOf(adopt);
      release = List.copyOf(release);
      toDelete = List.copyOf(toDelete);
    }
  }

  private ReplicaDiff() {}

  /**
   * Diffs {@code rc} against the pods of its namespace (pods of other namespaces are ignored) at time
   * {@code now} (for minReadySeconds). A controller being deleted neither adopts, releases, creates nor deletes.
   */
  public static Result compute(ReplicationController rc, List<Pod> pods, Instant now) {
    String namespace = Pods.namespace(rc);
    String uid = rc.getMetadata().getUid();
    LabelSelector selector = selector(rc);
    boolean deleting = Pods.isBeingDeleted(rc);

    List<Pod> claimed = new ArrayList<>();
    List<Pod> adopt = new ArrayList<>();
    List<Pod> release = new ArrayList<>();
    for (Pod pod : pods) {
      if (!namespace.equals(Pods.namespace(pod))) {
        continue;
      }
      OwnerReference controller = Pods.controllerOf(pod);
      boolean matches = selector.matches(Pods.labels(pod));
      if (controller != null) {
        if (uid == null || !uid.equals(controller.getUid())) {
          continue;
        }
        if (matches) {
          claimed.add(pod);
        } else if (!deleting) {
          release.add(pod);
        }
      } else if (matches && !deleting && !Pods.isBeingDeleted(pod)) {
        adopt.add(pod);
        claimed.add(pod);
      }
    }

    List<Pod> active = new ArrayList<>();
    for (Pod pod : claimed) {
      if (!Pods.isTerminal(pod) && !Pods.isBeingDeleted(pod)) {
        active.add(pod);
      }
    }
    active.sort(Comparator.comparing(p -> p.getMetadata().getName()));

    int replicas = rc.getSpec() == null || rc.getSpec().getReplicas() == null ? 1 : rc.getSpec().getReplicas();
    int toCreate = 0;
    List<Pod> toDelete = new ArrayList<>();
    if (!deleting) {
      int diff = active.size() - replicas;
      if (diff < 0) {
        toCreate = Math.min(-diff, BURST_REPLICAS);
      } else if (diff > 0) {
        List<Pod> ordered = new ArrayList<>(active);
        ordered.sort(DELETION_ORDER);
        toDelete.addAll(ordered.subList(0, Math.min(diff, BURST_REPLICAS)));
      }
    }
    return new Result(active, adopt, release, toCreate, toDelete, status(rc, active, now));
  }

  /** The selector: spec.selector, or the template's labels when the selector is empty; never everything. */
  public static LabelSelector selector(ReplicationController rc) {
    Map<String, String> selector = rc.getSpec() == null ? null : rc.getSpec().getSelector();
    if (selector == null || selector.isEmpty()) {
      selector = templateLabels(rc);
    }
    return selector.isEmpty() ? LabelSelector.nothing() : LabelSelector.fromMap(selector);
  }

  private static Map<String, String> templateLabels(ReplicationController rc) {
    PodTemplateSpec template = rc.getSpec() == null ? null : rc.getSpec().getTemplate();
    if (template == null || template.getMetadata() == null || template.getMetadata().getLabels() == null) {
      return Map.of();
    }
    return template.getMetadata().getLabels();
  }

  /**
   * Kubernetes' ActivePods order, the pods to delete first coming first: unscheduled before scheduled, Pending
   * before Unknown before Running, not ready before ready, ready for less time before more, more restarts
   * before fewer, newer before older; then by name so the order is total.
   */
  public static final Comparator<Pod> DELETION_ORDER = Comparator
      .comparing((Pod p) -> Pods.isScheduled(p) ? 1 : 0)
      .thenComparing(ReplicaDiff::phaseRank)
      .thenComparing(p -> Pods.isReady(p) ? 1 : 0)
      .thenComparing(ReplicaDiff::readySinceKey, Comparator.reverseOrder())
      .thenComparing(ReplicaDiff::restarts, Comparator.reverseOrder())
      .thenComparing(ReplicaDiff::createdKey, Comparator.reverseOrder())
      .thenComparing(p -> p.getMetadata().getName());

  private static int phaseRank(Pod pod) {
    String phase = Pods.phase(pod);
    if (phase == null || phase.isEmpty() || phase.equals("Pending")) {
      return 0;
    }
    return phase.equals("Unknown") ? 1 : 2;
  }

  /** Only compares among ready pods; a ready pod with no known time counts as ready the longest (MIN). */
  private static Instant readySinceKey(Pod pod) {
    if (!Pods.isReady(pod)) {
      return Instant.MIN;
    }
    Instant since = Pods.readySince(pod);
    return since == null ? Instant.MIN : since;
  }

  private static int restarts(Pod pod) {
    int total = 0;
    if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
      for (ContainerStatus s : pod.getStatus().getContainerStatuses()) {
        total += s.getRestartCount() == null ? 0 : s.getRestartCount();
      }
    }
    return total;
  }

  /** A pod with no creation time sorts as the newest. */
  private static Instant createdKey(Pod pod) {
    Instant created = Pods.time(pod.getMetadata().getCreationTimestamp());
    return created == null ? Instant.MAX : created;
  }

  private static ReplicationControllerStatus status(ReplicationController rc, List<Pod> active, Instant now) {
    Map<String, String> templateLabels = templateLabels(rc);
    int minReadySeconds = rc.getSpec() == null || rc.getSpec().getMinReadySeconds() == null
        ? 0 : rc.getSpec().getMinReadySeconds();
    int fullyLabeled = 0;
    int ready = 0;
    int available = 0;
    for (Pod pod : active) {
      Map<String, String> labels = Pods.labels(pod);
      if (labels.entrySet().containsAll(templateLabels.entrySet())) {
        fullyLabeled++;
      }
      if (Pods.isReady(pod)) {
        ready++;
        Instant since = Pods.readySince(pod);
        if (minReadySeconds == 0
            || since != null && !since.plusSeconds(minReadySeconds).isAfter(now)) {
          available++;
        }
      }
    }
    var builder = new ReplicationControllerStatusBuilder()
        .withReplicas(active.size())
        .withFullyLabeledReplicas(fullyLabeled)
        .withReadyReplicas(ready)
        .withAvailableReplicas(available)
        .withObservedGeneration(rc.getMetadata().getGeneration());
    if (rc.getStatus() != null && rc.getStatus().getConditions() != null && !rc.getStatus().getConditions().isEmpty()) {
      builder.withConditions(Json.copy(rc.getStatus()).getConditions());
    }
    return builder.build();
  }

  /** The owner reference a pod of this controller carries. */
  public static OwnerReference ownerReference(ReplicationController rc) {
    return new OwnerReferenceBuilder()
        .withApiVersion("v1")
        .withKind("ReplicationController")
        .withName(rc.getMetadata().getName())
        .withUid(rc.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /**
   * A new pod from the controller's template: generateName {@code <rc>-}, the template's labels, annotations,
   * finalizers and spec (copied), owned by the controller.
   */
  public static Pod newPod(ReplicationController rc) {
    PodTemplateSpec template = rc.getSpec() == null ? null : rc.getSpec().getTemplate();
    ObjectMeta meta = new ObjectMeta();
    meta.setGenerateName(rc.getMetadata().getName() + "-");
    meta.setNamespace(Pods.namespace(rc));
    if (template != null && template.getMetadata() != null) {
      ObjectMeta t = template.getMetadata();
      if (t.getLabels() != null) {
        meta.setLabels(new HashMap<>(t.getLabels()));
      }
      if (t.getAnnotations() != null) {
        meta.setAnnotations(new HashMap<>(t.getAnnotations()));
      }
      if (t.getFinalizers() != null) {
        meta.setFinalizers(new ArrayList<>(t.getFinalizers()));
      }
    }
    meta.setOwnerReferences(new ArrayList<>(List.of(ownerReference(rc))));
    Pod pod = new Pod();
    pod.setApiVersion("v1");
    pod.setKind("Pod");
    pod.setMetadata(meta);
    if (template != null && template.getSpec() != null) {
      pod.setSpec(Json.copy(template.getSpec()));
    }
    return pod;
  }

  /** A strategic merge patch that makes {@code rc} the pod's controller (the pod's uid guards the write). */
  public static JsonNode adoptPatch(Pod pod, ReplicationController rc) {
    ObjectNode patch = Json.MAPPER.createObjectNode();
    ObjectNode meta = patch.putObject("metadata");
    meta.putArray("ownerReferences").add(Json.MAPPER.valueToTree(ownerReference(rc)));
    meta.put("uid", pod.getMetadata().getUid());
    return patch;
  }

  /** A strategic merge patch that removes {@code rc}'s owner reference from the pod. */
  public static JsonNode releasePatch(Pod pod, ReplicationController rc) {
    ObjectNode patch = Json.MAPPER.createObjectNode();
    ObjectNode meta = patch.putObject("metadata");
    ObjectNode delete = meta.putArray("ownerReferences").addObject();
    delete.put("$patch", "delete");
    delete.put("uid", rc.getMetadata().getUid());
    meta.put("uid", pod.getMetadata().getUid());
    return patch;
  }
}
