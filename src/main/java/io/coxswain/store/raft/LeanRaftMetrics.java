package io.coxswain.store.raft;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

/**
 * The metric registries Ratis records into, found by Ratis through {@code META-INF/services} in place of its
 * default implementation: counters that count, timers that measure nothing and gauges that are not kept.
 *
 * <p>Nothing reads Ratis's own metrics here: a node's {@code /metrics} are the Micrometer registry's, and no
 * reporter (JMX or console) is started. Ratis's default registries time every log append, flush, apply and
 * request into decaying histograms (a sample object, a boxed weight and a lock each, on the write path of
 * every member: about 2.5 % of a member's CPU under the store bench, ~10,800 sample objects on a master's
 * heap after it), and a master loaded ~80 classes of theirs. Ratis discards every timing it takes (the
 * elapsed time a context's stop returns is never read), so timers here take none. Counters stay real (cheap
 * adders): Ratis's tests and a debugger may read them.
 */
public final class LeanRaftMetrics extends MetricRegistries {
  private final Map<MetricRegistryInfo, RatisMetricRegistry> registries = new ConcurrentHashMap<>();

  @Override
  public void clear() {
    registries.clear();
  }

  @Override
  public RatisMetricRegistry create(MetricRegistryInfo info) {
    return registries.computeIfAbsent(info, Registry::new);
  }

  @Override
  public boolean remove(MetricRegistryInfo info) {
    return registries.remove(info) != null;
  }

  @Override
  public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
    return Optional.ofNullable(registries.get(info));
  }

  @Override
  public Set<MetricRegistryInfo> getMetricRegistryInfos() {
    return new HashSet<>(registries.keySet());
  }

  @Override
  public Collection<RatisMetricRegistry> getMetricRegistries() {
    return new ArrayList<>(registries.values());
  }

  @Override
  public void addReporterRegistration(Consumer<RatisMetricRegistry> start, Consumer<RatisMetricRegistry> stop) {
    // no reporters: nothing outside reads these
  }

  @Override
  public void enableJmxReporter() {
    // no reporters
  }

  @Override
  public void enableConsoleReporter(TimeDuration interval) {
    // no reporters
  }

  /** A timer whose every timing is free: its context reports no elapsed time. */
  static final Timekeeper UNTIMED = () -> () -> 0L;

  /** One component's registry (a server, its log, a log appender...). */
  static final class Registry implements RatisMetricRegistry {
    private final MetricRegistryInfo info;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    Registry(MetricRegistryInfo info) {
      this.info = info;
    }

    @Override
    public Timekeeper timer(String name) {
      return UNTIMED;
    }

    @Override
    public LongCounter counter(String name) {
      return counters.computeIfAbsent(name, n -> new Counter());
    }

    @Override
    public boolean remove(String name) {
      return counters.remove(name) != null;
    }

    @Override
    public <T> void gauge(String name, Supplier<Supplier<T>> gauge) {
      // not kept: a gauge is read only by a reporter
    }

    @Override
    public MetricRegistryInfo getMetricRegistryInfo() {
      return info;
    }
  }

  static final class Counter implements LongCounter {
    private final LongAdder count = new LongAdder();

    @Override
    public void inc(long n) {
      count.add(n);
    }

    @Override
    public void dec(long n) {
      count.add(-n);
    }

    @Override
    public long getCount() {
      return count.sum();
    }
  }
}
