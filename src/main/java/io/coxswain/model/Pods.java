package io.coxswain.model;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** Read-only questions about pods and object metadata that the scheduler, controllers and kubelet share. */
public final class Pods {
  private Pods() {}

  /** Succeeded or Failed: the pod's containers will not run again. */
  public static boolean isTerminal(Pod pod) {
    String phase = phase(pod);
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  public static String phase(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  public static boolean isBeingDeleted(HasMetadata object) {
    return object.getMetadata() != null && object.getMetadata().getDeletionTimestamp() != null
        && !object.getMetadata().getDeletionTimestamp().isEmpty();
  }

  /** The pod's condition of the given type, or null. */
  public static PodCondition condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    for (PodCondition c : pod.getStatus().getConditions()) {
      if (type.equals(c.getType())) {
        return c;
      }
    }
    return null;
  }

  /** The Ready condition is True. */
  public static boolean isReady(Pod pod) {
    PodCondition ready = condition(pod, "Ready");
    return ready != null && "True".equals(ready.getStatus());
  }

  /** When the Ready condition last became what it is, or null when unknown. */
  public static Instant readySince(Pod pod) {
    PodCondition ready = condition(pod, "Ready");
    return ready == null ? null : time(ready.getLastTransitionTime());
  }

  public static boolean isScheduled(Pod pod) {
    return pod.getSpec() != null && pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty();
  }

  /** The owner reference marked controller=true, or null. */
  public static OwnerReference controllerOf(HasMetadata object) {
    if (object.getMetadata() == null || object.getMetadata().getOwnerReferences() == null) {
      return null;
    }
    for (OwnerReference ref : object.getMetadata().getOwnerReferences()) {
      if (Boolean.TRUE.equals(ref.getController())) {
        return ref;
      }
    }
    return null;
  }

  public static Map<String, String> labels(HasMetadata object) {
    if (object.getMetadata() == null || object.getMetadata().getLabels() == null) {
      return Map.of();
    }
    return object.getMetadata().getLabels();
  }

  public static String namespace(HasMetadata object) {
    String ns = object.getMetadata() == null ? null : object.getMetadata().getNamespace();
    return ns == null || ns.isEmpty() ? "default" : ns;
  }

  /** An RFC 3339 timestamp as Kubernetes writes it, or null when absent or unreadable. */
  public static Instant time(String rfc3339) {
    if (rfc3339 == null || rfc3339.isEmpty()) {
      return null;
    }
    try {
      return java.time.OffsetDateTime.parse(rfc3339).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
