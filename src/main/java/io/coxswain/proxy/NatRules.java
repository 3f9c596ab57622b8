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
 *
 * <p>Counters. The kernel counts for the proxy's meters ({@link NatCounters}): each service port has a
 * mangle chain {@code CXS-<tag>-M-<hash>} that every packet of its connections passes once on this host
 * (from POSTROUTING, and from INPUT for packets that did not come over loopback, which passed POSTROUTING
 * already), matched by the connection's original destination in conntrack (a packet of a connection that no
 * DNAT touched, thus of no service, leaves the node's chain after one match); its rules count new connections,
 * packets each way, and refusals by an endpoint (a TCP reset answering a connection not yet established, an
 * ICMP destination unreachable). A port without endpoints is rejected in its filter chain
 * {@code CXS-<tag>-R-<hash>}, whose one rule counts the rejections. Refusals are also counted per endpoint in
 * {@code CXS-<tag>-REF}, rewritten by each render. The per-port chains are declared (which
 * zeroes them) only when the port first appears, so their counts survive later renders; the top chains that
 * jump to them are rewritten by each render.
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

  /** The node's mangle chain of the counters, from POSTROUTING. */
  public String countChain() {
    return tag + "-CNT";
  }

  /** The node's mangle chain of the counters from INPUT (packets that did not come over loopback). */
  public String countInputChain() {
    return tag + "-CNTI";
  }

  /**
   * The node's mangle chain counting refusals per endpoint (rewritten by each render; the proxy takes an
   * endpoint that refuses out of the rules for a while, see {@link NatProxy}).
   */
  public String refusedChain() {
    return tag + "-REF";
  }

  /** The mangle chain counting one service port's connections, bytes and refusals. */
  public String countChain(ServicePortKey key) {
    return tag + "-M-" + hash(key.toString()).substring(0, 10);
  }

  /** The filter chain rejecting (and counting) the clients of one service port without endpoints. */
  public String rejectChain(ServicePortKey key) {
    return tag + "-R-" + hash(key.toString()).substring(0, 10);
  }

  /** The table a chain of this node is in. */
  String tableOf(String chain) {
    if (chain.equals(rejectChain()) || chain.startsWith(tag + "-R-")) {
      return "filter";
    }
    if (chain.equals(countChain()) || chain.equals(countInputChain()) || chain.equals(refusedChain())
        || chain.startsWith(tag + "-M-")) {
      return "mangle";
    }
    return "nat";
  }

  /** Whether a chain name is one of this node's. */
  public boolean owns(String chain) {
    return chain.equals(tag) || chain.startsWith(tag + "-");
  }

  /** The jumps the top chains need (inserted once at start, removed at stop). */
  public List<Jump> jumps() {
    return List.of(new Jump("nat", "OUTPUT", natChain()), new Jump("nat", "PREROUTING", natChain()),
        new Jump("nat", "POSTROUTING", postChain()), new Jump("filter", "OUTPUT", rejectChain()), new Jump("filter", "INPUT", rejectChain()),
        new Jump("filter", "FORWARD", rejectChain()), new Jump("mangle", "POSTROUTING", countChain()),
        new Jump("mangle", "INPUT", countInputChain()));
  }

  /** A render: the restore input and the per-service chains it created (the next render deletes the gone). */
  public record Render(String restoreInput, Set<String> chains) {}

  /**
   * The restore input making the node's rules exactly {@code ports}, keeping the counting chains that exist.
   *
   * @param previous chains of the previous render (or found at start) that may have to go
   */
  public Render render(Collection<ServicePortSpec> ports, Set<String> previous) {
    return render(ports, previous, previous);
  }

  /**
   * The restore input making the node's rules exactly {@code ports}.
   *
   * @param previous chains of the previous render (or found at start) that may have to go
   * @param intact   chains known to exist with their rules: a port's counting and reject chains among them are
   *                 not declared again (which would zero their counts)
   */
  public Render render(Collection<ServicePortSpec> ports, Set<String> previous, Set<String> intact) {
    List<ServicePortSpec> sorted = new ArrayList<>(ports);
    sorted.sort((a, b) -> a.key().toString().compareTo(b.key().toString()));
    Set<String> chains = new LinkedHashSet<>();
    List<String> nat = new ArrayList<>();
    List<String> portals = new ArrayList<>();
    List<String> nodePorts = new ArrayList<>();
    List<String> filter = new ArrayList<>();
    List<String> mangle = new ArrayList<>();
    Set<String> counting = new LinkedHashSet<>();
    Set<String> newChains = new LinkedHashSet<>(); // counting and reject chains declared (and filled) by this render
    List<String> newRules = new ArrayList<>();
    for (ServicePortSpec s : sorted) {
      String proto = s.key().protocol().toLowerCase(Locale.ROOT);
      String comment = "-m comment --comment \"" + s.key() + "\"";
      String count = countChain(s.key());
      String rejectHere = rejectChain(s.key());
      counting.add(count);
      counting.add(rejectHere);
      if (!intact.contains(count)) {
        newChains.add(count);
        newRules.addAll(countingRules(count));
      }
      if (!intact.contains(rejectHere)) {
        newChains.add(rejectHere);
        newRules.add("-A " + rejectHere + " -p " + proto + " -m comment --comment \"" + REJECTED + "\" -j REJECT --reject-with "
            + ("tcp".equals(proto) ? "tcp-reset" : "icmp-port-unreachable"));
      }
      mangle.add("-A " + countChain() + " -m conntrack --ctproto " + proto + " --ctorigdst " + s.clusterIp()
          + "/32 --ctorigdstport " + s.port() + " " + comment + " -j " + count);
      if (s.nodePort() > 0) {
        mangle.add("-A " + countChain() + " -m conntrack --ctproto " + proto + " --ctstate DNAT --ctorigdstport "
            + s.nodePort() + " " + comment + " -j " + count);
      }
      if (s.backends().isEmpty()) {
        filter.add("-A " + rejectChain() + " -d " + s.clusterIp() + "/32 -p " + proto + " --dport " + s.port() + " "
            + comment + " -j " + rejectHere);
        if (s.nodePort() > 0) {
          filter.add("-A " + rejectChain() + " -m addrtype --dst-type LOCAL -p " + proto + " --dport " + s.nodePort()
              + " " + comment + " -j " + rejectHere);
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
    chains.addAll(counting);
    Set<String> gone = new LinkedHashSet<>(previous);
    gone.removeAll(chains);
    gone.removeAll(List.of(natChain(), postChain(), rejectChain(), countChain(), countInputChain(), refusedChain()));

    StringBuilder out = new StringBuilder();
    out.append("*nat\n");
    out.append(':').append(natChain()).append(" - [0:0]\n");
    out.append(':').append(postChain()).append(" - [0:0]\n");
    for (String c : chains) {
      if (tableOf(c).equals("nat")) {
        out.append(':').append(c).append(" - [0:0]\n");
      }
    }
    declare(out, gone, "nat");
    out.append("-A ").append(postChain()).append(" -s 127.0.0.0/8 ! -d 127.0.0.0/8 ! -o lo -m conntrack --ctstate DNAT")
        .append(" -m comment --comment \"loopback clients of services outside this host\" -j MASQUERADE\n");
    portals.forEach(l -> out.append(l).append('\n'));
    nodePorts.forEach(l -> out.append(l).append('\n')); // after every cluster IP rule: those are more specific
    nat.forEach(l -> out.append(l).append('\n'));
    delete(out, gone, "nat");
    out.append("COMMIT\n");
    out.append("*filter\n");
    out.append(':').append(rejectChain()).append(" - [0:0]\n");
    declare(out, newChains, "filter");
    declare(out, gone, "filter");
    out.append("-A ").append(rejectChain()).append(" ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate")
        .append(" RELATED,ESTABLISHED,DNAT -m comment --comment \"loopback addresses from elsewhere\" -j DROP\n");
    appendIn(out, newRules, "filter");
    filter.forEach(l -> out.append(l).append('\n'));
    delete(out, gone, "filter");
    out.append("COMMIT\n");
    out.append("*mangle\n");
    out.append(':').append(countChain()).append(" - [0:0]\n");
    out.append(':').append(countInputChain()).append(" - [0:0]\n");
    out.append(':').append(refusedChain()).append(" - [0:0]\n");
    declare(out, newChains, "mangle");
    declare(out, gone, "mangle");
    out.append("-A ").append(countInputChain()).append(" -i lo -j RETURN\n");
    out.append("-A ").append(countInputChain()).append(" -j ").append(countChain()).append('\n');
    // every packet of the host passes here: what no DNAT touched (no service's) leaves after one match
    out.append("-A ").append(countChain()).append(" -m conntrack ! --ctstate DNAT -j RETURN\n");
    // a TCP reset answering a connection not yet established: counted per endpoint
    out.append("-A ").append(countChain()).append(" -p tcp -m tcp --tcp-flags RST RST -m conntrack --ctdir REPLY")
        .append(" ! --ctstatus ASSURED -j ").append(refusedChain()).append('\n');
    Set<Backend> endpoints = new java.util.TreeSet<>(java.util.Comparator.comparing(Backend::toString));
    sorted.stream().filter(x -> !x.udp()).forEach(x -> endpoints.addAll(x.backends()));
    for (Backend b : endpoints) {
      out.append("-A ").append(refusedChain()).append(" -m conntrack --ctreplsrc ").append(b.host())
          .append(" --ctreplsrcport ").append(b.port()).append(" -m comment --comment \"").append(b).append("\"\n");
    }
    appendIn(out, newRules, "mangle");
    mangle.forEach(l -> out.append(l).append('\n'));
    delete(out, gone, "mangle");
    out.append("COMMIT\n");
    return new Render(out.toString(), chains);
  }

  /** Comments of the counting rules, in their order in a port's chains (read back by {@link NatCounters}). */
  static final String CONNECTIONS = "connections";
  static final String BYTES_IN = "from clients";
  static final String BYTES_OUT = "to clients";
  static final String REFUSED = "refused by an endpoint";
  static final String UNREACHABLE = "endpoint unreachable";
  static final String REJECTED = "no endpoint";

  /** A packet from a client passes two rules (the second counts it and returns), one to a client all five. */
  private static List<String> countingRules(String chain) {
    String c = "-A " + chain + " ";
    return List.of(
        c + "-m conntrack --ctstate NEW -m comment --comment \"" + CONNECTIONS + "\"",
        c + "-m conntrack --ctdir ORIGINAL -m comment --comment \"" + BYTES_IN + "\" -j RETURN",
        c + "-p tcp -m tcp --tcp-flags RST RST -m conntrack ! --ctstatus ASSURED -m comment --comment \""
            + REFUSED + "\"",
        c + "-p icmp -m icmp --icmp-type 3 -m conntrack --ctstate RELATED -m comment --comment \"" + UNREACHABLE + "\"",
        c + "-m comment --comment \"" + BYTES_OUT + "\"");
  }

  private void appendIn(StringBuilder out, List<String> rules, String table) {
    for (String l : rules) {
      if (tableOf(l.split(" ", 3)[1]).equals(table)) {
        out.append(l).append('\n');
      }
    }
  }

  private void declare(StringBuilder out, Set<String> chains, String table) {
    for (String c : chains) {
      if (tableOf(c).equals(table)) {
        out.append(':').append(c).append(" - [0:0]\n");
      }
    }
  }

  private void delete(StringBuilder out, Set<String> chains, String table) {
    for (String c : chains) {
      if (tableOf(c).equals(table)) {
        out.append("-X ").append(c).append('\n');
      }
    }
  }

  /** The restore input removing every chain of this node that {@code existing} names (jumps go first). */
  public String teardown(Set<String> existing) {
    Set<String> mine = new LinkedHashSet<>();
    existing.stream().filter(this::owns).forEach(mine::add);
    mine.addAll(List.of(rejectChain(), countChain(), countInputChain(), refusedChain()));
    StringBuilder out = new StringBuilder();
    for (String table : List.of("nat", "filter", "mangle")) {
      out.append('*').append(table).append('\n');
      declare(out, mine, table);
      delete(out, mine, table);
      out.append("COMMIT\n");
    }
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
