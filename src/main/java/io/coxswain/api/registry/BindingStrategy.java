package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Binding (pods/binding, or the bindings resource) is only created: it names the node a pod goes to. The
 * registry validates it here, then applies it to the pod with {@link #bind} as a compare-and-swap.
 */
public final class BindingStrategy extends BaseStrategy<Binding> {
  public static final List<String> TARGET_KINDS = List.of("Node", "<empty>");

  public BindingStrategy() {
    super(Binding.class, "bindings", "Binding", true, NameRules::dns1123Subdomain);
  }

  @Override
  public void prepareForCreate(Binding binding) {}

  @Override
  public void prepareForUpdate(Binding binding, Binding old) {}

  @Override
  protected void validateFields(Binding binding, List<FieldError> out) {
    if (binding.getTarget() == null) {
      out.add(FieldError.required("target.name", ""));
      return;
    }
    String kind = binding.getTarget().getKind();
    if (!MetaValidation.isEmpty(kind) && !"Node".equals(kind)) {
      out.add(FieldError.notSupported("target.kind", kind, TARGET_KINDS));
    }
    String name = binding.getTarget().getName();
    if (MetaValidation.isEmpty(name)) {
      out.add(FieldError.required("target.name", ""));
    } else {
      for (String msg : NameRules.dns1123Subdomain(name)) {
        out.add(FieldError.invalid("target.name", name, msg));
      }
    }
  }

  @Override
  protected void validateFieldUpdate(Binding binding, Binding old, List<FieldError> out) {
    out.add(FieldError.forbidden("", "bindings may not be updated"));
  }

  /**
   * Why the pod cannot take the binding (already on a node, or being deleted), as the Conflict message the
   * API returns; null when it can.
   */
  public static String conflict(Pod pod, Binding binding) {
    String podName = pod.getMetadata().getName();
    if (binding.getMetadata() != null && binding.getMetadata().getUid() != null
        && !binding.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
      return "Precondition failed: UID in precondition: " + binding.getMetadata().getUid()
          + ", UID in object meta: " + pod.getMetadata().getUid();
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return "pod " + podName + " is being deleted, cannot be assigned to a host";
    }
    if (pod.getSpec() != null && !MetaValidation.isEmpty(pod.getSpec().getNodeName())) {
      return "pod " + podName + " is already assigned to node \"" + pod.getSpec().getNodeName() + "\"";
    }
    return null;
  }

  /**
   * Puts the pod on the binding's node: sets spec.nodeName, copies the binding's annotations, and marks it
   * PodScheduled. The caller has checked {@link #conflict} on the same revision of the pod.
   */
  public static void bind(Pod pod, Binding binding, Instant now) {
    pod.getSpec().setNodeName(binding.getTarget().getName());
    Map<String, String> bindingAnnotations = binding.getMetadata() == null ? null : binding.getMetadata().getAnnotations();
    if (bindingAnnotations != null && !bindingAnnotations.isEmpty()) {
      Map<String, String> annotations = pod.getMetadata().getAnnotations() == null ? new LinkedHashMap<>()
          : new LinkedHashMap<>(pod.getMetadata().getAnnotations());
      annotations.putAll(bindingAnnotations);
      pod.getMetadata().setAnnotations(annotations);
    }
    if (pod.getStatus() == null) {
      pod.setStatus(new PodStatus());
    }
    List<PodCondition> conditions = new ArrayList<>(PodSpecDefaults.nonNull(pod.getStatus().getConditions()));
    conditions.removeIf(c -> "PodScheduled".equals(c.getType()));
    PodCondition scheduled = new PodCondition();
    scheduled.setType("PodScheduled");
    scheduled.setStatus("True");
    scheduled.setLastTransitionTime(now.truncatedTo(ChronoUnit.SECONDS).toString());
    conditions.add(scheduled);
    pod.getStatus().setConditions(conditions);
  }
}
