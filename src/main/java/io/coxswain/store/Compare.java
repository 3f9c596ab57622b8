package io.coxswain.store;

/**
 * A guard of a transaction: the key's current modRevision must equal {@code modRevision}; 0 means the key
 * must not exist.
 */
public record Compare(String key, long modRevision) {
  /**
   * Not a key: a compare of it holds when the Raft entry that carries the transaction was appended in term
   * {@code modRevision}, that is by the member that led in that term. A leader's scheduler and controllers put
   * their term in every write ({@link #term}): a write they made before their member lost the lead, which
   * reaches the new leader later (forwarded, as any follower's), then changes nothing.
   */
  public static final String TERM_KEY = "\u0000leader-term";

  public static Compare absent(String key) {
    return new Compare(key, 0);
  }

  /** The guard of a write made on behalf of the leader of {@code term}. */
  public static Compare term(long term) {
    return new Compare(TERM_KEY, term);
  }
}
