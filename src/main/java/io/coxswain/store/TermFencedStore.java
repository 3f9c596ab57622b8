package io.coxswain.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The store as the scheduler and controllers of the leader of one term write to it: every transaction also
 * requires that its Raft entry be appended in that term ({@link Compare#term}). Those components run only
 * while their member leads, but "while" is as this member sees it: a write they make just before it learns
 * that another member leads reaches the new leader as any follower's write does, and would be applied next
 * to what the new leader's own components do (two replication managers creating the same replacement pods).
 * Guarded so, it changes nothing, and fails as {@link UnavailableException}. Reads and watches are the
 * store's own.
 */
public final class TermFencedStore implements Store {
  private final Store store;
  private final long term;

  /** @param term the term in which this member became leader (its components act for that term only) */
  public TermFencedStore(Store store, long term) {
    this.store = store;
    this.term = term;
  }

  public long term() {
    return term;
  }

  @Override
  public CompletableFuture<TxnResult> txn(Txn txn) {
    List<Compare> compares = new ArrayList<>(txn.compares().size() + 1);
    compares.add(Compare.term(term));
    compares.addAll(txn.compares());
    return store.txn(new Txn(compares, txn.success(), txn.failure())).thenCompose(r -> {
      if (!r.succeeded() && store.leaderTerm() != term) {
        return CompletableFuture.failedFuture(new UnavailableException("this master no longer leads (its term "
            + term + " is over): the write of its controllers was not applied"));
      }
      if (r.succeeded() || r.previous().isEmpty()) {
        return CompletableFuture.completedFuture(r);
      }
      // a failure lists the compared keys' current pairs: without the term's, as the caller compared them
      return CompletableFuture.completedFuture(new TxnResult(false, r.revision(),
          new ArrayList<>(r.previous().subList(1, r.previous().size()))));
    });
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
