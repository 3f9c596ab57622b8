package io.coxswain.proxy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Picks a backend for each new connection or flow: round robin over the ready backends, or, with ClientIP
 * affinity, the backend a client used last while it stays ready and the client came back within the timeout.
 * Pure and single-threaded; time is passed in.
 */
public final class RoundRobinBalancer {
  private record Affinity(Backend backend, long lastUsedMillis) {}

  private List<Backend> backends = List.of();
  private int next;
  private long affinityMillis;
  private final Map<String, Affinity> affinities = new HashMap<>();

  public RoundRobinBalancer(List<Backend> backends, int affinitySeconds) {
    update(backends, affinitySeconds);
  }

  /** Replaces the backends; clients stuck to a backend that is gone will get a new one. */
  public void update(List<Backend> newBackends, int affinitySeconds) {
    this.backends = List.copyOf(newBackends);
    this.affinityMillis = affinitySeconds * 1000L;
    if (affinitySeconds == 0) {
      affinities.clear();
    } else {
      affinities.values().removeIf(a -> !backends.contains(a.backend()));
    }
    if (next >= backends.size()) {
      next = 0;
    }
  }

  public List<Backend> backends() {
    return backends;
  }

  /**
   * The backend for a new connection from {@code clientIp}, skipping those in {@code tried} (they refused);
   * null when none is left.
   */
  public Backend pick(String clientIp, long nowMillis, Set<Backend> tried) {
    if (affinityMillis > 0) {
      Affinity a = affinities.get(clientIp);
      if (a != null && nowMillis - a.lastUsedMillis() <= affinityMillis && !tried.contains(a.backend())) {
        affinities.put(clientIp, new Affinity(a.backend(), nowMillis));
        return a.backend();
      }
    }
    for (int i = 0; i < backends.size(); i++) {
      Backend b = backends.get((next + i) % backends.size());
      if (!tried.contains(b)) {
        next = (next + i + 1) % backends.size();
        if (affinityMillis > 0) {
          affinities.put(clientIp, new Affinity(b, nowMillis));
        }
        return b;
      }
    }
    return null;
  }

  /** Forgets the affinities unused for longer than the timeout (called now and then). */
  public void expire(long nowMillis) {
    affinities.values().removeIf(a -> nowMillis - a.lastUsedMillis() > affinityMillis);
  }

  int affinityCount() {
    return affinities.size();
  }
}
