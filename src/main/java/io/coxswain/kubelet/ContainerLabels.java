package io.coxswain.kubelet;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The labels every container Coxswain creates carries. They are the kubelet's only memory: after a
 * restart it lists its node's containers by label and adopts them.
 */
public final class ContainerLabels {
  public static final String MANAGED = "io.coxswain.managed";
  public static final String NODE = "io.coxswain.node";
  public static final String POD_UID = "io.coxswain.pod.uid";
  public static final String POD_NAMESPACE = "io.coxswain.pod.namespace";
  public static final String POD_NAME = "io.coxswain.pod.name";
  public static final String CONTAINER_NAME = "io.coxswain.container.name";
  public static final String ROLE = "io.coxswain.container.role";
  public static final String RESTART_COUNT = "io.coxswain.container.restart-count";
  public static final String SPEC_HASH = "io.coxswain.container.hash";
  public static final String GRACE_SECONDS = "io.coxswain.pod.termination-grace-seconds";

  /** The container name infra containers carry. */
  public static final String INFRA_CONTAINER_NAME = "POD";

  private ContainerLabels() {}

  /** The labels of one container of a pod. */
  public static Map<String, String> of(PodRef pod, String nodeName, String containerName, Role role,
      int restartCount, String specHash, long graceSeconds) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED, "true");
    labels.put(NODE, nodeName);
    labels.put(POD_UID, pod.uid());
    labels.put(POD_NAMESPACE, pod.namespace());
    labels.put(POD_NAME, pod.name());
    labels.put(CONTAINER_NAME, containerName);
    labels.put(ROLE, role.label());
    labels.put(RESTART_COUNT, Integer.toString(restartCount));
    labels.put(SPEC_HASH, specHash == null ? "" : specHash);
    labels.put(GRACE_SECONDS, Long.toString(graceSeconds));
    return labels;
  }

  /** Infra (network namespace holder) or app (a container of the pod spec). */
  public enum Role {
    INFRA, APP;

    public String label() {
      return this == INFRA ? "infra" : "app";
    }

    public static Role ofLabel(String value) {
      return "infra".equals(value) ? INFRA : APP;
    }
  }
}
