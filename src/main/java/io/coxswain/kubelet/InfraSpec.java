package io.coxswain.kubelet;

import java.util.List;

/**
 * A pod's infra container: holds the network namespace the pod's containers join and publishes the pod's
 * ports on the node.
 *
 * @param pod          the pod
 * @param nodeName     this node (a label, so each node adopts only its own containers)
 * @param hostname     the pod's hostname (ignored with host networking)
 * @param hostNetwork  use the node's network namespace (ports are then not published: they are the node's)
 * @param ports        the ports to publish
 * @param graceSeconds the pod's termination grace period (kept as a label for orphan clean-up)
 */
public record InfraSpec(PodRef pod, String nodeName, String hostname, boolean hostNetwork,
    List<PortMapping> ports, long graceSeconds) {
  public InfraSpec {
    ports = ports == null ? List.of() : List.copyOf(ports);
  }
}
