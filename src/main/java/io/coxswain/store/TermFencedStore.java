package io.coxswain.store;

import java.util.ArrayList;
import java.util.List;
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
public final class TermFencedStore extends DelegatingStore {
  private final long term;

  /** @param term the term in which this member became leader (its components act for that term only) */
  public TermFencedStore(Store store, long term) {
    super(store);
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
}
