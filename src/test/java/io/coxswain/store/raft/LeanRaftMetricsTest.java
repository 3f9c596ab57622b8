package io.coxswain.store.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.junit.jupiter.api.Test;

class LeanRaftMetricsTest {
  @Test
  void ratisFindsTheseRegistriesInPlaceOfItsDefault() {
    assertInstanceOf(LeanRaftMetrics.class, MetricRegistries.global(),
        "Ratis loads its registries through META-INF/services");
  }

  @Test
  void aComponentsRegistryIsMadeOnceCountsAndTimesNothing() {
    LeanRaftMetrics metrics = new LeanRaftMetrics();
    MetricRegistryInfo info = new MetricRegistryInfo("m1@group", "ratis", "server", "test");
    RatisMetricRegistry registry = metrics.create(info);
    assertSame(registry, metrics.create(info), "one registry per component");
    assertSame(registry, metrics.get(info).orElseThrow());
    assertEquals(1, metrics.getMetricRegistryInfos().size());

    LongCounter counter = registry.counter("appends");
    counter.inc();
    counter.inc(4);
    counter.dec();
    assertEquals(4, registry.counter("appends").getCount(), "the same counter by name, counting");
    assertEquals(0L, registry.timer("flush").time().stop(), "timers measure nothing");
    registry.gauge("queue", () -> () -> 1);

    assertTrue(metrics.remove(info));
    assertFalse(metrics.get(info).isPresent());
    assertFalse(metrics.remove(info));
  }
}
