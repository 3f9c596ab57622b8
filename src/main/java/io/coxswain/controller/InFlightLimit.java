package io.coxswain.controller;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * At most {@code limit} calls under way at once; the others wait their turn, first come first started. Each
 * call is made only when it starts (what it sends is built then, not while it waits). For one Vert.x context:
 * not thread-safe.
 */
final class InFlightLimit {
  private final int limit;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int running;

  InFlightLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, not " + limit);
    }
    this.limit = limit;
  }

  /** Makes the call now, or once fewer than the limit are under way; completes as the call does. */
  <T> Future<T> submit(Supplier<Future<T>> call) {
    Promise<T> done = Promise.promise();
    Runnable start = () -> {
      running++;
      Future<T> f;
      try {
        f = call.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(ar -> {
        running--;
        Runnable next = waiting.poll();
        if (next != null) {
          next.run();
        }
        done.handle(ar);
      });
    };
    if (running < limit) {
      start.run();
    } else {
      waiting.add(start);
    }
    return done.future();
  }

  /** Calls under way. */
  int running() {
    return running;
  }

  /** Calls waiting for their turn. */
  int waiting() {
    return waiting.size();
  }
}
