package io.coxswain.store;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The replicated key-value store that replaces etcd. Every write (a successful {@link Txn} with at least
 * one operation) increments one global revision; a key's {@code modRevision} is the revision of its last
 * write and becomes the object's {@code metadata.resourceVersion}.
 *
 * <p>All operations are asynchronous and never block the caller. Failures complete the future with a
 * {@link StoreException} subclass: {@link UnavailableException} when there is no quorum within the
 * configured time, {@link CompactedException} for a watch that starts before the retained history.
 */
public interface Store extends AutoCloseable {

  /** How fresh a read must be. */
  enum Consistency {
    /** Read index through the Raft leader: sees every write acknowledged before the read started. */
    LINEARIZABLE,
    /** This member's applied state: possibly stale, never blocks on the network. */
    LOCAL
  }

  CompletableFuture<Optional<KeyValue>> get(String key, Consistency consistency);

  /**
   * Keys starting with {@code prefix}, in key order, strictly after {@code startAfter} (null: from the
   * start), at most {@code limit} of them (0: no limit).
   */
  CompletableFuture<RangeResult> range(String prefix, String startAfter, int limit, Consistency consistency);

  /**
   * As {@link #range}, but the keys as they were at {@code revision} (a later page of a list whose first page
   * was read at that revision), on a member that has applied at least that revision. Fails with
   * {@link CompactedException} when the history no longer holds every change since.
   */
  default CompletableFuture<RangeResult> rangeAt(String prefix, String startAfter, int limit, long revision) {
    return CompletableFuture.failedFuture(new CompactedException(revision, revision));
  }

  /** Applies the compares, then the success or the failure operations, atomically. */
  CompletableFuture<TxnResult> txn(Txn txn);

  /**
   * Streams every change of a key under {@code prefix} with a revision greater than
   * {@code afterRevision}: first the retained history, then live changes, in revision order, with no gap
   * and no duplicate. {@code afterRevision} of 0 means "from the current revision on" (no history).
   *
   * @throws CompactedException when {@code afterRevision} is older than the retained history
   */
  Watch watch(String prefix, long afterRevision, WatchListener listener) throws CompactedException;

  /** The latest revision applied on this member. */
  long revision();

  /** Revisions at or below this one are no longer in the watch history. */
  long compactedRevision();

  /** Whether this member leads the Raft group now. */
  boolean isLeader();

  /**
   * The Raft term this member leads in, or -1 when it does not lead. A store without terms (one member, in
   * memory) leads in term 0.
   */
  default long leaderTerm() {
    return isLeader() ? 0 : -1;
  }

  /** Called (on a store thread) with true when this member becomes leader and false when it stops. */
  void addLeadershipListener(java.util.function.Consumer<Boolean> listener);

  @Override
  void close();

  // ---- convenience ----

  default CompletableFuture<Optional<KeyValue>> get(String key) {
    return get(key, Consistency.LINEARIZABLE);
  }
}
