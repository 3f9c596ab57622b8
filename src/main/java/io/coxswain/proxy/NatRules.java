package io.coxswain.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The rules of the iptables proxy mode, rendered as {@code iptables-restore --noflush} input (nothing runs
 * here). The kernel does the forwarding: a connection (or UDP flow) to clusterIP:port, or to any local
 * address at a node port, is DNATed to one ready endpoint chosen at random with equal odds (each endpoint
 * chain is reached with probability 1/(n-i) after the i before it declined), kept on it by conntrack for
 * its lifetime; with {@code sessionAffinity: ClientIP} the {@code recent} match sends a client back to the
 * endpoint it had for the affinity timeout. A service port with no ready endpoint is rejected at once
 * (TCP reset / ICMP port unreachable) in the filter table.
 *
 * <p>Every chain of one node starts with {@code CXS-<tag>}, the tag being a hash of the node name, so that
 * several nodes on one host (a try-out) keep their own rules and one node's restart replaces only its own.
 * The top chains {@code CXS-<tag>} (nat, jumped to from OUTPUT and PREROUTING) and {@code CXS-<tag>-REJ}
 * (filter, from OUTPUT, INPUT and FORWARD) are rewritten whole by each render; per-service and per-endpoint
 * chains are declared (thus emptied) and filled, and chains of the previous render that are gone are
 * emptied and deleted in the same atomic restore.
 *
 * <p>Cluster IPs in 127.0.0.0/8 (the default range) are reached from the host's own processes with a
 * loopback source address; DNATed to an endpoint that is not on this host (a pod on another node, or what a
 * selector-less service points at), such a packet would leave with a source nobody can answer, and the
 * kernel drops it unless {@code route_localnet} is on ({@link NatProxy} turns it on). The node's
 * {@code CXS-<tag>-POST} chain (nat, from POSTROUTING) therefore masquerades connections from 127.0.0.0/8
 * that were DNATed to a destination outside it, and the filter chain first drops packets for 127.0.0.0/8
 * that do not come from it (what {@code route_localnet} would otherwise let in from the network), as
 * Kubernetes does for its localhost node ports.
 */
public final class NatRules {
  /** The parts of iptables this mode touches: jumps into the node's top chains. */
  public record Jump(String table, String from, String to) {}

  /** Every chain of every node starts with this. */
  public static final String PREFIX = "CXS-";
  /**
   * An empty nat chain, no node's own, that exists while route_localnet is on because a node turned it on
   * (see {@link NatProxy}).
   */
  public static final String LOCALNET_MARK = PREFIX + "LOCALNET";

  private final String tag;

  /** @param nodeName the node whose rules these are */
  public NatRules(String nodeName) {
    this.tag = PREFIX + hash(nodeName).substring(0, 6);
  }

  /** The node's nat top chain. */
  public String natChain() {
    return tag;
  }

  /** The node's filter chain (rejections of ports without endpoints). */
  public String rejectChain() {
    return tag + "-REJ";
  }

  /** The node's nat chain after routing (masquerade of DNATed loopback connections), from POSTROUTING. */
  public String postChain() {
    return tag + "-POST";
  }

  /** Whether a chain name is one of this node's. */
  public boolean owns(String chain) {
    return chain.equals(tag) || chain.startsWith(tag + "-");
  }

  /** The jumps the top chains need (inserted once at start, removed at stop). */
  public List<Jump> jumps() {
    return List.of(new Jump("nat", "OUTPUT", natChain()), new Jump("nat", "PREROUTING", natChain()),
        new Jump("nat", "POSTROUTING", postChain()), new Jump("filter", "OUTPUT", rejectChain()), new Jump("filter", "INPUT", rejectChain()),
        new Jump("filter", "FORWARD", rejectChain()));
  }

  /** A render: the restore input and the per-service chains it created (the next render deletes the gone). */
  public record Render(String restoreInput, Set<String> chains) {}

