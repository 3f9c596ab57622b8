package io.coxswain.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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
  static final java.time.Duration COUNTER_PERIOD = java.time.Duration.ofSeconds(5);

  private final CommandRunner runner;
  private final String iptables;
  private final NatRules rules;
  private Set<String> applied = new LinkedHashSet<>();
  /** Chains known to exist with their rules (empty after a failed restore: the next one declares them all). */
  private Set<String> intact = new LinkedHashSet<>();
  private final NatCounters counters;
  private boolean polling;
  private boolean applying;
  private Collection<ServicePortSpec> pending;
  private boolean stopped;

  NatProxy(CommandRunner runner, String iptables, NatRules rules, MeterRegistry registry) {
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

  /** Makes the rules those of {@code ports}, now or right after the restore under way. */
  void apply(Collection<ServicePortSpec> ports) {
    if (stopped) {
      return;
    }
    if (applying) {
      pending = List.copyOf(ports);
      return;
    }
    applying = true;
    counters.track(ports);
    restore(ports).onComplete(ar -> {
      applying = false;
      if (pending != null) {
        Collection<ServicePortSpec> next = pending;
        pending = null;
        apply(next);
      }
    });
  }

  private Future<Void> restore(Collection<ServicePortSpec> ports) {
    NatRules.Render r = rules.render(ports, applied, intact);
    return runner.feed(List.of(iptables + "-restore", "--noflush"), r.restoreInput())
        .onSuccess(v -> {
          applied = new LinkedHashSet<>(r.chains());
          intact = new LinkedHashSet<>(r.chains());
        })
        .onFailure(e -> {
          // keep every chain we may have left, so that a later render or the stop removes them
          applied.addAll(r.chains());
          intact.clear();
          LOG.warn("iptables rules for {} service ports not applied: {}", ports.size(), e.getMessage());
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
    Future<String> mangle = runner.output(List.of(iptables + "-save", "-c", "-t", "mangle"));
    Future<String> filter = runner.output(List.of(iptables + "-save", "-c", "-t", "filter"));
    return Future.all(mangle, filter).<Void>map(all -> {
      if (!stopped) {
        counters.update(mangle.result() + "\n" + filter.result());
      }
      return null;
    }).onFailure(e -> LOG.debug("iptables counters not read: {}", e.getMessage()))
        .eventually(() -> {
          polling = false;
          return Future.succeededFuture();
        });
  }

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
