package io.coxswain.proxy;

import java.util.Locale;

/** How clients reach a cluster IP (the {@code --proxy-mode} flag). */
public enum ProxyMode {
  /** Cluster IPs are in 127.0.0.0/8; the proxy binds clusterIP:port itself. One host only. */
  LOOPBACK,
  /**
   * Cluster IPs from any range; the proxy listens on local ports and iptables REDIRECT rules send
   * clusterIP:port there (the original Kubernetes userspace proxy).
   */
  USERSPACE,
  /**
   * No proxy process in the data path: iptables DNAT rules send clusterIP:port and node ports straight to
   * the endpoints, balanced by the kernel (Kubernetes' iptables mode). Any cluster IP range.
   */
  IPTABLES;

  /** Parses {@code loopback}, {@code userspace} or {@code iptables} (any case); a clear error for anything else. */
  public static ProxyMode parse(String value) {
    if (value != null) {
      for (ProxyMode m : values()) {
        if (m.name().equalsIgnoreCase(value.trim())) {
          return m;
        }
      }
    }
    throw new IllegalArgumentException("--proxy-mode must be loopback, userspace or iptables, not '" + value + "'");
  }

  public String flagValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
