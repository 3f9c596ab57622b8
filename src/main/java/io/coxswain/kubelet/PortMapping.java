package io.coxswain.kubelet;

/**
 * A container port to publish on the node.
 *
 * @param name          the port's name in the pod spec, or null
 * @param containerPort the port inside the pod
 * @param protocol      TCP or UDP
 * @param hostPort      the node port asked for, or 0 for one the engine picks
 * @param hostIp        the node address to publish on (e.g. 127.0.0.2)
 */
public record PortMapping(String name, int containerPort, String protocol, int hostPort, String hostIp) {
  public PortMapping {
    protocol = protocol == null || protocol.isBlank() ? "TCP" : protocol.toUpperCase(java.util.Locale.ROOT);
  }
}
