package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.Node;
import java.util.List;

/** nodes/status: the kubelet's heartbeat, conditions, capacity and addresses; the spec is kept. */
public final class NodeStatusStrategy extends BaseStrategy<Node> {
  private final NodeStrategy spec;

  NodeStatusStrategy(NodeStrategy spec) {
    super(Node.class, "nodes", "Node", false, NameRules::dns1123Subdomain);
    this.spec = spec;
  }

  @Override
  public void prepareForCreate(Node node) {
    spec.prepareForCreate(node);
  }

  @Override
  public void prepareForUpdate(Node node, Node old) {
    node.setSpec(old.getSpec());
    NodeStrategy.applyDefaults(node);
  }

  @Override
  protected void validateFields(Node node, List<FieldError> out) {
    NodeStrategy.validateStatus(node.getStatus(), out);
  }

  @Override
  public boolean specChanged(Node node, Node old) {
    return false;
  }

  @Override
  public Strategy<Node> forStatus() {
    return this;
  }
}
