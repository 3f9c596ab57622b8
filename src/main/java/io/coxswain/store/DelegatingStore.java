package io.coxswain.store;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A view of a store that changes how its transactions are made ({@link #txn}) and hands everything else
 * (reads, watches, revisions, leadership) to the store itself, which stays its owner's: closing the view
 * closes nothing.
 */
public abstract class DelegatingStore implements Store {
  protected final Store store;

  protected DelegatingStore(Store store) {
    this.store = store;
  }

  @Override
  public CompletableFuture<Optional<KeyValue>> get(String key, Consistency consistency) {
    return store.get(key, consistency);
  }

  @Override
  public CompletableFuture<RangeResult> range(String prefix, String startAfter, int limit, Consistency consistency) {
    return store.range(prefix, startAfter, limit, consistency);
  }

  @Override
  public CompletableFuture<RangeResult> rangeAt(String prefix, String startAfter, int limit, long revision) {
    return store.rangeAt(prefix, startAfter, limit, revision);
  }

  @Override
  public Watch watch(String prefix, long afterRevision, WatchListener listener) throws CompactedException {
    return store.watch(prefix, afterRevision, listener);
  }

  @Override
  public long revision() {
    return store.revision();
  }

  @Override
  public long compactedRevision() {
    return store.compactedRevision();
  }

  @Override
  public boolean isLeader() {
    return store.isLeader();
  }

  @Override
  public long leaderTerm() {
    return store.leaderTerm();
  }

  @Override
  public void addLeadershipListener(java.util.function.Consumer<Boolean> listener) {
    store.addLeadershipListener(listener);
  }

  /** Closes nothing: the store is its owner's. */
  @Override
  public void close() {}
}
