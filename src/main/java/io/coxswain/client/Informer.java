package io.coxswain.client;

import io.coxswain.model.SharedEmpties;
import io.coxswain.model.SharedParts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * List, then watch from the list's resourceVersion, keeping a cache of the objects and telling handlers
 * what changed. Re-watches from the last seen revision when a watch ends; lists again when the revision is
 * too old (410) or the watch cannot be resumed; every resync period it replays every cached object as an
 * update so level-triggered consumers converge even if they missed something.
 *
 * <p>Objects in the cache are shared: consumers must copy one before changing it. Their empty lists and maps
 * are one immutable empty list and map ({@link SharedEmpties}), and pods' equal parts (containers, labels, ...)
 * one instance among many pods ({@link SharedParts}). All callbacks run on the Vert.x context that
 * called {@link #start()}.
 */
public final class Informer<T extends HasMetadata> {
  private static final Logger LOG = LoggerFactory.getLogger(Informer.class);

  /** What a consumer hears. */
  public interface Handler<T> {
    void onAdd(T obj);

    void onUpdate(T old, T obj);

    void onDelete(T obj);
  }

  private final Vertx vertx;
  private final ClusterClient client;
  private final ResourceKind<T> kind;
  private final String namespace;
  private final ListOptions options;
  private final Duration resync;
  private final Map<String, T> cache = new ConcurrentHashMap<>();
  private final List<Handler<T>> handlers = new ArrayList<>();
  private volatile String lastRevision;
  private volatile boolean stopped;
  private volatile boolean synced;
  private ClusterClient.WatchHandle watch;
  private long resyncTimer = -1;
  private long backoffMs = 200;
  private Future<Void> started;

  public Informer(Vertx vertx, ClusterClient client, ResourceKind<T> kind, String namespace, ListOptions options,
                  Duration resync) {
    this.vertx = vertx;
    this.client = client;
    this.kind = kind;
    this.namespace = namespace;
    this.options = options;
    this.resync = resync;
  }

  /**
   * Adds a handler. One added after the first list is told of every cached object as an add, so a late
   * consumer of a shared informer starts from the same state as an early one. Call on the informer's context.
   */
  public Informer<T> addHandler(Handler<T> handler) {
    handlers.add(handler);
    if (synced) {
      for (T obj : cache.values()) {
        handler.onAdd(obj);
      }
    }
    return this;
  }

  public void removeHandler(Handler<T> handler) {
    handlers.remove(handler);
  }

  /** Completes after the first list has filled the cache and been told to the handlers; idempotent. */
  public synchronized Future<Void> start() {
    if (started != null) {
      return started;
    }
    Promise<Void> first = Promise.promise();
    started = first.future();
    relist(first);
    if (resync != null && !resync.isZero()) {
      resyncTimer = vertx.setPeriodic(resync.toMillis(), id -> {
        for (T obj : cache.values()) {
          handlers.forEach(h -> h.onUpdate(obj, obj));
        }
      });
    }
    return first.future();
  }

  public boolean hasSynced() {
    return synced;
  }

  public Collection<T> list() {
    return List.copyOf(cache.values());
  }

  public T get(String ns, String name) {
    return cache.get(key(ns, name));
  }

  public String lastRevision() {
    return lastRevision;
  }

  public void stop() {
    stopped = true;
    if (resyncTimer >= 0) {
      vertx.cancelTimer(resyncTimer);
    }
    if (watch != null) {
      watch.cancel();
    }
  }

  public static String key(String namespace, String name) {
    return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
  }

  public static String key(HasMetadata obj) {
    return key(obj.getMetadata().getNamespace(), obj.getMetadata().getName());
  }

  private void relist(Promise<Void> first) {
    if (stopped) {
      return;
    }
    listAll(options.withResourceVersion(null).withContinue(null), new ArrayList<>()).onSuccess(list -> {
      backoffMs = 200;
      Map<String, T> fresh = new java.util.HashMap<>();
      for (T obj : list.items()) {
        fresh.put(key(obj), SharedParts.share(SharedEmpties.share(obj)));
      }
      for (Map.Entry<String, T> e : fresh.entrySet()) {
        T old = cache.put(e.getKey(), e.getValue());
        if (old == null) {
          handlers.forEach(h -> h.onAdd(e.getValue()));
        } else if (!rv(old).equals(rv(e.getValue()))) {
          handlers.forEach(h -> h.onUpdate(old, e.getValue()));
        }
      }
      for (String k : List.copyOf(cache.keySet())) {
        if (!fresh.containsKey(k)) {
          T gone = cache.remove(k);
          handlers.forEach(h -> h.onDelete(gone));
        }
      }
      lastRevision = list.resourceVersion();
      synced = true;
      if (first != null) {
        first.tryComplete();
      }
      startWatch();
    }).onFailure(err -> {
      LOG.debug("list of {} failed: {}", kind.resource(), err.toString());
      retryLater(() -> relist(first));
    });
  }

  private Future<ObjectList<T>> listAll(ListOptions opts, List<T> acc) {
    return client.list(kind, namespace, opts).compose(page -> {
      acc.addAll(page.items());
      if (page.continueToken() != null) {
        return listAll(opts.withContinue(page.continueToken()), acc);
      }
      return Future.succeededFuture(new ObjectList<>(acc, page.resourceVersion(), null));
    });
  }

  private void startWatch() {
    if (stopped) {
      return;
    }
    client.watch(kind, namespace, options.withResourceVersion(lastRevision).withBookmarks(), this::onEvent, err -> {
      watch = null;
      if (stopped) {
        return;
      }
      if (err instanceof ApiException api && api.isGone()) {
        relist(null);
      } else if (err == null) {
        startWatch();
      } else {
        LOG.debug("watch of {} ended: {}", kind.resource(), err.toString());
        retryLater(this::startWatch);
      }
    }).onSuccess(handle -> {
      backoffMs = 200;
      if (stopped) {
        handle.cancel();
      } else {
        watch = handle;
      }
    }).onFailure(err -> {
      if (err instanceof ApiException api && api.isGone()) {
        relist(null);
      } else {
        retryLater(this::startWatch);
      }
    });
  }

  private void onEvent(ObjectEvent<T> event) {
    T obj = event.object();
    if (obj.getMetadata() != null && obj.getMetadata().getResourceVersion() != null) {
      lastRevision = obj.getMetadata().getResourceVersion();
    }
    switch (event.type()) {
      case ADDED, MODIFIED -> {
        SharedParts.share(SharedEmpties.share(obj));
        T old = cache.put(key(obj), obj);
        if (old == null) {
          handlers.forEach(h -> h.onAdd(obj));
        } else {
          handlers.forEach(h -> h.onUpdate(old, obj));
        }
      }
      case DELETED -> {
        T old = cache.remove(key(obj));
        handlers.forEach(h -> h.onDelete(old == null ? obj : old));
      }
      case BOOKMARK -> { }
    }
  }

  private void retryLater(Runnable action) {
    if (stopped) {
      return;
    }
    long delay = backoffMs;
    backoffMs = Math.min(backoffMs * 2, 5000);
    vertx.setTimer(delay, id -> action.run());
  }

  private static String rv(HasMetadata obj) {
    String rv = obj.getMetadata().getResourceVersion();
    return rv == null ? "" : rv;
  }
}
