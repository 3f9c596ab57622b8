package io.coxswain.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The iptables mode's life cycle against a recording runner that answers {@code iptables-save} and
 * {@code sysctl -n} with given text: what a crashed run of the same node left is deleted by the first
 * restore (another node's chains are not), the jumps are replaced, not doubled, route_localnet is turned on
 * when off (with the host's mark that a node did it) and back off by whichever node of the host stops last;
 * when it was on already, without the mark, it is left alone.
 */
class NatProxyTest {
  static final NatRules MINE = new NatRules("127.0.21.2");
  static final NatRules OTHER = new NatRules("127.0.21.3");

  /** Records every command; iptables-save and sysctl -n answer with the fields' text. */
  static final class Recorder implements CommandRunner {
    final List<String> ran = new ArrayList<>();
    final List<String> fed = new ArrayList<>();
    String natSave = "";
    String mangleSave = "*mangle\nCOMMIT\n";
    String routeLocalnet = "0";
    /** The first iptables-restore fails, as with a kernel module missing. */
    boolean firstRestoreFails;
    /** conntrack cannot be run, as on a host without it. */
    boolean noConntrack;

    @Override
    public Future<Integer> run(List<String> command) {
      ran.add(String.join(" ", command));
      return noConntrack && command.get(0).equals("conntrack")
          ? Future.failedFuture(new java.io.IOException("Cannot run program \"conntrack\""))
          : Future.succeededFuture(0);
    }

    @Override
    public Future<Void> feed(List<String> command, String input) {
      ran.add(String.join(" ", command));
      fed.add(input);
      if (firstRestoreFails && fed.size() == 1) {
        return Future.failedFuture("iptables-restore: line 4 failed");
      }
      return Future.succeededFuture();
    }

    @Override
    public Future<String> output(List<String> command) {
      ran.add(String.join(" ", command));
      if (command.get(0).equals("sysctl")) {
        return Future.succeededFuture(routeLocalnet + "\n");
      }
      return Future.succeededFuture(command.contains("nat") ? natSave : command.contains("mangle") ? mangleSave
          : "*filter\nCOMMIT\n");
    }
  }

  static void await(Future<?> f) throws Exception {
    f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String save(String... chains) {
    StringBuilder out = new StringBuilder("*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    for (String c : chains) {
      out.append(':').append(c).append(" - [0:0]\n");
    }
    return out.append("COMMIT\n").toString();
  }

  @Test
  void aStartRemovesWhatACrashedRunOfTheSameNodeLeftAndReplacesItsJumps() throws Exception {
    Recorder r = new Recorder();
    String stale = MINE.natChain() + "-0123456789";
    r.natSave = save(MINE.natChain(), MINE.postChain(), stale, stale + "-0", OTHER.natChain(), OTHER.natChain() + "-AB");
    NatProxy nat = new NatProxy(r, "iptables", MINE, new SimpleMeterRegistry());
    await(nat.start());

    String first = r.fed.get(0);
    assertTrue(first.contains("-X " + stale + "\n") && first.contains("-X " + stale + "-0\n"), first);
    assertFalse(first.contains(OTHER.natChain()), "another node's chains are left alone:\n" + first);
    assertFalse(first.contains("-X " + MINE.natChain() + "\n") || first.contains("-X " + MINE.postChain() + "\n"),
        "the node's fixed chains are rewritten, not deleted:\n" + first);
    for (NatRules.Jump j : MINE.jumps()) {
      String jump = " -t " + j.table() + " %s " + j.from() + " -m comment --comment coxswain services " + j.to()
          + " -j " + j.to();
      int deleted = r.ran.indexOf("iptables -w" + jump.formatted("-D"));
      int inserted = r.ran.indexOf("iptables -w" + jump.formatted("-I"));
      assertTrue(deleted >= 0 && inserted > deleted, "a left jump is deleted before one is inserted: " + r.ran);
    }
    int on = r.ran.indexOf("sysctl -w net.ipv4.conf.all.route_localnet=1");
    assertTrue(on >= 0 && r.ran.indexOf("iptables -w -t nat -N " + NatRules.LOCALNET_MARK) > on, r.ran.toString());
  }

  @Test
  void aProxyWhoseRulesCannotBeInstalledFailsToStartAndLeavesNoRule() throws Exception {
    Recorder r = new Recorder();
    r.firstRestoreFails = true;
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      ProxyVerticle proxy = new ProxyVerticle(null, "127.0.21.2", ProxyOptions.defaults().withMode(ProxyMode.IPTABLES),
          new SimpleMeterRegistry(), r);
      Throwable failed = vertx.deployVerticle(proxy).toCompletionStage().toCompletableFuture()
          .handle((id, e) -> e).get(10, TimeUnit.SECONDS);
      assertTrue(failed != null && failed.getMessage().contains("proxy mode iptables: cannot install the iptables"
          + " rules (iptables-restore: line 4 failed)"), String.valueOf(failed));
      assertEquals(2, r.fed.size(), "the failed restore, then the teardown: " + r.ran);
      assertTrue(r.fed.get(1).contains("-X " + MINE.natChain() + "\n"), r.fed.get(1));
      assertFalse(r.ran.stream().anyMatch(c -> c.contains(" -I ")), "no jump was inserted: " + r.ran);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void routeLocalnetOnWithoutTheMarkIsTheHostsAndLeftAsItIs() throws Exception {
    Recorder r = new Recorder();
    r.routeLocalnet = "1";
    NatProxy nat = new NatProxy(r, "iptables", MINE, new SimpleMeterRegistry());
    await(nat.start());
    r.natSave = save();
    await(nat.stop());
    assertFalse(r.ran.stream().anyMatch(c -> c.startsWith("sysctl -w") || c.contains(NatRules.LOCALNET_MARK)),
        r.ran.toString());
  }

  @Test
  void aStopRemovesEveryChainAndTheLastNodeTurnsRouteLocalnetOff() throws Exception {
    Recorder r = new Recorder();
    NatProxy nat = new NatProxy(r, "iptables", MINE, new SimpleMeterRegistry());
    await(nat.start());
    nat.apply(List.of(new ServicePortSpec(new ServicePortKey("default", "web", "", "TCP"), "127.121.0.5", 80, 0, 0,
        List.of(new Backend("127.0.21.2", 32000)))));
    r.ran.clear();
    r.fed.clear();
    r.natSave = save(NatRules.LOCALNET_MARK, OTHER.natChain()); // another node still runs: it needs route_localnet
    await(nat.stop());
    String down = r.fed.get(0);
    for (String c : List.of(MINE.natChain(), MINE.postChain(), MINE.rejectChain())) {
      assertTrue(down.contains("-X " + c + "\n"), down);
    }
    assertTrue(down.lines().filter(l -> l.startsWith("-X " + MINE.natChain() + "-")).count() >= 2,
        "the service's chains go too:\n" + down);
    assertTrue(r.ran.stream().filter(c -> c.contains(" -D ")).count() == MINE.jumps().size(), r.ran.toString());
    assertFalse(r.ran.contains("sysctl -w net.ipv4.conf.all.route_localnet=0"), r.ran.toString());

    // the last node turns it off, whichever node turned it on
    Recorder last = new Recorder();
    last.routeLocalnet = "1";
    NatProxy lastNode = new NatProxy(last, "iptables", OTHER, new SimpleMeterRegistry());
    await(lastNode.start());
    last.natSave = save(NatRules.LOCALNET_MARK);
    await(lastNode.stop());
    int off = last.ran.indexOf("sysctl -w net.ipv4.conf.all.route_localnet=0");
    assertTrue(off >= 0 && last.ran.indexOf("iptables -w -t nat -X " + NatRules.LOCALNET_MARK) > off,
        last.ran.toString());
  }

  /** iptables-save -c of the mangle table with these refusal counts ("ip:port" then count). */
  static String refusals(Object... endpointAndCount) {
    StringBuilder out = new StringBuilder("*mangle\n:" + MINE.refusedChain() + " - [0:0]\n");
    for (int i = 0; i < endpointAndCount.length; i += 2) {
      String[] ep = ((String) endpointAndCount[i]).split(":");
      out.append("[").append(endpointAndCount[i + 1]).append(":0] -A ").append(MINE.refusedChain())
          .append(" -m conntrack --ctreplsrc ").append(ep[0]).append(" --ctreplsrcport ").append(ep[1])
          .append(" -m comment --comment \"").append(endpointAndCount[i]).append("\"\n");
    }
    return out.append("COMMIT\n").toString();
  }

  @Test
  void anEndpointThatRefusesLeavesTheRulesForAWhileThenComesBack() throws Exception {
    Recorder r = new Recorder();
    long[] now = {1_000_000};
    NatProxy nat = new NatProxy(r, "iptables", MINE, new SimpleMeterRegistry(), () -> now[0]);
    await(nat.start());
    ServicePortSpec web = new ServicePortSpec(new ServicePortKey("default", "web", "", "TCP"), "127.121.0.5", 80, 0, 0,
        List.of(new Backend("127.0.21.2", 32000), new Backend("127.0.21.2", 32001)));
    ServicePortSpec lone = new ServicePortSpec(new ServicePortKey("default", "lone", "", "TCP"), "127.121.0.6", 80, 0, 0,
        List.of(new Backend("127.0.21.3", 40000)));
    nat.apply(List.of(web, lone));
    r.mangleSave = refusals("127.0.21.2:32000", 0, "127.0.21.2:32001", 0, "127.0.21.3:40000", 0);
    await(nat.pollCounters());
    int restores = r.fed.size();
    r.mangleSave = refusals("127.0.21.2:32000", 0, "127.0.21.2:32001", 3, "127.0.21.3:40000", 5);
    await(nat.pollCounters());
    assertEquals(restores + 1, r.fed.size(), "the refusals bring a new restore");
    String without = r.fed.get(r.fed.size() - 1);
    assertTrue(without.contains("DNAT --to-destination 127.0.21.2:32000"), without);
    assertFalse(without.contains("DNAT --to-destination 127.0.21.2:32001"), "the refusing endpoint is out:\n" + without);
    assertTrue(without.contains("DNAT --to-destination 127.0.21.3:40000"), "a port's only endpoint stays:\n" + without);

    // the same counts read again (the rules were rewritten, so they are from before): nothing new
    now[0] += 29_000;
    r.mangleSave = refusals("127.0.21.2:32000", 0, "127.0.21.3:40000", 0);
    await(nat.pollCounters());
    assertEquals(restores + 1, r.fed.size());
    now[0] += 2_000; // 31 s after: back
    await(nat.pollCounters());
    assertEquals(restores + 2, r.fed.size());
    assertTrue(r.fed.get(r.fed.size() - 1).contains("DNAT --to-destination 127.0.21.2:32001"));

    // refusing again soon after its return: out for twice as long
    r.mangleSave = refusals("127.0.21.2:32000", 0, "127.0.21.2:32001", 1, "127.0.21.3:40000", 0);
    await(nat.pollCounters());
    assertFalse(r.fed.get(r.fed.size() - 1).contains("DNAT --to-destination 127.0.21.2:32001"));
    now[0] += 31_000;
    r.mangleSave = refusals("127.0.21.2:32000", 0, "127.0.21.3:40000", 0);
    await(nat.pollCounters());
    assertFalse(r.fed.get(r.fed.size() - 1).contains("DNAT --to-destination 127.0.21.2:32001"), "still out after 31 s");
    now[0] += 30_000;
    await(nat.pollCounters());
    assertTrue(r.fed.get(r.fed.size() - 1).contains("DNAT --to-destination 127.0.21.2:32001"), "back after 61 s");
  }

  @Test
  void aUdpPortThatGetsEndpointsHasItsUntranslatedFlowsForgottenOnceTheRulesAreIn() throws Exception {
    Recorder r = new Recorder();
    NatProxy nat = new NatProxy(r, "iptables", MINE, new SimpleMeterRegistry());
    await(nat.start());
    ServicePortKey dnsKey = new ServicePortKey("default", "dns", "udp", "UDP");
    ServicePortSpec none = new ServicePortSpec(dnsKey, "127.121.0.7", 5353, 0, 0, List.of());
    ServicePortSpec some = new ServicePortSpec(dnsKey, "127.121.0.7", 5353, 0, 0, List.of(new Backend("127.0.21.2", 40053)));
    ServicePortSpec web = new ServicePortSpec(new ServicePortKey("default", "web", "", "TCP"), "127.121.0.5", 80, 0, 0,
        List.of(new Backend("127.0.21.2", 32000)));
    String forget = "conntrack -D -p udp --orig-dst 127.121.0.7 --dport 5353";

    nat.apply(List.of(none, web)); // rejected while it has no endpoint: nothing tracked to forget; TCP never
    assertFalse(r.ran.stream().anyMatch(c -> c.startsWith("conntrack")), r.ran.toString());

    r.ran.clear();
    nat.apply(List.of(some, web));
    assertEquals(List.of("iptables-restore --noflush", forget), r.ran, "forgotten after the restore that serves it");

    r.ran.clear();
    nat.apply(List.of(some, web)); // still served: its flows are translated ones now
    assertFalse(r.ran.contains(forget), r.ran.toString());

    nat.apply(List.of(none, web));
    r.ran.clear();
    nat.apply(List.of(some, web)); // served again after a time without endpoints
    assertTrue(r.ran.contains(forget), r.ran.toString());
  }

  @Test
  void theUdpFlowsToAnEndpointTakenOutAreForgottenAtTheClusterIpAndTheNodePort() throws Exception {
    Recorder r = new Recorder();
    NatProxy nat = new NatProxy(r, "iptables", MINE, new SimpleMeterRegistry());
    await(nat.start());
    ServicePortKey key = new ServicePortKey("default", "dns", "", "UDP");
    Backend a = new Backend("127.0.21.2", 40001);
    Backend b = new Backend("127.0.21.3", 40002);
    nat.apply(List.of(new ServicePortSpec(key, "127.121.0.7", 53, 31053, 0, List.of(a, b))));
    assertTrue(r.ran.contains("conntrack -D -p udp --orig-dst 127.121.0.7 --dport 53"), r.ran.toString());
    assertTrue(r.ran.contains("conntrack -D -p udp --dport 31053"), "its node port too: " + r.ran);

    r.ran.clear();
    nat.apply(List.of(new ServicePortSpec(key, "127.121.0.7", 53, 31053, 0, List.of(b))));
    assertEquals(List.of("iptables-restore --noflush",
        "conntrack -D -p udp --orig-dst 127.121.0.7 --dport 53 --reply-src 127.0.21.2 --reply-port-src 40001",
        "conntrack -D -p udp --dport 31053 --reply-src 127.0.21.2 --reply-port-src 40001"), r.ran);

    r.ran.clear();
    nat.apply(List.of(new ServicePortSpec(key, "127.121.0.8", 53, 31053, 0, List.of(b)))); // made again, another IP
    assertEquals(List.of("iptables-restore --noflush",
        "conntrack -D -p udp --orig-dst 127.121.0.8 --dport 53",
        "conntrack -D -p udp --dport 31053",
        "conntrack -D -p udp --orig-dst 127.121.0.7 --dport 53 --reply-src 127.0.21.3 --reply-port-src 40002",
        "conntrack -D -p udp --dport 31053 --reply-src 127.0.21.3 --reply-port-src 40002"), r.ran);

    r.ran.clear();
    nat.apply(List.of()); // the service gone: its last endpoint's flows with it
    assertEquals(List.of("iptables-restore --noflush",
        "conntrack -D -p udp --orig-dst 127.121.0.8 --dport 53 --reply-src 127.0.21.3 --reply-port-src 40002",
        "conntrack -D -p udp --dport 31053 --reply-src 127.0.21.3 --reply-port-src 40002"), r.ran);
  }

  @Test
  void withoutConntrackItIsSaidOnceAndNotTriedAgain() throws Exception {
    Recorder r = new Recorder();
    r.noConntrack = true;
    NatProxy nat = new NatProxy(r, "iptables", MINE, new SimpleMeterRegistry());
    await(nat.start());
    int restores = r.fed.size();
    ServicePortSpec a = new ServicePortSpec(new ServicePortKey("default", "a", "", "UDP"), "127.121.0.8", 53, 0, 0,
        List.of(new Backend("127.0.21.2", 40001)));
    ServicePortSpec b = new ServicePortSpec(new ServicePortKey("default", "b", "", "UDP"), "127.121.0.9", 53, 0, 0,
        List.of(new Backend("127.0.21.2", 40002)));
    nat.apply(List.of(a));
    nat.apply(List.of(a, b));
    assertEquals(1, r.ran.stream().filter(c -> c.startsWith("conntrack")).count(), r.ran.toString());
    assertEquals(restores + 2, r.fed.size(), "the rules themselves are still applied: " + r.ran);
  }
}
