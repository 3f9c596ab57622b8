package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** pods/status: the kubelet's writes. Keeps the spec and the owner references; checks the status. */
public final class PodStatusStrategy extends BaseStrategy<Pod> {
  private final PodStrategy spec;

  PodStatusStrategy(PodStrategy spec) {
    super(Pod.class, "pods", "Pod", true, NameRules::dns1123Subdomain);
    this.spec = spec;
  }

  @Override
  public void prepareForCreate(Pod pod) {
    spec.prepareForCreate(pod);
  }

  @Override
  public void prepareForUpdate(Pod pod, Pod old) {
    pod.setSpec(old.getSpec());
    pod.getMetadata().setOwnerReferences(old.getMetadata().getOwnerReferences());
  }

  @Override
  protected void validateFields(Pod pod, List<FieldError> out) {
    PodStatus st = pod.getStatus();
    if (st == null) {
      return;
    }
    if (!MetaValidation.isEmpty(st.getPhase()) && !PodStrategy.PHASES.contains(st.getPhase())) {
      out.add(FieldError.notSupported("status.phase", st.getPhase(), PodStrategy.PHASES));
    }
    if (!MetaValidation.isEmpty(st.getNominatedNodeName())) {
      for (String msg : NameRules.dns1123Subdomain(st.getNominatedNodeName())) {
        out.add(FieldError.invalid("status.nominatedNodeName", st.getNominatedNodeName(), msg));
      }
    }
    statuses(st.getContainerStatuses(), "status.containerStatuses", out);
    statuses(st.getInitContainerStatuses(), "status.initContainerStatuses", out);
    if (!MetaValidation.isEmpty(st.getPodIP()) && !NameRules.isIp(st.getPodIP())) {
      out.add(FieldError.invalid("status.podIP", st.getPodIP(), "must be a valid IP address"));
    }
    if (!MetaValidation.isEmpty(st.getHostIP()) && !NameRules.isIp(st.getHostIP())) {
      out.add(FieldError.invalid("status.hostIP", st.getHostIP(), "must be a valid IP address"));
    }
    List<PodIP> ips = PodSpecDefaults.nonNull(st.getPodIPs());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < ips.size(); i++) {
      String ip = ips.get(i).getIp();
      if (!NameRules.isIp(ip)) {
        out.add(FieldError.invalid("status.podIPs[" + i + "].ip", ip, "must be a valid IP address"));
      } else if (!seen.add(ip)) {
        out.add(FieldError.duplicate("status.podIPs[" + i + "].ip", ip));
      }
    }
    if (!ips.isEmpty() && !MetaValidation.isEmpty(st.getPodIP()) && !st.getPodIP().equals(ips.get(0).getIp())) {
      out.add(FieldError.invalid("status.podIPs", ips.get(0).getIp(), "must match status.podIP as its first entry"));
    }
  }

  private static void statuses(List<ContainerStatus> list, String path, List<FieldError> out) {
    List<ContainerStatus> all = PodSpecDefaults.nonNull(list);
    for (int i = 0; i < all.size(); i++) {
      Integer restarts = all.get(i).getRestartCount();
      if (restarts != null && restarts < 0) {
        out.add(FieldError.invalid(path + "[" + i + "].restartCount", restarts, "must be greater than or equal to 0"));
      }
    }
  }

  @Override
  protected void validateFieldUpdate(Pod pod, Pod old, List<FieldError> out) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    String oldPhase = old.getStatus() == null ? null : old.getStatus().getPhase();
    if (terminal(oldPhase) && !terminal(phase)) {
      out.add(FieldError.forbidden("status.phase", "may not transition from the terminal phase " + oldPhase));
    } else if (terminal(oldPhase) && !oldPhase.equals(phase)) {
      out.add(FieldError.forbidden("status.phase", "may not transition from the terminal phase " + oldPhase));
    }
  }

  private static boolean terminal(String phase) {
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  @Override
  public boolean specChanged(Pod pod, Pod old) {
    return false;
  }

  @Override
  public Strategy<Pod> forStatus() {
    return this;
  }
}
