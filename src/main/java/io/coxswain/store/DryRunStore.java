package io.coxswain.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The store as a dry run writes to it ({@code dryRun=All}): a transaction is judged as the store would judge
 * it (its compares against the keys as they are now, read linearizably) and answered as the store would
 * answer it, but nothing is written and the revision does not move. The answer's revision is the store's
 * current one. Reads and watches are the store's own. A dry run that passes may still fail for real if the
 * keys change before the real request.
 */
public final class DryRunStore extends DelegatingStore {
  public DryRunStore(Store store) {
    super(store);
  }

  @Override
  public CompletableFuture<TxnResult> txn(Txn txn) {
    List<Compare> compares = new ArrayList<>();
    for (Compare c : txn.compares()) {
      if (!Compare.TERM_KEY.equals(c.key())) {
        compares.add(c);
      }
    }
    return current(compares.stream().map(Compare::key).toList()).thenCompose(now -> {
      boolean held = true;
      for (int i = 0; i < compares.size(); i++) {
        KeyValue kv = now.get(i);
        if ((kv == null ? 0 : kv.modRevision()) != compares.get(i).modRevision()) {
          held = false;
        }
      }
      long revision = store.revision();
      if (!held) {
        return CompletableFuture.completedFuture(new TxnResult(false, revision, now));
      }
      return current(txn.success().stream().map(Op::key).toList())
          .thenApply(previous -> new TxnResult(true, revision, previous));
    });
  }

  /** The current pair of each key, in order (null where absent). */
  private CompletableFuture<List<KeyValue>> current(List<String> keys) {
    List<CompletableFuture<Optional<KeyValue>>> reads = new ArrayList<>();
    for (String k : keys) {
      reads.add(store.get(k, Consistency.LINEARIZABLE));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<KeyValue> out = new ArrayList<>(reads.size());
      for (CompletableFuture<Optional<KeyValue>> r : reads) {
        out.add(r.join().orElse(null));
      }
      return java.util.Collections.unmodifiableList(out);
    });
  }
}
