package io.coxswain.store.raft;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Coalesces linearizable-read barriers: a read waits for a barrier that started after the read did. While
 * one barrier is in flight, every read arriving meanwhile shares the single next one.
 */
final class ReadBarrier {
  private final Supplier<CompletableFuture<?>> start;
  private CompletableFuture<Void> inFlight;
  private CompletableFuture<Void> queued;

  ReadBarrier(Supplier<CompletableFuture<?>> start) {
    this.start = start;
  }

  CompletableFuture<Void> next() {
    CompletableFuture<Void> launched;
    synchronized (this) {
      if (inFlight != null && !inFlight.isDone()) {
        if (queued == null) {
          queued = new CompletableFuture<>();
        }
        return queued;
      }
      launched = new CompletableFuture<>();
      inFlight = launched;
    }
    launch(launched);
    return launched;
  }

  private void launch(CompletableFuture<Void> done) {
    CompletableFuture<?> call;
    try {
      call = start.get();
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete((v, e) -> {
      CompletableFuture<Void> waiting;
      synchronized (this) {
        if (inFlight == done) {
          inFlight = null;
        }
        waiting = queued;
        queued = null;
      }
      if (e == null) {
        done.complete(null);
      } else {
        done.completeExceptionally(e);
      }
      if (waiting != null) {
        next().whenComplete((v2, e2) -> {
          if (e2 == null) {
            waiting.complete(null);
          } else {
            waiting.completeExceptionally(e2);
          }
        });
      }
    });
  }
}
