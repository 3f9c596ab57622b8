package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import java.util.List;

/** replicationcontrollers/status: the replication manager's counts; the spec is kept. */
public final class ReplicationControllerStatusStrategy extends BaseStrategy<ReplicationController> {
  private final ReplicationControllerStrategy spec;

  ReplicationControllerStatusStrategy(ReplicationControllerStrategy spec) {
    super(ReplicationController.class, "replicationcontrollers", "ReplicationController", true,
        NameRules::dns1123Subdomain);
    this.spec = spec;
  }

  @Override
  public void prepareForCreate(ReplicationController rc) {
    spec.prepareForCreate(rc);
  }

  @Override
  public void prepareForUpdate(ReplicationController rc, ReplicationController old) {
    rc.setSpec(old.getSpec());
  }

  @Override
  protected void validateFields(ReplicationController rc, List<FieldError> out) {
    ReplicationControllerStatus st = rc.getStatus();
    if (st == null) {
      return;
    }
    nonNegative(st.getReplicas(), "status.replicas", out);
    nonNegative(st.getFullyLabeledReplicas(), "status.fullyLabeledReplicas", out);
    nonNegative(st.getReadyReplicas(), "status.readyReplicas", out);
    nonNegative(st.getAvailableReplicas(), "status.availableReplicas", out);
    if (st.getObservedGeneration() != null && st.getObservedGeneration() < 0) {
      out.add(FieldError.invalid("status.observedGeneration", st.getObservedGeneration(), "must be greater than or equal to 0"));
    }
    int replicas = st.getReplicas() == null ? 0 : st.getReplicas();
    int ready = st.getReadyReplicas() == null ? 0 : st.getReadyReplicas();
    int available = st.getAvailableReplicas() == null ? 0 : st.getAvailableReplicas();
    int labeled = st.getFullyLabeledReplicas() == null ? 0 : st.getFullyLabeledReplicas();
    if (labeled > replicas) {
      out.add(FieldError.invalid("status.fullyLabeledReplicas", labeled, "cannot be greater than status.replicas"));
    }
    if (ready > replicas) {
      out.add(FieldError.invalid("status.readyReplicas", ready, "cannot be greater than status.replicas"));
    }
    if (available > replicas) {
      out.add(FieldError.invalid("status.availableReplicas", available, "cannot be greater than status.replicas"));
    }
    if (available > ready) {
      out.add(FieldError.invalid("status.availableReplicas", available, "cannot be greater than readyReplicas"));
    }
  }

  private static void nonNegative(Integer value, String path, List<FieldError> out) {
    if (value != null && value < 0) {
      out.add(FieldError.invalid(path, value, "must be greater than or equal to 0"));
    }
  }

  @Override
  public boolean specChanged(ReplicationController rc, ReplicationController old) {
    return false;
  }

  @Override
  public Strategy<ReplicationController> forStatus() {
    return this;
  }
}
