package io.coxswain.proxy;

import java.util.Locale;

/** How clients reach a cluster IP (the {@code --proxy-mode} flag, once {@code auto} is resolved). */
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

  /** The flag's default: resolved at minion start by {@link AutoProxyMode}. */
  public static final String AUTO = "auto";

  /** Parses {@code loopback}, {@code userspace} or {@code iptables} (any case); a clear error for anything else. */
  public static ProxyMode parse(String value) {
    if (value != null) {
      for (ProxyMode m : values()) {
        if (m.name().equalsIgnoreCase(value.trim())) {
          return m;
        }
      }
    }
    throw new IllegalArgumentException(invalid(value));
  }

  /** Whether {@code value} is a valid {@code --proxy-mode}: {@code auto} or one of the modes, as written here. */
  public static boolean isFlagValue(String value) {
    if (AUTO.equals(value)) {
      return true;
    }
    for (ProxyMode m : values()) {
      if (m.flagValue().equals(value)) {
        return true;
      }
    }
    return false;
  }

  /** The one-line error for a bad {@code --proxy-mode}. */
  public static String invalid(String value) {
    return "--proxy-mode must be auto, loopback, userspace or iptables, not '" + value + "'";
  }

  public String flagValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
