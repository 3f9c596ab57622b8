package io.coxswain.controller;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a level-triggered sync over a {@link WorkQueue}: events only {@link #enqueue} keys; up to
 * {@code workers} syncs run at once, never two for the same key; a failed sync comes back with back-off.
 * Everything happens on the Vert.x context that created the loop.
 */
public final class ControllerLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerLoop.class);

  private final Vertx vertx;
  private final String name;
  private final WorkQueue queue;
  private final Function<String, Future<Void>> sync;
  private final int workers;
  private int running;
  private boolean stopped;
  private boolean open;
  private boolean pumpPending;

  public ControllerLoop(Vertx vertx, String name, int workers, Function<String, Future<Void>> sync) {
    this.vertx = vertx;
    this.name = name;
    this.workers = workers;
    this.sync = sync;
    this.queue = new WorkQueue(50, 30_000);
  }

  public void enqueue(String key) {
    if (stopped) {
      return;
    }
    queue.add(key);
    // Sync on the next turn, not now: a burst of events (an informer delivers a relist or a batch in one loop)
    // then collapses into one sync per key in the queue. Syncing at once cost a full scan of the cache per
    // event (with 2,000 pods and their status updates the replication manager held the event loop).
    if (!pumpPending) {
      pumpPending = true;
      vertx.runOnContext(v -> {
        pumpPending = false;
        pump();
      });
    }
  }

  public void stop() {
    stopped = true;
  }

  /**
   * Starts processing the keys queued so far and from now on. Call once every cache the sync reads has
   * been filled: a sync against a half-listed cache would see pods missing and act on that.
   */
  public void open() {
    open = true;
    pump();
  }

  /** Keys waiting plus keys in process: zero means the controller has caught up. */
  public int backlog() {
    return queue.size() + queue.processing();
  }

  private void pump() {
    while (open && !stopped && running < workers) {
      String key = queue.next();
      if (key == null) {
        return;
      }
      running++;
      Future<Void> f;
      try {
        f = sync.apply(key);
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(ar -> {
        running--;
        if (ar.failed()) {
          LOG.debug("{}: sync of {} failed: {}", name, key, ar.cause().toString());
        }
        long delay = queue.done(key, ar.succeeded());
        if (delay >= 0 && !stopped) {
          vertx.setTimer(delay, id -> enqueue(key));
        }
        pump();
      });
    }
  }
}
