package io.coxswain.store;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * A single-member {@link Store} held in memory: the same {@link KvState} as the replicated store, on
 * {@code TreeMap}s, with the same watch hub. It is always the leader. For tests and single-process use.
 */
public final class MemoryStore implements Store {
  private final KvState state;
  private final WatchHub hub;
  private final Clock clock;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final List<Consumer<Boolean>> leadershipListeners = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  /** A store keeping at most {@code historyLimit} revisions of watch history. */
  public MemoryStore(int historyLimit) {
    this(historyLimit, 10_000, Clock.systemUTC());
  }

  public MemoryStore(int historyLimit, int watchQueueLimit, Clock clock) {
    this.state = new KvState(new TreeMap<>(), new TreeMap<>(), new TreeMap<String, Long>(), historyLimit);
    this.hub = new WatchHub("memory-store", watchQueueLimit);
    this.clock = clock;
  }

  @Override
  public CompletableFuture<Optional<KeyValue>> get(String key, Consistency consistency) {
    return read(() -> state.get(key));
  }

  @Override
  public CompletableFuture<RangeResult> range(String prefix, String startAfter, int limit, Consistency consistency) {
    return read(() -> state.range(prefix, startAfter, limit));
  }

  @Override
  public CompletableFuture<RangeResult> rangeAt(String prefix, String startAfter, int limit, long revision) {
    return read(() -> state.rangeAt(prefix, startAfter, limit, revision));
  }

  /** A read of the state under the read lock; its failure (a compacted revision) fails the future. */
  private <T> CompletableFuture<T> read(java.util.function.Supplier<T> reader) {
    if (closed) {
      return CompletableFuture.failedFuture(new UnavailableException("store closed"));
    }
    lock.readLock().lock();
    try {
      return CompletableFuture.completedFuture(reader.get());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public CompletableFuture<TxnResult> txn(Txn txn) {
    return apply(new KvCommand.TxnCommand(txn, clock.millis())).thenApply(KvState.Applied::txnResult);
  }

  /** Drops watch history proposed before {@code cutoffMillis}; completes with the compacted revision. */
  public CompletableFuture<Long> compactHistory(long cutoffMillis) {
    return apply(new KvCommand.CompactCommand(cutoffMillis)).thenApply(KvState.Applied::compactedRevision);
  }

  private CompletableFuture<KvState.Applied> apply(KvCommand command) {
    if (closed) {
      return CompletableFuture.failedFuture(new UnavailableException("store closed"));
    }
    lock.writeLock().lock();
    try {
      KvState.Applied applied = state.apply(command);
      hub.publish(applied.events());
      return CompletableFuture.completedFuture(applied);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Watch watch(String prefix, long afterRevision, WatchListener listener) throws CompactedException {
    if (closed) {
      throw new UnavailableException("store closed");
    }
    lock.readLock().lock();
    try {
      long from = afterRevision == 0 ? state.revision() : afterRevision;
      List<WatchEvent> replay = state.history(prefix, from);
      return hub.register(prefix, from, replay, listener);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long revision() {
    lock.readLock().lock();
    try {
      return state.revision();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long compactedRevision() {
    lock.readLock().lock();
    try {
      return state.compactedRevision();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public boolean isLeader() {
    return !closed;
  }

  @Override
  public void addLeadershipListener(Consumer<Boolean> listener) {
    leadershipListeners.add(listener);
    CompletableFuture.runAsync(() -> listener.accept(!closed));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    hub.close();
    for (Consumer<Boolean> l : leadershipListeners) {
      l.accept(false);
    }
  }
}
