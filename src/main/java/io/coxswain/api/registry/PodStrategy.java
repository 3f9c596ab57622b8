package io.coxswain.api.registry;

import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Pods: spec defaults, validation of the spec, and which updates a running pod allows. */
public final class PodStrategy extends BaseStrategy<Pod> {
  public static final List<String> PHASES = List.of("Pending", "Running", "Succeeded", "Failed", "Unknown");
  /** How long a pod tolerates its node being not ready or unreachable, as the default admission gives it. */
  public static final long DEFAULT_TOLERATION_SECONDS = 300L;
  static final String UPDATE_FORBIDDEN = "pod updates may not change fields other than `spec.containers[*].image`,"
      + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing"
      + " tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

  private final PodStatusStrategy status = new PodStatusStrategy(this);

  public PodStrategy() {
    super(Pod.class, "pods", "Pod", true, NameRules::dns1123Subdomain);
  }

  @Override
  public void prepareForCreate(Pod pod) {
    PodStatus st = new PodStatus();
    st.setPhase("Pending");
    pod.setStatus(st);
    if (pod.getSpec() != null) {
      PodSpecDefaults.apply(pod.getSpec());
      PodSpecDefaults.applyAdmission(pod.getSpec());
      addDefaultTolerations(pod.getSpec());
      st.setQosClass(qosClass(pod.getSpec()));
    }
  }

  @Override
  public void prepareForUpdate(Pod pod, Pod old) {
    pod.setStatus(old.getStatus());
    PodSpecDefaults.apply(pod.getSpec());
    if (pod.getSpec() != null) {
      // admitted on updates too, as Kubernetes' default-toleration admission does: a pod replaced from its
      // manifest (which lacks them) keeps them, rather than failing as a removal of tolerations
      addDefaultTolerations(pod.getSpec());
    }
    if (pod.getSpec() != null && old.getSpec() != null) {
      // Set by admission on create; an update that leaves them out keeps them.
      if (pod.getSpec().getPriority() == null) {
        pod.getSpec().setPriority(old.getSpec().getPriority());
      }
      if (MetaValidation.isEmpty(pod.getSpec().getPreemptionPolicy())) {
        pod.getSpec().setPreemptionPolicy(old.getSpec().getPreemptionPolicy());
      }
    }
  }

  @Override
  protected void validateFields(Pod pod, List<FieldError> out) {
    PodSpecValidation.validate(pod.getSpec(), "spec", out);
  }

