package io.coxswain.client;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One informer per resource (all namespaces, no selector) shared by every consumer in a process, so the
 * scheduler and the controllers of a leader hold one cache and one watch of pods between them, not one
 * each. Consumers add their handlers, then call {@link Informer#start()} (idempotent).
 */
public final class SharedInformers {
  private final Vertx vertx;
  private final ClusterClient client;
  private final Duration resync;
  private final Map<String, Informer<?>> informers = new LinkedHashMap<>();

  public SharedInformers(Vertx vertx, ClusterClient client, Duration resync) {
    this.vertx = vertx;
    this.client = client;
    this.resync = resync;
  }

  @SuppressWarnings("unchecked")
  public synchronized <T extends HasMetadata> Informer<T> of(ResourceKind<T> kind) {
    return (Informer<T>) informers.computeIfAbsent(kind.resource(),
        r -> new Informer<>(vertx, client, kind, null, ListOptions.ALL, resync));
  }

  public ClusterClient client() {
    return client;
  }

  public Vertx vertx() {
    return vertx;
  }

  public synchronized void stop() {
    informers.values().forEach(Informer::stop);
    informers.clear();
  }
}
