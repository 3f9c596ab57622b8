package io.coxswain.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The iptables proxy mode at work: keeps the kernel's rules equal to the service table ({@link NatRules}),
 * one atomic {@code iptables-restore --noflush} per change, changes that come while one is applied folded
 * into the next; the kernel's counts of each port go to its meters ({@link NatCounters}) when
 * {@link #pollCounters()} asks. Used from one Vert.x context only.
 */
final class NatProxy {
  private static final Logger LOG = LoggerFactory.getLogger(NatProxy.class);
  /** Lets DNAT send connections from a loopback address off this host (see {@link NatRules}). */
  static final String ROUTE_LOCALNET = "net.ipv4.conf.all.route_localnet";
  /** How often the kernel's counts are read into the meters. */
  static final java.time.Duration COUNTER_PERIOD = java.time.Duration.ofSeconds(2);

  private final CommandRunner runner;
  private final String iptables;
  private final NatRules rules;
  private Set<String> applied = new LinkedHashSet<>();
  /** Chains known to exist with their rules (empty after a failed restore: the next one declares them all). */
  private Set<String> intact = new LinkedHashSet<>();
  private final NatCounters counters;
  private boolean polling;
  private boolean applying;
  private boolean pending;
  private List<ServicePortSpec> wanted = List.of();
  /** Restores done: each zeroes the per-endpoint refusal counts. */
  private long generation;
  private long refusalsGeneration = -1;
  private Map<String, Long> refusals = Map.of();
  /** Endpoints ("ip:port") left out of the rules for refusing connections, and until when. */
  private final Map<String, Long> takenOut = new HashMap<>();
  /** Per endpoint: how many times in a row it was taken out, and when it last came back. */
  private final Map<String, long[]> strikes = new HashMap<>();
  private final LongSupplier clock;
  private boolean stopped;
  /** The UDP ports that had endpoints in the rules last applied. */
  private Map<ServicePortKey, ServicePortSpec> udpServed = Map.of();
  /** False once {@code conntrack} was found missing: said once, not tried again. */
  private boolean conntrackUsable = true;

  NatProxy(CommandRunner runner, String iptables, NatRules rules, MeterRegistry registry) {
    this(runner, iptables, rules, registry, System::currentTimeMillis);
  }

  NatProxy(CommandRunner runner, String iptables, NatRules rules, MeterRegistry registry, LongSupplier clock) {
    this.clock = clock;
    this.runner = runner;
    this.iptables = iptables;
    this.rules = rules;
    this.counters = new NatCounters(registry, rules);
  }

  /** Finds what a previous run of this node left, installs the (empty) top chains and the jumps to them. */
  Future<Void> start() {
    return leftovers().compose(left -> {
      applied.addAll(left);
      intact.addAll(left);
      return restore(List.of());
    }).compose(v -> {
      Future<Void> chain = Future.succeededFuture();
      for (NatRules.Jump j : rules.jumps()) {
        chain = chain.compose(x -> runner.run(jump(j, "-D")).<Void>mapEmpty().recover(e -> Future.succeededFuture()))
            .compose(x -> runner.run(jump(j, "-I")).compose(code -> code == 0 ? Future.<Void>succeededFuture()
                : Future.failedFuture(String.join(" ", jump(j, "-I")) + " exited " + code)));
      }
      return chain;
    }).compose(v -> routeLocalnet()).onSuccess(v -> LOG.info("iptables proxy mode: services are forwarded by the kernel (chains {}*)",
        rules.natChain()));
  }

  /**
   * Turns {@link #ROUTE_LOCALNET} on when it is off, so that cluster IPs and node ports reached over loopback
   * may lead to endpoints on other hosts, and says so to the other nodes of the host with the empty nat chain
   * {@link NatRules#LOCALNET_MARK} (whichever node stops last turns it off again; a host where it was on
   * already, without the mark, is left as it is). A failure is logged (those endpoints then stay out of reach
   * of local clients), not fatal.
   */
  private Future<Void> routeLocalnet() {
    return runner.output(List.of("sysctl", "-n", ROUTE_LOCALNET)).compose(value -> {
      if ("1".equals(value.trim())) {
        return Future.<Void>succeededFuture();
      }
      return runner.run(List.of("sysctl", "-w", ROUTE_LOCALNET + "=1")).compose(code -> code == 0
          ? Future.<Void>succeededFuture() : Future.<Void>failedFuture("sysctl -w exited " + code))
          .compose(v -> runner.run(List.of(iptables, "-w", "-t", "nat", "-N", NatRules.LOCALNET_MARK)).<Void>mapEmpty())
          .onSuccess(v -> {
            LOG.info("set {}=1: loopback clients of cluster IPs and node ports reach endpoints on other hosts"
                + " (packets for 127.0.0.0/8 from elsewhere are dropped by {}; it is set back to 0 when the last"
                + " node of this host in iptables mode stops)", ROUTE_LOCALNET, rules.rejectChain());
          });
    }).recover(e -> {
      LOG.warn("cannot set {}=1 ({}): local clients of a service in 127.0.0.0/8 cannot reach its endpoints on"
          + " other hosts", ROUTE_LOCALNET, e.getMessage());
      return Future.succeededFuture();
    });
  }

  /** Makes the rules those of {@code ports} (less the endpoints taken out), now or right after the restore under way. */
  void apply(Collection<ServicePortSpec> ports) {
    if (stopped) {
      return;
    }
    wanted = List.copyOf(ports);
    counters.track(wanted);
    push();
  }

  private void push() {
    if (stopped) {
      return;
    }
    if (applying) {
      pending = true;
      return;
    }
    applying = true;
    restore(withoutTakenOut(wanted)).onComplete(ar -> {
      applying = false;
      if (pending && !stopped) {
        pending = false;
        push();
      }
    });
  }

  /**
   * The ports with the endpoints that refused lately left out; a port whose every endpoint refused keeps
   * them all (nothing better to send its clients to).
   */
  List<ServicePortSpec> withoutTakenOut(Collection<ServicePortSpec> ports) {
    List<ServicePortSpec> out = new ArrayList<>(ports.size());
    for (ServicePortSpec s : ports) {
      List<Backend> kept = s.backends().stream().filter(b -> !takenOut.containsKey(b.toString())).toList();
      out.add(kept.isEmpty() || kept.size() == s.backends().size() ? s
          : new ServicePortSpec(s.key(), s.clusterIp(), s.port(), s.nodePort(), s.affinitySeconds(), kept));
    }
    return out;
  }

  private Future<Void> restore(Collection<ServicePortSpec> ports) {
    NatRules.Render r = rules.render(ports, applied, intact);
    return runner.feed(List.of(iptables + "-restore", "--noflush"), r.restoreInput())
        .onSuccess(v -> {
          applied = new LinkedHashSet<>(r.chains());
          intact = new LinkedHashSet<>(r.chains());
          generation++;
          forgetUdpFlows(ports);
        })
        .onFailure(e -> {
          // keep every chain we may have left, so that a later render or the stop removes them
          applied.addAll(r.chains());
          intact.clear();
          LOG.warn("iptables rules for {} service ports not applied: {}", ports.size(), e.getMessage());
        });
  }

  /**
   * Drops the kernel's connection-tracking entries of UDP flows the new rules no longer describe, as kube-proxy
   * does; the nat table is only asked for a flow's first packet, and a UDP flow lasts as long as its datagrams
   * keep coming (it has no end to wait for). Two kinds:
   * <ul>
   *   <li>of a port that has just got endpoints: a datagram sent to a cluster IP before its rules were in
   *   place (a client quicker than the node) is tracked as a flow to that address itself, untranslated, and
   *   that client was never answered (a port without endpoints rejects its datagrams, which leaves no entry);
   *   <li>to an endpoint taken out of a port: its clients kept sending to it (a pod gone, say).
   * </ul>
   * Node-port flows alike.
   */
  private void forgetUdpFlows(Collection<ServicePortSpec> ports) {
    Map<ServicePortKey, ServicePortSpec> now = new HashMap<>();
    for (ServicePortSpec s : ports) {
      if ("UDP".equalsIgnoreCase(s.key().protocol()) && !s.backends().isEmpty()) {
        now.put(s.key(), s);
      }
    }
    for (ServicePortSpec s : now.values()) {
      ServicePortSpec was = udpServed.get(s.key());
      if (was == null || !was.clusterIp().equals(s.clusterIp()) || was.nodePort() != s.nodePort()) {
        forget(List.of("--orig-dst", s.clusterIp(), "--dport", Integer.toString(s.port())));
        if (s.nodePort() > 0) {
          forget(List.of("--dport", Integer.toString(s.nodePort())));
        }
      }
    }
    for (ServicePortSpec before : udpServed.values()) {
      ServicePortSpec after = now.get(before.key());
      for (Backend gone : before.backends()) {
        if (after != null && after.clusterIp().equals(before.clusterIp()) && after.nodePort() == before.nodePort()
            && after.backends().contains(gone)) {
          continue;
        }
        List<String> toGone = List.of("--reply-src", gone.host(), "--reply-port-src", Integer.toString(gone.port()));
        forget(concat(List.of("--orig-dst", before.clusterIp(), "--dport", Integer.toString(before.port())), toGone));
        if (before.nodePort() > 0) {
          forget(concat(List.of("--dport", Integer.toString(before.nodePort())), toGone));
        }
      }
    }
    udpServed = now;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** {@code conntrack -D -p udp} with {@code match}; exits 1 when nothing matched, which is no error. */
  private void forget(List<String> match) {
    if (!conntrackUsable) {
      return;
    }
    runner.run(concat(List.of("conntrack", "-D", "-p", "udp"), match)).onFailure(e -> {
      if (conntrackUsable) {
        conntrackUsable = false;
        LOG.warn("cannot run conntrack ({}): a UDP client whose flow the rules no longer describe (one that sent to a"
            + " service before its rules were in place, or to an endpoint since gone) reaches an endpoint only after"
            + " its flow has been quiet for 30 s; install conntrack (Debian: conntrack)", e.getMessage());
      }
    });
  }

  /**
   * Reads the kernel's counts into the ports' meters (one {@code iptables-save} per table); a reading still
   * under way makes this one a no-op, a failed one is logged.
   */
  Future<Void> pollCounters() {
    if (stopped || polling) {
      return Future.succeededFuture();
    }
    polling = true;
    long readingGeneration = generation;
    Future<String> mangle = runner.output(List.of(iptables + "-save", "-c", "-t", "mangle"));
    Future<String> filter = runner.output(List.of(iptables + "-save", "-c", "-t", "filter"));
    return Future.all(mangle, filter).<Void>map(all -> {
      if (!stopped) {
        counters.update(mangle.result() + "\n" + filter.result());
        if (readingGeneration == generation && !applying) { // counts of the rules in place, not of a restore's
          takeOutRefusing(NatCounters.perComment(mangle.result(), rules.refusedChain()));
        }
      }
      return null;
    }).onFailure(e -> LOG.debug("iptables counters not read: {}", e.getMessage()))
        .eventually(() -> {
          polling = false;
          return Future.succeededFuture();
        });
  }

  /**
   * Takes the endpoints whose refusals grew since the last reading out of the rules, for 30 s, twice as long
   * each time it happens again within 5 minutes of its return (at most 5 minutes); brings back those whose
   * time is up. Kernel forwarding cannot retry a refused connection on another endpoint, as the user-space
   * modes do: the connection that met the refusal fails, and the endpoint gets no new ones for a while.
   */
  void takeOutRefusing(Map<String, Long> counts) {
    long now = clock.getAsLong();
    boolean changed = false;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      long before = refusalsGeneration == generation ? refusals.getOrDefault(e.getKey(), 0L) : 0L;
      if (e.getValue() > before && !takenOut.containsKey(e.getKey())) {
        long[] s = strikes.computeIfAbsent(e.getKey(), k -> new long[2]);
        if (now - s[1] > STRIKE_MEMORY_MS) {
          s[0] = 0;
        }
        long millis = Math.min(MAX_TAKE_OUT_MS, TAKE_OUT_MS << Math.min(10, s[0]));
        s[0]++;
        takenOut.put(e.getKey(), now + millis);
        changed = true;
        LOG.info("endpoint {} refused {} connection(s): no new connections to it for {} s (unless it is all a"
            + " service port has)", e.getKey(), e.getValue() - before, millis / 1000);
      }
    }
    refusals = new HashMap<>(counts);
    refusalsGeneration = generation;
    for (var it = takenOut.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Long> e = it.next();
      if (e.getValue() <= now) {
        it.remove();
        strikes.computeIfAbsent(e.getKey(), k -> new long[2])[1] = now;
        changed = true;
        LOG.info("endpoint {} back in the rules", e.getKey());
      }
    }
    strikes.entrySet().removeIf(e -> !takenOut.containsKey(e.getKey()) && now - e.getValue()[1] > STRIKE_MEMORY_MS);
    if (changed) {
      push();
    }
  }

  static final long TAKE_OUT_MS = 30_000;
  static final long MAX_TAKE_OUT_MS = 300_000;
  static final long STRIKE_MEMORY_MS = 300_000;

  /** Removes the jumps, then every chain of this node. */
  Future<Void> stop() {
    stopped = true;
    counters.close();
    Future<Void> chain = Future.succeededFuture();
    for (NatRules.Jump j : rules.jumps()) {
      chain = chain.compose(x -> runner.run(jump(j, "-D")).<Void>mapEmpty().recover(e -> Future.succeededFuture()));
    }
    return chain.compose(v -> leftovers()).compose(left -> {
      Set<String> all = new LinkedHashSet<>(applied);
      all.addAll(left);
      all.add(rules.natChain());
      all.add(rules.postChain());
      return runner.feed(List.of(iptables + "-restore", "--noflush"), rules.teardown(all));
    }).onFailure(e -> LOG.warn("iptables rules not removed: {}", e.getMessage()))
        .compose(v -> routeLocalnetBack(), e -> routeLocalnetBack().compose(x -> Future.failedFuture(e)));
  }

  /**
   * Turns {@link #ROUTE_LOCALNET} back off when a node of this host turned it on ({@link NatRules#LOCALNET_MARK})
   * and no node's chains are left.
   */
  private Future<Void> routeLocalnetBack() {
    return runner.output(List.of(iptables + "-save", "-t", "nat")).compose(save -> {
      Set<String> chains = NatRules.declaredChains(save);
      if (!chains.contains(NatRules.LOCALNET_MARK) || chains.stream()
          .anyMatch(c -> c.startsWith(NatRules.PREFIX) && !c.equals(NatRules.LOCALNET_MARK))) {
        return Future.<Void>succeededFuture(); // not ours to change, or another node (running or crashed) needs it
      }
      return runner.run(List.of("sysctl", "-w", ROUTE_LOCALNET + "=0"))
          .compose(code -> runner.run(List.of(iptables, "-w", "-t", "nat", "-X", NatRules.LOCALNET_MARK)))
          .<Void>mapEmpty().onSuccess(v -> LOG.info("set {}=0 again (no other node of this host in iptables mode)",
              ROUTE_LOCALNET));
    }).recover(e -> {
      LOG.warn("cannot set {} back to 0: {}", ROUTE_LOCALNET, e.getMessage());
      return Future.succeededFuture();
    });
  }

  private Future<Set<String>> leftovers() {
    List<Future<String>> saves = new ArrayList<>();
    for (String table : List.of("nat", "filter", "mangle")) {
      saves.add(runner.output(List.of(iptables + "-save", "-t", table)));
    }
    return Future.all(saves).map(all -> {
      Set<String> mine = new LinkedHashSet<>();
      for (int i = 0; i < saves.size(); i++) {
        NatRules.declaredChains(all.<String>resultAt(i)).stream().filter(rules::owns).forEach(mine::add);
      }
      return mine;
    });
  }

  private List<String> jump(NatRules.Jump j, String op) {
    return List.of(iptables, "-w", "-t", j.table(), op, j.from(), "-m", "comment", "--comment",
        "coxswain services " + j.to(), "-j", j.to());
  }
}
