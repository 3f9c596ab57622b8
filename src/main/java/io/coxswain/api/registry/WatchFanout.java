package io.coxswain.api.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.store.CompactedException;
import io.coxswain.store.Watch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One store watch of a resource shared by all its watchers that resume from a recent revision, as
 * Kubernetes' watch cache does: each change is decoded once, kept in a window of the last {@code capacity}
 * changes (so a watcher resuming from a revision inside it is served from memory), and handed only to the
 * watchers it can concern. Watchers pinned to one value of the indexed field (the kubelets' {@code
 * spec.nodeName=<node>}) are found by that value, old or new: a pod change reaches its node's kubelet, not
 * every kubelet's filter. A watcher from before the window gets its own store watch instead
 * ({@link #subscribe} answers null). The first subscriber starts the shared watch at its revision.
 *
 * <p>The window does not keep the decoded trees: a tree is many times the size of the stored JSON (a map
 * entry, a node object and often a string for every field), and the window of a busy resource is made of
 * changes young enough to be copied at every young collection. It keeps what finds a change's watchers (its
 * namespace and indexed values) and how to decode it again, which a watcher resuming inside it pays for.
 */
final class WatchFanout {
  /** Opens the store watch of the whole resource after a revision, delivering decoded changes. */
  interface Source {
    Watch open(long afterRevision, Consumer<Delivered> onChange, Consumer<Throwable> onClose) throws CompactedException;
  }

  /** A change as the store watch delivers it: decoded, and how to decode it again (from the stored bytes). */
  record Delivered(Change change, Supplier<Change> again) {}

  /** A change in the window: what finds its watchers, and how to have it again. */
  private record Kept(long revision, String namespace, String now, String before, Supplier<Change> again) {}

  private final Source source;
  private final Function<ObjectNode, String> index;
  private final int capacity;
  private final ArrayDeque<Kept> window = new ArrayDeque<>();
  private final Map<String, Set<Sub>> byValue = new HashMap<>();
  private final Set<Sub> unindexed = new LinkedHashSet<>();
  private Watch shared;
  /** Changes after this revision are all in the window or still to come. */
  private long windowStart = -1;
  /** The shared watch's generation: a closed one's late callbacks are ignored. */
  private long generation;

  /** @param index the indexed field's value in an object (null: no index) */
  WatchFanout(Source source, Function<ObjectNode, String> index, int capacity) {
    this.source = source;
    this.index = index;
    this.capacity = capacity;
  }

  private final class Sub implements Watch {
    final String namespace;
    final String value;
    final Consumer<Change> onChange;
    final Consumer<Throwable> onClose;
    long after;
    volatile boolean closed;

    Sub(String namespace, String value, long after, Consumer<Change> onChange, Consumer<Throwable> onClose) {
      this.namespace = namespace;
      this.value = value;
      this.after = after;
      this.onChange = onChange;
      this.onClose = onClose;
    }

    void offer(Change c) {
      if (closed || c.revision() <= after) {
        return;
      }
      if (namespace != null && !namespace.equals(namespaceOf(c.object()))) {
        return;
      }
      after = c.revision();
      onChange.accept(c);
    }

    @Override
    public void close() {
      synchronized (WatchFanout.this) {
        closed = true;
        remove(this);
      }
    }
  }

  /**
   * Subscribes a watcher of {@code namespace} (null: all) to the changes after {@code afterRevision};
   * {@code value}, when not null, is the indexed field's only value the watcher keeps. Null when the
   * revision is older than the window: the caller opens its own store watch.
   */
  synchronized Watch subscribe(String namespace, String value, long afterRevision, Consumer<Change> onChange,
                               Consumer<Throwable> onClose) throws CompactedException {
    if (shared == null) {
      long gen = ++generation;
      window.clear();
      windowStart = afterRevision;
      shared = source.open(afterRevision, c -> dispatch(gen, c), cause -> sharedClosed(gen, cause));
    } else if (afterRevision < windowStart) {
      return null;
    }
    Sub s = new Sub(namespace, index == null ? null : value, afterRevision, onChange, onClose);
    for (Kept k : window) {
      if (k.revision() > afterRevision && (s.namespace == null || s.namespace.equals(k.namespace()))
          && (s.value == null || s.value.equals(k.now()) || s.value.equals(k.before()))) {
        s.offer(k.again().get());
      }
    }
    if (s.value == null) {
      unindexed.add(s);
    } else {
      byValue.computeIfAbsent(s.value, v -> new LinkedHashSet<>()).add(s);
    }
    return s;
  }

  private static String namespaceOf(ObjectNode o) {
    return o.path("metadata").path("namespace").asText();
  }

  private String valueOf(ObjectNode o) {
    if (o == null || index == null) {
      return null;
    }
    String v = index.apply(o);
    return v == null ? "" : v;
  }

  private synchronized void dispatch(long gen, Delivered d) {
    if (gen != generation) {
      return;
    }
    Change c = d.change();
    String now = valueOf(c.object());
    String before = valueOf(c.previous());
    window.addLast(new Kept(c.revision(), namespaceOf(c.object()), now, before, d.again()));
    while (window.size() > capacity) {
      windowStart = window.removeFirst().revision();
    }
    for (Sub s : List.copyOf(unindexed)) {
      s.offer(c);
    }
    if (byValue.isEmpty()) {
      return;
    }
    offerTo(byValue.get(now), c);
    if (before != null && !before.equals(now)) {
      offerTo(byValue.get(before), c);
    }
  }

  private static void offerTo(Set<Sub> subs, Change c) {
    if (subs != null) {
      for (Sub s : List.copyOf(subs)) {
        s.offer(c);
      }
    }
  }

  /** The shared watch ended (the store closed it): every watcher ends with it; the next one starts anew. */
  private void sharedClosed(long gen, Throwable cause) {
    List<Sub> ended = new ArrayList<>();
    synchronized (this) {
      if (gen != generation) {
        return;
      }
      generation++;
      shared = null;
      window.clear();
      ended.addAll(unindexed);
      byValue.values().forEach(ended::addAll);
      unindexed.clear();
      byValue.clear();
    }
    for (Sub s : ended) {
      s.closed = true;
      s.onClose.accept(cause);
    }
  }

  private void remove(Sub s) {
    if (s.value == null) {
      unindexed.remove(s);
    } else {
      Set<Sub> set = byValue.get(s.value);
      if (set != null) {
        set.remove(s);
        if (set.isEmpty()) {
          byValue.remove(s.value);
        }
      }
    }
  }

  /** Watchers subscribed (for tests and metrics). */
  synchronized int size() {
    int n = unindexed.size();
    for (Set<Sub> set : byValue.values()) {
      n += set.size();
    }
    return n;
  }

  /** Ends the shared watch (the registry is going away). */
  synchronized void close() {
    if (shared != null) {
      Watch w = shared;
      shared = null;
      generation++;
      w.close();
    }
    unindexed.forEach(s -> s.closed = true);
    byValue.values().forEach(set -> set.forEach(s -> s.closed = true));
    unindexed.clear();
    byValue.clear();
  }
}
