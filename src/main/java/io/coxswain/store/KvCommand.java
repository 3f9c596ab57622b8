package io.coxswain.store;

/**
 * A deterministic command of the key-value state machine. Everything a command needs (the proposer's
 * clock reading, the compaction cutoff) travels inside it: applying never reads a clock.
 */
public sealed interface KvCommand permits KvCommand.TxnCommand, KvCommand.CompactCommand, KvCommand.BatchCommand {

  /** A transaction proposed at {@code timestampMillis} by the proposer's clock. */
  record TxnCommand(Txn txn, long timestampMillis) implements KvCommand {}

  /**
   * Several transactions proposed together as one Raft entry (to amortize replication); applied in order,
   * each as if proposed alone (each with its own revision).
   */
  record BatchCommand(java.util.List<TxnCommand> txns) implements KvCommand {
    public BatchCommand {
      txns = java.util.List.copyOf(txns);
    }
  }

  /** Drops watch history whose proposer timestamp is before {@code cutoffMillis}. */
  record CompactCommand(long cutoffMillis) implements KvCommand {}
}
