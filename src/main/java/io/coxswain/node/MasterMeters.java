package io.coxswain.node;

import io.coxswain.store.raft.RaftKvStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * A master's own meters beside the API server's requests (scraped at {@code GET /metrics}):
 * <ul>
 *   <li>its store, as etcd's meters tell of etcd: {@code coxswain_store_has_leader}, {@code _is_leader},
 *       {@code _raft_term}, {@code _raft_commit_index}, {@code _raft_applied_index}, {@code _members},
 *       {@code _leader_changes_seen_total}, {@code _revision}, {@code _compacted_revision};</li>
 *   <li>{@code apiserver_storage_objects{resource}}, the objects of each resource in this master's copy,
 *       counted again at most every 30 s (as Kubernetes refreshes it periodically: counting walks the keys);</li>
 *   <li>the process: {@code process_resident_memory_bytes} and {@code process_cpu_seconds_total} (from
 *       {@code /proc}, as the Go collector kube-apiserver uses reports them), start time, open files, and the
 *       JVM's memory pools.</li>
 * </ul>
 */
final class MasterMeters {
  static final long COUNT_EVERY_NANOS = 30_000_000_000L;

  private MasterMeters() {}

  static void bind(MeterRegistry r, RaftKvStore store, List<String> resources) {
    storeGauge(r, "coxswain.store.has.leader", store, s -> s.hasLeader() ? 1 : 0, "whether this member knows a leader");
    storeGauge(r, "coxswain.store.is.leader", store, s -> s.isLeader() ? 1 : 0, "whether this member leads");
    storeGauge(r, "coxswain.store.raft.term", store, RaftKvStore.RaftStatus::term, "the Raft term this member is in");
    storeGauge(r, "coxswain.store.raft.commit.index", store, RaftKvStore.RaftStatus::commitIndex,
        "the last Raft index this member knows committed");
    storeGauge(r, "coxswain.store.raft.applied.index", store, RaftKvStore.RaftStatus::appliedIndex,
        "the last Raft index this member applied to its state");
    storeGauge(r, "coxswain.store.members", store, RaftKvStore.RaftStatus::voters, "the voters of the group");
    FunctionCounter.builder("coxswain.store.leader.changes.seen", store, s -> s.raftStatus().leaderChanges())
        .description("leaders this member has seen elected since it started").register(r);
    Gauge.builder("coxswain.store.revision", store, RaftKvStore::revision)
        .description("the store's revision in this member's copy").register(r);
    Gauge.builder("coxswain.store.compacted.revision", store, RaftKvStore::compactedRevision)
        .description("the oldest revision a watch may resume after").register(r);
    ObjectCounts counts = new ObjectCounts(store);
    for (String resource : resources) {
      Gauge.builder("apiserver.storage.objects", counts, c -> c.count(resource)).tag("resource", resource)
          .description("objects of the resource stored (this master's copy)").strongReference(true).register(r);
    }
    Gauge.builder("process.resident.memory", MasterMeters::residentBytes).baseUnit("bytes")
        .description("resident memory of the process").register(r);
    FunctionCounter.builder("process.cpu", MasterMeters.class, c -> cpuSeconds()).baseUnit("seconds")
        .description("user and system CPU time of the process").register(r);
    new UptimeMetrics().bindTo(r);
    new FileDescriptorMetrics().bindTo(r);
    new JvmMemoryMetrics().bindTo(r);
  }

  private static void storeGauge(MeterRegistry r, String name, RaftKvStore store,
                                 ToDoubleFunction<RaftKvStore.RaftStatus> f, String description) {
    Gauge.builder(name, store, s -> f.applyAsDouble(s.raftStatus())).description(description).register(r);
  }

  /** Object counts by resource, each counted again once it is older than 30 s. */
  static final class ObjectCounts {
    private record Counted(long count, long at) {}

    private final RaftKvStore store;
    private final ConcurrentHashMap<String, Counted> counted = new ConcurrentHashMap<>();

    ObjectCounts(RaftKvStore store) {
      this.store = store;
    }

    double count(String resource) {
      long now = System.nanoTime();
      Counted c = counted.get(resource);
      if (c == null || now - c.at() > COUNT_EVERY_NANOS) {
        c = new Counted(store.countKeys("/registry/" + resource + "/"), now);
        counted.put(resource, c);
      }
      return c.count();
    }
  }

  /** VmRSS of /proc/self/status in bytes; NaN where there is no such file. */
  static double residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Double.parseDouble(line.substring(6).trim().split("\\s+")[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: no figure
    }
    return Double.NaN;
  }

  /** utime + stime of /proc/self/stat in seconds (the kernel's clock ticks, 100 a second); NaN without it. */
  static double cpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // fields 14 and 15 of the whole line
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
