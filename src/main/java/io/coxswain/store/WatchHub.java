package io.coxswain.store;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fans committed events out to watchers. Each watcher has its own queue, drained in order on the hub's
 * threads (never two deliveries at once for one watcher). A watcher whose queue of live events grows past
 * the limit is ended with {@link WatchListener#onClose} so it re-watches from its last revision.
 *
 * <p>The owner guarantees the ordering: {@link #publish} is called in revision order, and
 * {@link #register} runs while no publish can happen (under the same lock as applies), with the history
 * replay read under that lock. So a watcher sees the replay, then every later event: no gap, no duplicate.
 */
public final class WatchHub implements AutoCloseable {
  private final int queueLimit;
  private final ExecutorService delivery;
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  public WatchHub(String name, int queueLimit) {
    if (queueLimit < 1) {
      throw new IllegalArgumentException("queueLimit must be at least 1");
    }
    this.queueLimit = queueLimit;
    AtomicInteger n = new AtomicInteger();
    this.delivery = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, name + "-watch-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Adds a watcher of keys under {@code prefix} that first receives {@code replay} and then live events
   * with a revision above {@code afterRevision} (and above the replay's last one).
   */
  public Watch register(String prefix, long afterRevision, List<WatchEvent> replay, WatchListener listener) {
    long last = afterRevision;
    for (WatchEvent e : replay) {
      last = Math.max(last, e.revision());
    }
    Watcher w = new Watcher(prefix, last, listener);
    w.queue.addAll(replay);
    w.pending.addAndGet(replay.size());
    if (closed.get()) {
      w.end(new UnavailableException("store closed"));
      return w;
    }
    watchers.add(w);
    w.schedule();
    return w;
  }

  /** Hands the events of one applied command (one revision, in order) to every matching watcher. */
  public void publish(List<WatchEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    for (Watcher w : watchers) {
      w.offer(events);
    }
  }

  /** Ends every watch (e.g. this member's state was replaced by a snapshot). */
  public void endAll(Throwable cause) {
    for (Watcher w : watchers) {
      w.end(cause);
    }
  }

  public int size() {
    return watchers.size();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      endAll(new UnavailableException("store closed"));
      delivery.shutdown();
    }
  }

  private final class Watcher implements Watch {
    final String prefix;
    final WatchListener listener;
    final Queue<WatchEvent> queue = new ConcurrentLinkedQueue<>();
    final AtomicInteger pending = new AtomicInteger();
    final AtomicBoolean draining = new AtomicBoolean();
    final AtomicReference<Throwable> endCause = new AtomicReference<>();
    final AtomicBoolean stopped = new AtomicBoolean();
    long lastRevision;

    Watcher(String prefix, long lastRevision, WatchListener listener) {
      this.prefix = prefix;
      this.lastRevision = lastRevision;
      this.listener = listener;
    }

    void offer(List<WatchEvent> events) {
      if (stopped.get()) {
        return;
      }
      boolean added = false;
      for (WatchEvent e : events) {
        if (e.revision() > lastRevision && e.key().startsWith(prefix)) {
          queue.add(e);
          pending.incrementAndGet();
          added = true;
        }
      }
      if (!added) {
        return;
      }
      lastRevision = events.get(events.size() - 1).revision();
      if (pending.get() > queueLimit) {
        end(new StoreException("watcher fell behind by more than " + queueLimit + " events"));
      } else {
        schedule();
      }
    }

    void end(Throwable cause) {
      if (endCause.compareAndSet(null, cause)) {
        watchers.remove(this);
        schedule();
      }
    }

    void schedule() {
      if (draining.compareAndSet(false, true)) {
        try {
          delivery.execute(this::drain);
        } catch (RejectedExecutionException e) {
          draining.set(false);
          finish();
        }
      }
    }

    private void drain() {
      try {
        while (true) {
          if (endCause.get() != null) {
            finish();
            return;
          }
          WatchEvent e = queue.poll();
          if (e == null) {
            break;
          }
          pending.decrementAndGet();
          if (!stopped.get()) {
            try {
              listener.onEvent(e);
            } catch (RuntimeException ex) {
              end(ex);
            }
          }
        }
      } finally {
        draining.set(false);
      }
      // an offer may have raced with the end of the loop
      if ((!queue.isEmpty() || endCause.get() != null) && !stopped.get()) {
        schedule();
      }
    }

    private void finish() {
      queue.clear();
      if (stopped.compareAndSet(false, true)) {
        try {
          listener.onClose(endCause.get());
        } catch (RuntimeException ignored) {
          // the listener's own failure while closing: nothing more to deliver
        }
      }
    }

    @Override
    public void close() {
      stopped.set(true);
      watchers.remove(this);
      queue.clear();
    }
  }
}
