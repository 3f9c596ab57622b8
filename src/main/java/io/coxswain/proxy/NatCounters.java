package io.coxswain.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The meters of the iptables proxy mode, fed from the kernel's counters of the node's counting and reject
 * chains ({@link NatRules}) as {@code iptables-save --counters} prints them. The same meters as the user-space
 * modes ({@link PortMeters}) but the gauge of open connections; bytes are those of IP packets (headers and
 * bare acknowledgements included), and a "connection" is a connection or UDP flow the kernel saw begin.
 * A chain declared again (after a failed restore) starts from zero: its new count is then all new. Used from
 * one Vert.x context only.
 */
final class NatCounters {
  /** One rule's counts. */
  record Count(long packets, long bytes) {}

  private static final Pattern RULE = Pattern.compile(
      "^\\[(\\d+):(\\d+)\\] -A (\\S+) .*--comment (?:\"([^\"]*)\"|(\\S+))");

  private final MeterRegistry registry;
  private final NatRules rules;
  private final Map<ServicePortKey, Tracked> ports = new HashMap<>();

  private static final class Tracked {
    final PortMeters meters;
    final Map<String, Long> last = new HashMap<>();

    Tracked(PortMeters meters) {
      this.meters = meters;
    }

    /** Adds to {@code counter} what {@code now} counted since the last reading of {@code what}. */
    void advance(Counter counter, String what, long now) {
      Long before = last.put(what, now);
      long delta = before == null || now < before ? now : now - before;
      if (delta > 0) {
        counter.increment(delta);
      }
    }
  }

  NatCounters(MeterRegistry registry, NatRules rules) {
    this.registry = registry;
    this.rules = rules;
  }

  /** Meters for the ports of {@code specs}; those of ports no longer there are removed. */
  void track(Collection<ServicePortSpec> specs) {
    Map<ServicePortKey, ServicePortSpec> wanted = new LinkedHashMap<>();
    specs.forEach(s -> wanted.put(s.key(), s));
    ports.entrySet().removeIf(e -> {
      if (!wanted.containsKey(e.getKey())) {
        e.getValue().meters.remove();
        return true;
      }
      return false;
    });
    wanted.forEach((key, spec) -> ports.computeIfAbsent(key,
        k -> new Tracked(new PortMeters(registry, k, spec.port(), false))));
  }

  /** Brings the meters up to the counts in {@code save}, the {@code iptables-save --counters} of mangle and filter. */
  void update(String save) {
    Map<String, Map<String, Count>> counts = parse(save);
    for (Map.Entry<ServicePortKey, Tracked> e : ports.entrySet()) {
      Map<String, Count> count = counts.get(rules.countChain(e.getKey()));
      Tracked t = e.getValue();
      if (count != null) {
        t.advance(t.meters.accepted, NatRules.CONNECTIONS, packets(count, NatRules.CONNECTIONS));
        t.advance(t.meters.bytesIn, NatRules.BYTES_IN, bytes(count, NatRules.BYTES_IN));
        t.advance(t.meters.bytesOut, NatRules.BYTES_OUT, bytes(count, NatRules.BYTES_OUT));
        t.advance(t.meters.connectErrors, NatRules.REFUSED,
            packets(count, NatRules.REFUSED) + packets(count, NatRules.UNREACHABLE));
      }
      Map<String, Count> rejected = counts.get(rules.rejectChain(e.getKey()));
      if (rejected != null) {
        t.advance(t.meters.noEndpoints, NatRules.REJECTED, packets(rejected, NatRules.REJECTED));
      }
    }
  }

  /** Removes every meter (the proxy stops). */
  void close() {
    ports.values().forEach(t -> t.meters.remove());
    ports.clear();
  }

  private static long packets(Map<String, Count> chain, String comment) {
    Count c = chain.get(comment);
    return c == null ? 0 : c.packets();
  }

  private static long bytes(Map<String, Count> chain, String comment) {
    Count c = chain.get(comment);
    return c == null ? 0 : c.bytes();
  }

  /** The packet counts of one chain's commented rules, by comment. */
  static Map<String, Long> perComment(String save, String chain) {
    Map<String, Long> out = new HashMap<>();
    parse(save).getOrDefault(chain, Map.of()).forEach((comment, count) -> out.put(comment, count.packets()));
    return out;
  }

  /** The counts of every commented rule in {@code iptables-save --counters} output, by chain and comment. */
  static Map<String, Map<String, Count>> parse(String save) {
    Map<String, Map<String, Count>> out = new HashMap<>();
    for (String line : save.split("\n")) {
      Matcher m = RULE.matcher(line);
      if (m.find()) {
        String comment = m.group(4) != null ? m.group(4) : m.group(5);
        out.computeIfAbsent(m.group(3), c -> new HashMap<>()).merge(comment,
            new Count(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))),
            (a, b) -> new Count(a.packets() + b.packets(), a.bytes() + b.bytes()));
      }
    }
    return out;
  }
}