  @Override
  protected void validateFieldUpdate(Pod pod, Pod old, List<FieldError> out) {
    PodSpec spec = pod.getSpec();
    PodSpec oldSpec = old.getSpec();
    if (spec == null || oldSpec == null) {
      return;
    }
    Long deadline = spec.getActiveDeadlineSeconds();
    Long oldDeadline = oldSpec.getActiveDeadlineSeconds();
    if (oldDeadline != null) {
      if (deadline == null) {
        out.add(FieldError.invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
      } else if (deadline > oldDeadline) {
        out.add(FieldError.invalid("spec.activeDeadlineSeconds", deadline, "must be less than or equal to previous value"));
      }
    }
    if (!tolerationsOnlyAdded(spec.getTolerations(), oldSpec.getTolerations())) {
      out.add(FieldError.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
    }
    PodSpec masked = Json.copy(spec);
    List<Container> cs = PodSpecDefaults.nonNull(masked.getContainers());
    List<Container> oldCs = PodSpecDefaults.nonNull(oldSpec.getContainers());
    if (cs.size() == oldCs.size()) {
      for (int i = 0; i < cs.size(); i++) {
        cs.get(i).setImage(oldCs.get(i).getImage());
      }
    }
    List<Container> is = PodSpecDefaults.nonNull(masked.getInitContainers());
    List<Container> oldIs = PodSpecDefaults.nonNull(oldSpec.getInitContainers());
    if (is.size() == oldIs.size()) {
      for (int i = 0; i < is.size(); i++) {
        is.get(i).setImage(oldIs.get(i).getImage());
      }
    }
    masked.setActiveDeadlineSeconds(oldSpec.getActiveDeadlineSeconds());
    masked.setTolerations(oldSpec.getTolerations());
    Long grace = oldSpec.getTerminationGracePeriodSeconds();
    if (grace != null && grace < 0 && Long.valueOf(1).equals(spec.getTerminationGracePeriodSeconds())) {
      masked.setTerminationGracePeriodSeconds(grace);
    }
    if (!sameJson(masked, oldSpec)) {
      out.add(FieldError.forbidden("spec", UPDATE_FORBIDDEN));
    }
  }

  /** True when every old toleration is still there, NoExecute ones possibly with fewer seconds. */
  static boolean tolerationsOnlyAdded(List<Toleration> now, List<Toleration> before) {
    List<Toleration> remaining = new ArrayList<>(PodSpecDefaults.nonNull(now));
    for (Toleration old : PodSpecDefaults.nonNull(before)) {
      Toleration match = null;
      for (Toleration t : remaining) {
        if (Objects.equals(t.getKey(), old.getKey()) && Objects.equals(nz(t.getOperator()), nz(old.getOperator()))
            && Objects.equals(nz(t.getValue()), nz(old.getValue())) && Objects.equals(nz(t.getEffect()), nz(old.getEffect()))) {
          boolean secondsOk = Objects.equals(t.getTolerationSeconds(), old.getTolerationSeconds())
              || ("NoExecute".equals(t.getEffect()) && old.getTolerationSeconds() != null && t.getTolerationSeconds() != null
                  && t.getTolerationSeconds() <= old.getTolerationSeconds());
          if (secondsOk) {
            match = t;
            break;
          }
        }
      }
      if (match == null) {
        return false;
      }
      remaining.remove(match);
    }
    return true;
  }

  /** The not-ready and unreachable NoExecute tolerations a pod gets unless it has its own. */
  static void addDefaultTolerations(PodSpec spec) {
    List<Toleration> list = new ArrayList<>(PodSpecDefaults.nonNull(spec.getTolerations()));
    boolean changed = false;
    for (String key : List.of("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")) {
      boolean has = false;
      for (Toleration t : list) {
        boolean keyMatches = MetaValidation.isEmpty(t.getKey()) && "Exists".equals(t.getOperator()) || key.equals(t.getKey());
        boolean effectMatches = MetaValidation.isEmpty(t.getEffect()) || "NoExecute".equals(t.getEffect());
        if (keyMatches && effectMatches) {
          has = true;
        }
      }
      if (!has) {
        list.add(new TolerationBuilder().withKey(key).withOperator("Exists").withEffect("NoExecute")
            .withTolerationSeconds(DEFAULT_TOLERATION_SECONDS).build());
        changed = true;
      }
    }
    if (changed) {
      spec.setTolerations(list);
    }
  }

  /** The quality of service class Kubernetes derives from the containers' cpu and memory requests and limits. */
  public static String qosClass(PodSpec spec) {
    Map<String, BigDecimal> requests = new HashMap<>();
    Map<String, BigDecimal> limits = new HashMap<>();
    boolean guaranteed = true;
    List<Container> all = new ArrayList<>(PodSpecDefaults.nonNull(spec.getInitContainers()));
    all.addAll(PodSpecDefaults.nonNull(spec.getContainers()));
    for (Container c : all) {
      Map<String, Quantity> req = c.getResources() == null ? null : c.getResources().getRequests();
      Map<String, Quantity> lim = c.getResources() == null ? null : c.getResources().getLimits();
      sum(req, requests);
      int limited = sum(lim, limits);
      if (limited < 2) {
        guaranteed = false;
      }
    }
    if (requests.isEmpty() && limits.isEmpty()) {
      return "BestEffort";
    }
    if (guaranteed && requests.keySet().equals(limits.keySet())) {
      for (Map.Entry<String, BigDecimal> e : requests.entrySet()) {
        if (e.getValue().compareTo(limits.get(e.getKey())) != 0) {
          return "Burstable";
        }
      }
      return "Guaranteed";
    }
    return "Burstable";
  }

  /** Adds the non-zero cpu and memory amounts; returns how many of the two were there. */
  private static int sum(Map<String, Quantity> from, Map<String, BigDecimal> into) {
    int found = 0;
    if (from == null) {
      return 0;
    }
    for (String name : List.of("cpu", "memory")) {
      BigDecimal amount = PodSpecValidation.amount(from.get(name));
      if (amount != null && amount.signum() > 0) {
        into.merge(name, amount, BigDecimal::add);
        found++;
      }
    }
    return found;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  @Override
  public Strategy<Pod> forStatus() {
    return status;
  }
}
