package io.coxswain.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * The iptables commands of the proxy's iptables mode, built as argument lists (nothing runs here). All rules
 * live in the nat table in one chain, {@value #CHAIN}, jumped to from OUTPUT (connections made on this host)
 * and PREROUTING (connections arriving from containers and other hosts). Each proxied port has one rule
 * redirecting clusterIP:port to the local port the proxy listens on for it.
 */
public final class IptablesRules {
  public static final String CHAIN = "COXSWAIN-SERVICES";
  static final String JUMP_COMMENT = "coxswain service portals";

  private final String iptables;

  /** @param iptables the command to run, usually {@code iptables} (or a full path). */
  public IptablesRules(String iptables) {
    this.iptables = iptables;
  }

  /**
   * Creates the chain (the first command fails harmlessly when it exists), empties it of rules a previous run
   * left, and makes OUTPUT and PREROUTING jump to it exactly once (each jump is deleted, which may fail
   * harmlessly, then inserted first).
   */
  public List<List<String>> setup() {
    List<List<String>> out = new ArrayList<>();
    out.add(nat("-N", CHAIN));
    out.add(nat("-F", CHAIN));
    for (String chain : List.of("OUTPUT", "PREROUTING")) {
      out.add(jump("-D", chain));
      out.add(jump("-I", chain));
    }
    return out;
  }

  /** Removes the jumps and the chain with every rule in it. */
  public List<List<String>> teardown() {
    List<List<String>> out = new ArrayList<>();
    for (String chain : List.of("OUTPUT", "PREROUTING")) {
      out.add(jump("-D", chain));
    }
    out.add(nat("-F", CHAIN));
    out.add(nat("-X", CHAIN));
    return out;
  }

  /** Adds the rule sending {@code clusterIp:port} to {@code localPort} on this host. */
  public List<String> addRedirect(ServicePortKey key, String clusterIp, int port, int localPort) {
    return redirect("-A", key, clusterIp, port, localPort);
  }

  /** Deletes the rule {@link #addRedirect} added (the same arguments). */
  public List<String> deleteRedirect(ServicePortKey key, String clusterIp, int port, int localPort) {
    return redirect("-D", key, clusterIp, port, localPort);
  }

  private List<String> redirect(String op, ServicePortKey key, String clusterIp, int port, int localPort) {
    if (!clusterIp.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
      throw new IllegalArgumentException("cluster IP of " + key + " is not an IPv4 address: " + clusterIp);
    }
    List<String> cmd = nat(op, CHAIN);
    cmd.addAll(List.of("-p", key.protocol().toLowerCase(), "-d", clusterIp + "/32", "--dport", Integer.toString(port),
        "-m", "comment", "--comment", key.toString(),
        "-j", "REDIRECT", "--to-ports", Integer.toString(localPort)));
    return cmd;
  }

  private List<String> jump(String op, String chain) {
    List<String> cmd = nat(op, chain);
    cmd.addAll(List.of("-m", "comment", "--comment", JUMP_COMMENT, "-j", CHAIN));
    return cmd;
  }

  private List<String> nat(String op, String chain) {
    return new ArrayList<>(List.of(iptables, "-w", "-t", "nat", op, chain));
  }
}
