package io.coxswain.proxy;

/**
 * What {@code --proxy-mode=auto} (the default) becomes on a node, decided once at start: {@code iptables}, the
 * fastest mode and Kubernetes' default, when the process can change the host's firewall (effective uid 0 and
 * an {@code iptables} that answers), otherwise {@code loopback}, which needs no privilege. Pure: the caller
 * finds out the uid and runs the probe ({@link IptablesProbe}).
 */
public final class AutoProxyMode {
  private AutoProxyMode() {}

  /** What the probe of iptables found: usable or not, the version it printed, or why it is not usable. */
  public record Probe(boolean usable, String version, String problem) {
    public static Probe usable(String version) {
      return new Probe(true, version, "");
    }

    public static Probe unusable(String problem) {
      return new Probe(false, "", problem);
    }
  }

  /** The mode chosen and why, in words for the node's log. */
  public record Choice(ProxyMode mode, String reason) {
    /** The log line: {@code proxy mode auto: iptables (running as root with iptables v1.8.9 (nf_tables))}. */
    public String describe() {
      return "proxy mode auto: " + mode.flagValue() + " (" + reason + ")";
    }
  }

  /**
   * @param effectiveUid the process's effective uid (-1: unknown, taken as not root)
   * @param probe        the iptables probe's result; only looked at when running as root (may be null otherwise)
   */
  public static Choice choose(int effectiveUid, Probe probe) {
    if (effectiveUid != 0) {
      String who = effectiveUid < 0 ? "the effective uid is unknown" : "not root (uid " + effectiveUid + ")";
      return new Choice(ProxyMode.LOOPBACK, who + "; iptables mode needs root");
    }
    if (probe == null || !probe.usable()) {
      String why = probe == null || probe.problem().isBlank() ? "it was not probed" : probe.problem();
      return new Choice(ProxyMode.LOOPBACK, "running as root but iptables is not usable: " + why);
    }
    String version = probe.version().isBlank() ? "iptables" : probe.version();
    return new Choice(ProxyMode.IPTABLES, "running as root with " + version);
  }

  /**
   * The effective uid from the text of {@code /proc/self/status} (its {@code Uid:} line: real, effective,
   * saved, filesystem), or -1 when there is none.
   */
  public static int effectiveUid(String procStatus) {
    if (procStatus == null) {
      return -1;
    }
    for (String line : procStatus.split("\n")) {
      if (line.startsWith("Uid:")) {
        String[] ids = line.substring(4).trim().split("\\s+");
        if (ids.length >= 2) {
          try {
            return Integer.parseInt(ids[1]);
          } catch (NumberFormatException e) {
            return -1;
          }
        }
      }
    }
    return -1;
  }
}
