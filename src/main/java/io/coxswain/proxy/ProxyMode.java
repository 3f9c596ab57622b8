package io.coxswain.proxy;

import java.util.Locale;

/** How clients reach a cluster IP (the {@code --proxy-mode} flag). */
public enum ProxyMode {
  /** Cluster IPs are in 127.0.0.0/8; the proxy binds clusterIP:port itself. One host only. */
  LOOPBACK,
  /** Cluster IPs from any range; the proxy listens on local ports and iptables redirects clusterIP:port there. */
  IPTABLES;

  /** Parses {@code loopback} or {@code iptables} (any case); a clear error for anything else. */
  public static ProxyMode parse(String value) {
    if (value != null) {
      for (ProxyMode m : values()) {
        if (m.name().equalsIgnoreCase(value.trim())) {
          return m;
        }
      }
    }
    throw new IllegalArgumentException("--proxy-mode must be loopback or iptables, not '" + value + "'");
  }

  public String flagValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
