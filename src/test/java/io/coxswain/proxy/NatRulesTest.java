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
        "COMMIT"), l);
    assertTrue(rules.jumps().contains(new NatRules.Jump("nat", "POSTROUTING", post)), rules.jumps().toString());
    // found at start (a crashed run's), the fixed chains are rewritten, never deleted
    List<String> again = lines(rules.render(List.of(), Set.of(top, post, rules.rejectChain())).restoreInput());
    assertEquals(l, again);
  }

  @Test
  void threeEndpointsAreChosenWithEqualOddsAndNodePortsComeLast() {
    NatRules.Render r = rules.render(List.of(spec("web", "TCP", "127.100.0.7", 80, 30080, 0,
        new Backend("127.0.0.2", 32768), new Backend("127.0.0.3", 32769), new Backend("127.0.0.3", 32770))), Set.of());
    List<String> l = lines(r.restoreInput());
    assertEquals(4, r.chains().size(), "one service chain and one per endpoint: " + r.chains());
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
        serviceRules(l));
    assertEquals(List.of("*nat", ":" + top + " - [0:0]"), l.subList(0, 2));
    assertTrue(l.contains("*filter") && l.contains(":" + rules.rejectChain() + " - [0:0]"), r.restoreInput());
    assertEquals(2, l.stream().filter("COMMIT"::equals).count());
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
    assertEquals(Set.of(), r.chains());
    List<String> l = lines(r.restoreInput());
    String rej = rules.rejectChain();
    assertEquals(List.of(
        "-A " + rej + " -d 127.100.0.10/32 -p udp --dport 53 -m comment --comment \"default/dns/UDP\" -j REJECT --reject-with icmp-port-unreachable",
        "-A " + rej + " -m addrtype --dst-type LOCAL -p udp --dport 30053 -m comment --comment \"default/dns/UDP\" -j REJECT --reject-with icmp-port-unreachable",
        "-A " + rej + " -d 127.100.0.11/32 -p tcp --dport 80 -m comment --comment \"default/empty/TCP\" -j REJECT --reject-with tcp-reset"),
        serviceRules(l));
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
  void nodesHaveTheirOwnChainsAndTeardownRemovesOnlyTheirs() {
    NatRules other = new NatRules("127.0.0.3");
    assertFalse(other.natChain().equals(top));
    assertTrue(rules.owns(top + "-ABC") && !rules.owns(other.natChain() + "-ABC") && !rules.owns("DOCKER"));
    Set<String> found = NatRules.declaredChains("*nat\n:PREROUTING ACCEPT [0:0]\n:" + top + " - [0:0]\n:" + top
        + "-0123456789 - [0:0]\n:" + other.natChain() + " - [0:0]\n-A OUTPUT -j " + top + "\nCOMMIT\n");
    assertEquals(Set.of("PREROUTING", top, top + "-0123456789", other.natChain()), found);
    String down = rules.teardown(found);
    assertTrue(down.contains("-X " + top + "\n") && down.contains("-X " + top + "-0123456789\n")
        && down.contains("-X " + rules.rejectChain() + "\n"), down);
    assertFalse(down.contains(other.natChain()) || down.contains("PREROUTING"), down);
  }
}
