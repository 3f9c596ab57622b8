package io.coxswain.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NatRulesTest {
  final NatRules rules = new NatRules("127.0.0.2");
  final String top = rules.natChain();

  static ServicePortSpec spec(String name, String proto, String ip, int port, int nodePort, int affinity,
      Backend... backends) {
    return new ServicePortSpec(new ServicePortKey("default", name, "", proto), ip, port, nodePort, affinity,
        List.of(backends));
  }

  static List<String> lines(String restore) {
    return restore.lines().toList();
  }

  /** The lines of one table's section of a restore input. */
  static List<String> section(List<String> lines, String table) {
    int from = lines.indexOf("*" + table);
    return lines.subList(from, lines.subList(from, lines.size()).indexOf("COMMIT") + from + 1);
  }

  /** The rules of the services (not the fixed ones every render writes). */
  List<String> serviceRules(List<String> lines) {
    List<String> fixed = lines(rules.render(List.of(), Set.of()).restoreInput());
    return lines.stream().filter(x -> x.startsWith("-A") && !fixed.contains(x)).toList();
  }

  @Test
  void loopbackClientsAreMasqueradedOffTheHostAndLoopbackFromElsewhereIsDropped() {
    List<String> l = lines(rules.render(List.of(), Set.of()).restoreInput());
    String post = rules.postChain();
    assertTrue(rules.owns(post) && !post.equals(top) && !post.equals(rules.rejectChain()), post);
    assertEquals(List.of(
        "*nat",
        ":" + top + " - [0:0]",
        ":" + post + " - [0:0]",
        "-A " + post + " -s 127.0.0.0/8 ! -d 127.0.0.0/8 ! -o lo -m conntrack --ctstate DNAT"
            + " -m comment --comment \"loopback clients of services outside this host\" -j MASQUERADE",
        "COMMIT",
        "*filter",
        ":" + rules.rejectChain() + " - [0:0]",
        "-A " + rules.rejectChain() + " ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT"
            + " -m comment --comment \"loopback addresses from elsewhere\" -j DROP",
        "COMMIT",
        "*mangle",
        ":" + rules.countChain() + " - [0:0]",
        ":" + rules.countInputChain() + " - [0:0]",
        ":" + rules.refusedChain() + " - [0:0]",
        "-A " + rules.countInputChain() + " -i lo -j RETURN",
        "-A " + rules.countInputChain() + " -j " + rules.countChain(),
        "-A " + rules.countChain() + " -m conntrack ! --ctstate DNAT -j RETURN",
        "-A " + rules.countChain() + " -p tcp -m tcp --tcp-flags RST RST -m conntrack --ctdir REPLY ! --ctstatus ASSURED"
            + " -j " + rules.refusedChain(),
        "COMMIT"), l);
    assertTrue(rules.jumps().containsAll(List.of(new NatRules.Jump("mangle", "POSTROUTING", rules.countChain()),
        new NatRules.Jump("mangle", "INPUT", rules.countInputChain()))), rules.jumps().toString());
    assertTrue(rules.jumps().contains(new NatRules.Jump("nat", "POSTROUTING", post)), rules.jumps().toString());
    // found at start (a crashed run's), the fixed chains are rewritten, never deleted
    List<String> again = lines(rules.render(List.of(), Set.of(top, post, rules.rejectChain(), rules.countChain(),
        rules.countInputChain(), rules.refusedChain())).restoreInput());
    assertEquals(l, again);
  }

  @Test
  void threeEndpointsAreChosenWithEqualOddsAndNodePortsComeLast() {
    NatRules.Render r = rules.render(List.of(spec("web", "TCP", "127.100.0.7", 80, 30080, 0,
        new Backend("127.0.0.2", 32768), new Backend("127.0.0.3", 32769), new Backend("127.0.0.3", 32770))), Set.of());
    List<String> l = lines(r.restoreInput());
    assertEquals(6, r.chains().size(), "one service chain, one per endpoint, a counting and a reject chain: "
        + r.chains());
    String svc = r.chains().iterator().next();
    assertTrue(svc.startsWith(top + "-") && svc.length() <= 28, svc);
    assertEquals(List.of(
        "-A " + top + " -d 127.100.0.7/32 -p tcp --dport 80 -m comment --comment \"default/web/TCP\" -j " + svc,
        "-A " + top + " -m addrtype --dst-type LOCAL -p tcp --dport 30080 -m comment --comment \"default/web/TCP\" -j " + svc,
        "-A " + svc + " -m statistic --mode random --probability 0.33333 -j " + svc + "-0",
        "-A " + svc + " -m statistic --mode random --probability 0.50000 -j " + svc + "-1",
        "-A " + svc + " -j " + svc + "-2",
        "-A " + svc + "-0 -p tcp -j DNAT --to-destination 127.0.0.2:32768",
        "-A " + svc + "-1 -p tcp -j DNAT --to-destination 127.0.0.3:32769",
        "-A " + svc + "-2 -p tcp -j DNAT --to-destination 127.0.0.3:32770"),
        serviceRules(section(l, "nat")));
    assertEquals(List.of("*nat", ":" + top + " - [0:0]"), l.subList(0, 2));
    assertTrue(l.contains("*filter") && l.contains(":" + rules.rejectChain() + " - [0:0]"), r.restoreInput());
    assertEquals(3, l.stream().filter("COMMIT"::equals).count(), "nat, filter and mangle");
  }

  @Test
  void affinityRemembersTheClientPerEndpoint() {
    NatRules.Render r = rules.render(List.of(spec("db", "TCP", "127.100.0.8", 5432, 0, 600,
        new Backend("127.0.0.2", 40000), new Backend("127.0.0.3", 40001))), Set.of());
    String svc = r.chains().iterator().next();
    List<String> a = lines(r.restoreInput()).stream().filter(x -> x.startsWith("-A " + svc)).toList();
    assertEquals(List.of(
        "-A " + svc + " -m recent --name " + svc + "-0 --rcheck --seconds 600 --reap -j " + svc + "-0",
        "-A " + svc + " -m recent --name " + svc + "-1 --rcheck --seconds 600 --reap -j " + svc + "-1",
        "-A " + svc + " -m statistic --mode random --probability 0.50000 -j " + svc + "-0",
        "-A " + svc + " -j " + svc + "-1",
        "-A " + svc + "-0 -m recent --name " + svc + "-0 --set -p tcp -j DNAT --to-destination 127.0.0.2:40000",
        "-A " + svc + "-1 -m recent --name " + svc + "-1 --set -p tcp -j DNAT --to-destination 127.0.0.3:40001"), a);
  }

  @Test
  void noEndpointsIsRejectedAtOnceInTheFilterTable() {
    NatRules.Render r = rules.render(List.of(spec("dns", "UDP", "127.100.0.10", 53, 30053, 0),
        spec("empty", "TCP", "127.100.0.11", 80, 0, 0)), Set.of());
    ServicePortKey dns = new ServicePortKey("default", "dns", "", "UDP");
    ServicePortKey empty = new ServicePortKey("default", "empty", "", "TCP");
    assertEquals(Set.of(rules.countChain(dns), rules.rejectChain(dns), rules.countChain(empty),
        rules.rejectChain(empty)), r.chains(), "no nat chain: only the counting and reject chains");
    List<String> l = lines(r.restoreInput());
    assertEquals(List.of(), serviceRules(section(l, "nat")));
    String rej = rules.rejectChain();
    String dnsRej = rules.rejectChain(dns);
    String emptyRej = rules.rejectChain(empty);
    assertEquals(List.of(
        "-A " + dnsRej + " -p udp -m comment --comment \"no endpoint\" -j REJECT --reject-with icmp-port-unreachable",
        "-A " + emptyRej + " -p tcp -m comment --comment \"no endpoint\" -j REJECT --reject-with tcp-reset",
        "-A " + rej + " -d 127.100.0.10/32 -p udp --dport 53 -m comment --comment \"default/dns/UDP\" -j " + dnsRej,
        "-A " + rej + " -m addrtype --dst-type LOCAL -p udp --dport 30053 -m comment --comment \"default/dns/UDP\" -j " + dnsRej,
        "-A " + rej + " -d 127.100.0.11/32 -p tcp --dport 80 -m comment --comment \"default/empty/TCP\" -j " + emptyRej),
        serviceRules(section(l, "filter")));
    assertTrue(section(l, "filter").containsAll(List.of(":" + dnsRej + " - [0:0]", ":" + emptyRej + " - [0:0]")), l.toString());
  }

  @Test
  void chainsOfThePreviousRenderThatAreGoneAreEmptiedAndDeleted() {
    NatRules.Render first = rules.render(List.of(spec("web", "TCP", "127.100.0.7", 80, 0, 0,
        new Backend("127.0.0.2", 1), new Backend("127.0.0.2", 2))), Set.of());
    NatRules.Render second = rules.render(List.of(spec("web", "TCP", "127.100.0.7", 80, 0, 0,
        new Backend("127.0.0.2", 1))), first.chains());
    String svc = first.chains().iterator().next();
    List<String> l = lines(second.restoreInput());
    assertTrue(l.contains(":" + svc + "-1 - [0:0]") && l.contains("-X " + svc + "-1"), second.restoreInput());
    assertFalse(l.contains("-X " + svc), "the service chain stays");
    assertTrue(l.indexOf("-X " + svc + "-1") > l.indexOf("-A " + svc + "-0 -p tcp -j DNAT --to-destination 127.0.0.2:1"));
  }

  @Test
  void eachPortsCountingChainIsFilledOnceAndSeesEveryPacketOfItsConnections() {
    ServicePortSpec web = spec("web", "TCP", "127.100.0.7", 80, 30080, 0, new Backend("127.0.0.2", 1));
    String count = rules.countChain(web.key());
    String top = rules.countChain();
    NatRules.Render first = rules.render(List.of(web), Set.of());
    List<String> mangle = section(lines(first.restoreInput()), "mangle");
    assertEquals(List.of(
        "-A " + count + " -m conntrack --ctstate NEW -m comment --comment \"connections\"",
        "-A " + count + " -m conntrack --ctdir ORIGINAL -m comment --comment \"from clients\" -j RETURN",
        "-A " + count + " -p tcp -m tcp --tcp-flags RST RST -m conntrack ! --ctstatus ASSURED"
            + " -m comment --comment \"refused by an endpoint\"",
        "-A " + count + " -p icmp -m icmp --icmp-type 3 -m conntrack --ctstate RELATED"
            + " -m comment --comment \"endpoint unreachable\"",
        "-A " + count + " -m comment --comment \"to clients\"",
        "-A " + top + " -m conntrack --ctproto tcp --ctorigdst 127.100.0.7/32 --ctorigdstport 80"
            + " -m comment --comment \"default/web/TCP\" -j " + count,
        "-A " + top + " -m conntrack --ctproto tcp --ctstate DNAT --ctorigdstport 30080"
            + " -m comment --comment \"default/web/TCP\" -j " + count),
        serviceRules(mangle).stream().filter(x -> !x.startsWith("-A " + rules.refusedChain())).toList());
    assertTrue(mangle.contains(":" + count + " - [0:0]"), mangle.toString());
    assertTrue(lines(first.restoreInput()).contains("-A " + rules.refusedChain() + " -m conntrack --ctreplsrc 127.0.0.2"
        + " --ctreplsrcport 1 -m comment --comment \"127.0.0.2:1\""), "each TCP endpoint's refusals counted apart");

    // rendered again, the chain that exists is neither declared (which would zero it) nor filled twice
    List<String> again = lines(rules.render(List.of(web), first.chains()).restoreInput());
    assertFalse(again.stream().anyMatch(x -> x.startsWith(":" + count) || x.startsWith("-A " + count)), again.toString());
    assertTrue(again.stream().anyMatch(x -> x.startsWith("-A " + top + " ") && x.endsWith("-j " + count)), again.toString());
    // after a failed restore nothing is known to exist: declared and filled again
    List<String> redo = lines(rules.render(List.of(web), first.chains(), Set.of()).restoreInput());
    assertTrue(redo.contains(":" + count + " - [0:0]") && redo.stream().filter(x -> x.startsWith("-A " + count)).count() == 5,
        redo.toString());
    // the port gone, its chains go from their own tables
    List<String> gone = lines(rules.render(List.of(), first.chains()).restoreInput());
    assertTrue(section(gone, "mangle").contains("-X " + count), gone.toString());
    assertTrue(section(gone, "filter").contains("-X " + rules.rejectChain(web.key())), gone.toString());
    assertFalse(section(gone, "nat").contains("-X " + count), gone.toString());
  }

  @Test
  void nodesHaveTheirOwnChainsAndTeardownRemovesOnlyTheirs() {
    NatRules other = new NatRules("127.0.0.3");
    assertFalse(other.natChain().equals(top));
    assertTrue(rules.owns(top + "-ABC") && !rules.owns(other.natChain() + "-ABC") && !rules.owns("DOCKER"));
    Set<String> found = NatRules.declaredChains("*nat\n:PREROUTING ACCEPT [0:0]\n:" + top + " - [0:0]\n:" + top
        + "-0123456789 - [0:0]\n:" + other.natChain() + " - [0:0]\n-A OUTPUT -j " + top + "\nCOMMIT\n");
    assertEquals(Set.of("PREROUTING", top, top + "-0123456789", other.natChain()), found);
    String down = rules.teardown(found);
    assertTrue(down.contains("-X " + top + "\n") && down.contains("-X " + top + "-0123456789\n")
        && down.contains("-X " + rules.rejectChain() + "\n") && down.contains("-X " + rules.countChain() + "\n"), down);
    List<String> l = lines(down);
    assertTrue(section(l, "mangle").contains("-X " + rules.countInputChain()), down);
    assertFalse(down.contains(other.natChain()) || down.contains("PREROUTING"), down);
  }
}
