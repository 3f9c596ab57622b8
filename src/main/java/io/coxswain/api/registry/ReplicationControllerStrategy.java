package io.coxswain.api.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerSpec;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Replication controllers: replicas, selector and template defaults, and their validation. */
public final class ReplicationControllerStrategy extends BaseStrategy<ReplicationController> {
  private final ReplicationControllerStatusStrategy status = new ReplicationControllerStatusStrategy(this);

  public ReplicationControllerStrategy() {
    super(ReplicationController.class, "replicationcontrollers", "ReplicationController", true,
        NameRules::dns1123Subdomain);
  }

  @Override
  public void prepareForCreate(ReplicationController rc) {
    ReplicationControllerStatus st = new ReplicationControllerStatus();
    st.setReplicas(0);
    rc.setStatus(st);
    applyDefaults(rc);
  }

  @Override
  public void prepareForUpdate(ReplicationController rc, ReplicationController old) {
    rc.setStatus(old.getStatus());
    applyDefaults(rc);
  }

  /** Selector and object labels default to the template's labels, replicas to 1, the template as a pod spec. */
  public static void applyDefaults(ReplicationController rc) {
    ReplicationControllerSpec spec = rc.getSpec();
    if (spec == null) {
      return;
    }
    PodTemplateSpec template = spec.getTemplate();
    Map<String, String> templateLabels = template == null || template.getMetadata() == null ? null
        : template.getMetadata().getLabels();
    if (templateLabels != null && !templateLabels.isEmpty()) {
      if (spec.getSelector() == null || spec.getSelector().isEmpty()) {
        spec.setSelector(new LinkedHashMap<>(templateLabels));
      }
      if (rc.getMetadata() != null && (rc.getMetadata().getLabels() == null || rc.getMetadata().getLabels().isEmpty())) {
        rc.getMetadata().setLabels(new LinkedHashMap<>(templateLabels));
      }
    }
    if (spec.getReplicas() == null) {
      spec.setReplicas(1);
    }
    if (spec.getMinReadySeconds() == null) {
      spec.setMinReadySeconds(0);
    }
    if (template != null) {
      PodSpecDefaults.apply(template.getSpec());
    }
  }

  @Override
  protected void validateFields(ReplicationController rc, List<FieldError> out) {
    ReplicationControllerSpec spec = rc.getSpec();
    if (spec == null) {
      out.add(FieldError.required("spec", ""));
      return;
    }
    if (spec.getReplicas() != null && spec.getReplicas() < 0) {
      out.add(FieldError.invalid("spec.replicas", spec.getReplicas(), "must be greater than or equal to 0"));
    }
    if (spec.getMinReadySeconds() != null && spec.getMinReadySeconds() < 0) {
      out.add(FieldError.invalid("spec.minReadySeconds", spec.getMinReadySeconds(), "must be greater than or equal to 0"));
    }
    Map<String, String> selector = spec.getSelector();
    if (selector == null || selector.isEmpty()) {
      out.add(FieldError.required("spec.selector", ""));
    } else {
      MetaValidation.validateLabels(selector, "spec.selector", out);
    }
    PodTemplateSpec template = spec.getTemplate();
    if (template == null) {
      out.add(FieldError.required("spec.template", ""));
      return;
    }
    ObjectMeta tm = template.getMetadata();
    Map<String, String> labels = tm == null ? null : tm.getLabels();
    if (tm != null) {
      MetaValidation.validateLabels(tm.getLabels(), "spec.template.metadata.labels", out);
      MetaValidation.validateAnnotations(tm.getAnnotations(), "spec.template.metadata.annotations", out);
    }
    if (selector != null && !selector.isEmpty() && !matches(selector, labels)) {
      out.add(FieldError.invalid("spec.template.metadata.labels", labels == null ? Map.of() : labels,
          "`selector` does not match template `labels`"));
    }
    PodSpecValidation.validate(template.getSpec(), "spec.template.spec", out);
    if (template.getSpec() != null) {
      String restart = template.getSpec().getRestartPolicy();
      if (!MetaValidation.isEmpty(restart) && !"Always".equals(restart)) {
        out.add(FieldError.notSupported("spec.template.spec.restartPolicy", restart, List.of("Always")));
      }
      if (template.getSpec().getActiveDeadlineSeconds() != null) {
        out.add(FieldError.forbidden("spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in ReplicationController is not Supported"));
      }
    }
  }

  /** Whether every selector pair is among the labels. */
  public static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    if (labels == null) {
      return selector.isEmpty();
    }
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** The autoscaling/v1 Scale the replicationcontrollers/scale subresource shows for this controller. */
  public static ObjectNode scaleOf(ReplicationController rc) {
    ObjectNode scale = Json.MAPPER.createObjectNode();
    scale.put("kind", "Scale");
    scale.put("apiVersion", "autoscaling/v1");
    ObjectNode meta = scale.putObject("metadata");
    ObjectMeta m = rc.getMetadata();
    putIfSet(meta, "name", m.getName());
    putIfSet(meta, "namespace", m.getNamespace());
    putIfSet(meta, "uid", m.getUid());
    putIfSet(meta, "resourceVersion", m.getResourceVersion());
    putIfSet(meta, "creationTimestamp", m.getCreationTimestamp());
    int desired = rc.getSpec() == null || rc.getSpec().getReplicas() == null ? 0 : rc.getSpec().getReplicas();
    scale.putObject("spec").put("replicas", desired);
    ObjectNode st = scale.putObject("status");
    st.put("replicas", rc.getStatus() == null || rc.getStatus().getReplicas() == null ? 0 : rc.getStatus().getReplicas());
    Map<String, String> selector = rc.getSpec() == null ? null : rc.getSpec().getSelector();
    if (selector != null && !selector.isEmpty()) {
      StringBuilder b = new StringBuilder();
      for (Map.Entry<String, String> e : new TreeMap<>(selector).entrySet()) {
        if (b.length() > 0) {
          b.append(',');
        }
        b.append(e.getKey()).append('=').append(e.getValue());
      }
      st.put("selector", b.toString());
    }
    return scale;
  }

  /** The checks of a write to replicationcontrollers/scale: the wanted replicas. */
  public static List<FieldError> validateScale(Integer replicas) {
    if (replicas == null) {
      return List.of(FieldError.required("spec.replicas", ""));
    }
    if (replicas < 0) {
      return List.of(FieldError.invalid("spec.replicas", replicas, "must be greater than or equal to 0"));
    }
    return List.of();
  }

  private static void putIfSet(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }

  @Override
  public Strategy<ReplicationController> forStatus() {
    return status;
  }
}
