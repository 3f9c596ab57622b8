package io.coxswain.proxy;

import java.util.List;

/**
 * What the proxy serves for one service port: where it listens (cluster IP and port, and the node port when
 * not 0), how it keeps clients on a backend ({@code affinitySeconds} 0: no affinity), and the ready backends.
 */
public record ServicePortSpec(ServicePortKey key, String clusterIp, int port, int nodePort, int affinitySeconds,
                              List<Backend> backends) {
  public ServicePortSpec {
    backends = List.copyOf(backends);
  }

  /** Whether {@code other} listens on the same addresses and ports (if not, the listeners must be rebound). */
  public boolean sameListeners(ServicePortSpec other) {
    return clusterIp.equals(other.clusterIp) && port == other.port && nodePort == other.nodePort;
  }

  public boolean udp() {
    return "UDP".equals(key.protocol());
  }
}
