package io.coxswain.api.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The defaults Kubernetes gives a pod spec (a pod's, or a replication controller's template's). */
public final class PodSpecDefaults {
  public static final String DEFAULT_SCHEDULER = "default-scheduler";
  public static final long DEFAULT_GRACE_SECONDS = 30L;
  public static final String TERMINATION_MESSAGE_PATH = "/dev/termination-log";
  private static final int DEFAULT_MODE = 0644;

  private PodSpecDefaults() {}

  public static void apply(PodSpec spec) {
    if (spec == null) {
      return;
    }
    if (isEmpty(spec.getDnsPolicy())) {
      spec.setDnsPolicy("ClusterFirst");
    }
    if (isEmpty(spec.getRestartPolicy())) {
      spec.setRestartPolicy("Always");
    }
    if (spec.getTerminationGracePeriodSeconds() == null) {
      spec.setTerminationGracePeriodSeconds(DEFAULT_GRACE_SECONDS);
    }
    if (spec.getSecurityContext() == null) {
      spec.setSecurityContext(new PodSecurityContext());
    }
    if (isEmpty(spec.getSchedulerName())) {
      spec.setSchedulerName(DEFAULT_SCHEDULER);
    }
    if (spec.getEnableServiceLinks() == null) {
      spec.setEnableServiceLinks(true);
    }
    boolean hostNetwork = Boolean.TRUE.equals(spec.getHostNetwork());
    for (Container c : nonNull(spec.getInitContainers())) {
      container(c, hostNetwork);
    }
    for (Container c : nonNull(spec.getContainers())) {
      container(c, hostNetwork);
    }
    for (Volume v : nonNull(spec.getVolumes())) {
      volume(v);
    }
  }

  /** Admission defaults a created pod gets besides the spec defaults: priority and preemption policy. */
  public static void applyAdmission(PodSpec spec) {
    if (spec.getPriority() == null) {
      spec.setPriority(0);
    }
    if (isEmpty(spec.getPreemptionPolicy())) {
      spec.setPreemptionPolicy("PreemptLowerPriority");
    }
  }

  static void container(Container c, boolean hostNetwork) {
    if (isEmpty(c.getImagePullPolicy())) {
      c.setImagePullPolicy(pullPolicyFor(c.getImage()));
    }
    if (isEmpty(c.getTerminationMessagePath())) {
      c.setTerminationMessagePath(TERMINATION_MESSAGE_PATH);
    }
    if (isEmpty(c.getTerminationMessagePolicy())) {
      c.setTerminationMessagePolicy("File");
    }
    for (ContainerPort p : nonNull(c.getPorts())) {
      if (isEmpty(p.getProtocol())) {
        p.setProtocol("TCP");
      }
      if (hostNetwork && (p.getHostPort() == null || p.getHostPort() == 0)) {
        p.setHostPort(p.getContainerPort());
      }
    }
    if (c.getResources() == null) {
      c.setResources(new ResourceRequirements());
    }
    ResourceRequirements r = c.getResources();
    if (r.getLimits() != null && !r.getLimits().isEmpty()) {
      Map<String, Quantity> requests = r.getRequests() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(r.getRequests());
      for (Map.Entry<String, Quantity> e : r.getLimits().entrySet()) {
        requests.putIfAbsent(e.getKey(), e.getValue());
      }
      r.setRequests(requests);
    }
    for (EnvVar e : nonNull(c.getEnv())) {
      if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null
          && isEmpty(e.getValueFrom().getFieldRef().getApiVersion())) {
        e.getValueFrom().getFieldRef().setApiVersion("v1");
      }
    }
    probe(c.getLivenessProbe());
    probe(c.getReadinessProbe());
    probe(c.getStartupProbe());
  }

  static void probe(Probe p) {
    if (p == null) {
      return;
    }
    if (p.getTimeoutSeconds() == null || p.getTimeoutSeconds() == 0) {
      p.setTimeoutSeconds(1);
    }
    if (p.getPeriodSeconds() == null || p.getPeriodSeconds() == 0) {
      p.setPeriodSeconds(10);
    }
    if (p.getSuccessThreshold() == null || p.getSuccessThreshold() == 0) {
      p.setSuccessThreshold(1);
    }
    if (p.getFailureThreshold() == null || p.getFailureThreshold() == 0) {
      p.setFailureThreshold(3);
    }
    if (p.getHttpGet() != null) {
      if (isEmpty(p.getHttpGet().getPath())) {
        p.getHttpGet().setPath("/");
      }
      if (isEmpty(p.getHttpGet().getScheme())) {
        p.getHttpGet().setScheme("HTTP");
      }
    }
  }

  static void volume(Volume v) {
    JsonNode tree = Json.MAPPER.valueToTree(v);
    if (tree.size() == 1 && tree.has("name") || tree.size() == 0) {
      v.setEmptyDir(new EmptyDirVolumeSource());
    }
    if (v.getSecret() != null && v.getSecret().getDefaultMode() == null) {
      v.getSecret().setDefaultMode(DEFAULT_MODE);
    }
    if (v.getConfigMap() != null && v.getConfigMap().getDefaultMode() == null) {
      v.getConfigMap().setDefaultMode(DEFAULT_MODE);
    }
    if (v.getDownwardAPI() != null && v.getDownwardAPI().getDefaultMode() == null) {
      v.getDownwardAPI().setDefaultMode(DEFAULT_MODE);
    }
    if (v.getProjected() != null && v.getProjected().getDefaultMode() == null) {
      v.getProjected().setDefaultMode(DEFAULT_MODE);
    }
    if (v.getHostPath() != null && v.getHostPath().getType() == null) {
      v.getHostPath().setType("");
    }
  }

  /** Always for images tagged latest or not tagged at all, else IfNotPresent. */
  public static String pullPolicyFor(String image) {
    if (image == null || image.isEmpty()) {
      return "IfNotPresent";
    }
    String ref = image;
    boolean digest = false;
    int at = ref.indexOf('@');
    if (at >= 0) {
      digest = true;
      ref = ref.substring(0, at);
    }
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    String tag = colon > slash ? ref.substring(colon + 1) : "";
    if (tag.isEmpty() && !digest) {
      tag = "latest";
    }
    return "latest".equals(tag) ? "Always" : "IfNotPresent";
  }

  static <E> List<E> nonNull(List<E> list) {
    return list == null ? List.of() : list;
  }

  static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