  /**
   * The restore input making the node's rules exactly {@code ports}.
   *
   * @param previous chains of the previous render (or found at start) that may have to go
   */
  public Render render(Collection<ServicePortSpec> ports, Set<String> previous) {
    List<ServicePortSpec> sorted = new ArrayList<>(ports);
    sorted.sort((a, b) -> a.key().toString().compareTo(b.key().toString()));
    Set<String> chains = new LinkedHashSet<>();
    List<String> nat = new ArrayList<>();
    List<String> portals = new ArrayList<>();
    List<String> nodePorts = new ArrayList<>();
    List<String> filter = new ArrayList<>();
    for (ServicePortSpec s : sorted) {
      String proto = s.key().protocol().toLowerCase(Locale.ROOT);
      String comment = "-m comment --comment \"" + s.key() + "\"";
      if (s.backends().isEmpty()) {
        String reject = "tcp".equals(proto) ? "REJECT --reject-with tcp-reset" : "REJECT --reject-with icmp-port-unreachable";
        filter.add("-A " + rejectChain() + " -d " + s.clusterIp() + "/32 -p " + proto + " --dport " + s.port() + " "
            + comment + " -j " + reject);
        if (s.nodePort() > 0) {
          filter.add("-A " + rejectChain() + " -m addrtype --dst-type LOCAL -p " + proto + " --dport " + s.nodePort()
              + " " + comment + " -j " + reject);
        }
        continue;
      }
      String svc = tag + "-" + hash(s.key().toString()).substring(0, 10);
      chains.add(svc);
      portals.add("-A " + natChain() + " -d " + s.clusterIp() + "/32 -p " + proto + " --dport " + s.port() + " "
          + comment + " -j " + svc);
      if (s.nodePort() > 0) {
        nodePorts.add("-A " + natChain() + " -m addrtype --dst-type LOCAL -p " + proto + " --dport " + s.nodePort()
            + " " + comment + " -j " + svc);
      }
      int n = s.backends().size();
      List<String> endpointChains = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        endpointChains.add(svc + "-" + i);
      }
      chains.addAll(endpointChains);
      if (s.affinitySeconds() > 0) {
        for (String ep : endpointChains) {
          nat.add("-A " + svc + " -m recent --name " + ep + " --rcheck --seconds " + s.affinitySeconds()
              + " --reap -j " + ep);
        }
      }
      for (int i = 0; i < n; i++) {
        String pick = i == n - 1 ? "" : " -m statistic --mode random --probability " + probability(n - i);
        nat.add("-A " + svc + pick + " -j " + endpointChains.get(i));
      }
      for (int i = 0; i < n; i++) {
        Backend b = s.backends().get(i);
        String ep = endpointChains.get(i);
        String remember = s.affinitySeconds() > 0 ? " -m recent --name " + ep + " --set" : "";
        nat.add("-A " + ep + remember + " -p " + proto + " -j DNAT --to-destination " + b.host() + ":" + b.port());
      }
    }
    Set<String> gone = new LinkedHashSet<>(previous);
    gone.removeAll(chains);
    gone.remove(natChain());
    gone.remove(postChain());
    gone.remove(rejectChain());

    StringBuilder out = new StringBuilder();
    out.append("*nat\n");
    out.append(':').append(natChain()).append(" - [0:0]\n");
    out.append(':').append(postChain()).append(" - [0:0]\n");
    for (String c : chains) {
      out.append(':').append(c).append(" - [0:0]\n");
    }
    for (String c : gone) {
      out.append(':').append(c).append(" - [0:0]\n");
    }
    out.append("-A ").append(postChain()).append(" -s 127.0.0.0/8 ! -d 127.0.0.0/8 ! -o lo -m conntrack --ctstate DNAT")
        .append(" -m comment --comment \"loopback clients of services outside this host\" -j MASQUERADE\n");
    portals.forEach(l -> out.append(l).append('\n'));
    nodePorts.forEach(l -> out.append(l).append('\n')); // after every cluster IP rule: those are more specific
    nat.forEach(l -> out.append(l).append('\n'));
    for (String c : gone) {
      out.append("-X ").append(c).append('\n');
    }
    out.append("COMMIT\n");
    out.append("*filter\n");
    out.append(':').append(rejectChain()).append(" - [0:0]\n");
    out.append("-A ").append(rejectChain()).append(" ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate")
        .append(" RELATED,ESTABLISHED,DNAT -m comment --comment \"loopback addresses from elsewhere\" -j DROP\n");
    filter.forEach(l -> out.append(l).append('\n'));
    out.append("COMMIT\n");
    return new Render(out.toString(), chains);
  }

  /** The restore input removing every chain of this node that {@code existing} names (jumps go first). */
  public String teardown(Set<String> existing) {
    StringBuilder out = new StringBuilder("*nat\n");
    List<String> natChains = existing.stream().filter(this::owns).filter(c -> !c.equals(rejectChain())).toList();
    for (String c : natChains) {
      out.append(':').append(c).append(" - [0:0]\n");
    }
    for (String c : natChains) {
      out.append("-X ").append(c).append('\n');
    }
    out.append("COMMIT\n*filter\n:").append(rejectChain()).append(" - [0:0]\n-X ").append(rejectChain())
        .append("\nCOMMIT\n");
    return out.toString();
  }

  /** The names of chains declared in {@code iptables-save} output. */
  public static Set<String> declaredChains(String save) {
    Set<String> out = new LinkedHashSet<>();
    for (String line : save.split("\n")) {
      if (line.startsWith(":")) {
        out.add(line.substring(1).split(" ", 2)[0]);
      }
    }
    return out;
  }

  static String probability(int remaining) {
    return String.format(Locale.ROOT, "%.5f", 1.0 / remaining);
  }

  private static String hash(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)))
          .toUpperCase(Locale.ROOT);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
