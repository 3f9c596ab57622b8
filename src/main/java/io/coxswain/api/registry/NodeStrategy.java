package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Nodes: registered by the kubelet with their status; spec updates (taints, unschedulable) keep the
 * status, status updates keep the spec.
 */
public final class NodeStrategy extends BaseStrategy<Node> {
  private final NodeStatusStrategy status = new NodeStatusStrategy(this);

  public NodeStrategy() {
    super(Node.class, "nodes", "Node", false, NameRules::dns1123Subdomain);
  }

  @Override
  public void prepareForCreate(Node node) {
    applyDefaults(node);
  }

  @Override
  public void prepareForUpdate(Node node, Node old) {
    node.setStatus(old.getStatus());
    applyDefaults(node);
  }

  /** Allocatable defaults to capacity; podCIDRs and podCIDR mirror each other. */
  public static void applyDefaults(Node node) {
    NodeStatus st = node.getStatus();
    if (st != null && st.getCapacity() != null && (st.getAllocatable() == null || st.getAllocatable().isEmpty())) {
      st.setAllocatable(new LinkedHashMap<>(st.getCapacity()));
    }
    NodeSpec spec = node.getSpec();
    if (spec == null) {
      node.setSpec(new NodeSpec());
      spec = node.getSpec();
    }
    if (!MetaValidation.isEmpty(spec.getPodCIDR()) && PodSpecDefaults.nonNull(spec.getPodCIDRs()).isEmpty()) {
      spec.setPodCIDRs(new java.util.ArrayList<>(List.of(spec.getPodCIDR())));
    } else if (MetaValidation.isEmpty(spec.getPodCIDR()) && !PodSpecDefaults.nonNull(spec.getPodCIDRs()).isEmpty()) {
      spec.setPodCIDR(spec.getPodCIDRs().get(0));
    }
  }

  @Override
  protected void validateFields(Node node, List<FieldError> out) {
    NodeSpec spec = node.getSpec();
    if (spec != null) {
      List<String> cidrs = PodSpecDefaults.nonNull(spec.getPodCIDRs());
      for (int i = 0; i < cidrs.size(); i++) {
        if (!NameRules.isCidr(cidrs.get(i))) {
          out.add(FieldError.invalid("spec.podCIDRs[" + i + "]", cidrs.get(i), "must be a valid CIDR"));
        }
      }
      if (!cidrs.isEmpty() && !MetaValidation.isEmpty(spec.getPodCIDR()) && !cidrs.get(0).equals(spec.getPodCIDR())) {
        out.add(FieldError.invalid("spec.podCIDRs", cidrs, "first value must match `podCIDR`"));
      }
      List<Taint> taints = PodSpecDefaults.nonNull(spec.getTaints());
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < taints.size(); i++) {
        Taint t = taints.get(i);
        String f = "spec.taints[" + i + "]";
        if (MetaValidation.isEmpty(t.getKey())) {
          out.add(FieldError.required(f + ".key", ""));
        } else {
          for (String msg : NameRules.qualifiedName(t.getKey())) {
            out.add(FieldError.invalid(f + ".key", t.getKey(), msg));
          }
        }
        if (!MetaValidation.isEmpty(t.getValue())) {
          for (String msg : NameRules.labelValue(t.getValue())) {
            out.add(FieldError.invalid(f + ".value", t.getValue(), msg));
          }
        }
        PodSpecValidation.oneOf(t.getEffect(), f + ".effect", PodSpecValidation.TAINT_EFFECTS, true, out);
        if (!seen.add(t.getKey() + ":" + t.getEffect())) {
          out.add(new FieldError(FieldError.Type.DUPLICATE, f, t.getKey() + ":" + t.getEffect(),
              "taints must be unique by key and effect pair"));
        }
      }
    }
    validateStatus(node.getStatus(), out);
  }

  static void validateStatus(NodeStatus st, List<FieldError> out) {
    if (st == null) {
      return;
    }
    resources(st.getCapacity(), "status.capacity", out);
    resources(st.getAllocatable(), "status.allocatable", out);
  }

  private static void resources(Map<String, Quantity> map, String path, List<FieldError> out) {
    if (map == null) {
      return;
    }
    for (Map.Entry<String, Quantity> e : map.entrySet()) {
      BigDecimal amount = PodSpecValidation.amount(e.getValue());
      String f = path + "[" + e.getKey() + "]";
      if (amount == null) {
        out.add(FieldError.invalid(f, String.valueOf(e.getValue()), "must be a valid quantity"));
      } else if (amount.signum() < 0) {
        out.add(FieldError.invalid(f, e.getValue().toString(), "must be greater than or equal to 0"));
      }
    }
  }

  @Override
  protected void validateFieldUpdate(Node node, Node old, List<FieldError> out) {
    NodeSpec spec = node.getSpec() == null ? new NodeSpec() : node.getSpec();
    NodeSpec oldSpec = old.getSpec() == null ? new NodeSpec() : old.getSpec();
    List<String> oldCidrs = PodSpecDefaults.nonNull(oldSpec.getPodCIDRs());
    if (!oldCidrs.isEmpty() && !Objects.equals(oldCidrs, PodSpecDefaults.nonNull(spec.getPodCIDRs()))) {
      out.add(FieldError.forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"));
    }
    if (!MetaValidation.isEmpty(oldSpec.getProviderID()) && !oldSpec.getProviderID().equals(spec.getProviderID())) {
      out.add(FieldError.forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"));
    }
  }

  @Override
  public Strategy<Node> forStatus() {
    return status;
  }
}
