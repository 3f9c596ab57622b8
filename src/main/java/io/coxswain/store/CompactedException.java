package io.coxswain.store;

/** A watch asked for history older than what is retained (HTTP 410 Gone in the API). */
public class CompactedException extends StoreException {
  private final long compactedRevision;

  public CompactedException(long requested, long compactedRevision) {
    super("required revision " + requested + " has been compacted (oldest retained is after " + compactedRevision + ")");
    this.compactedRevision = compactedRevision;
  }

  public long compactedRevision() {
    return compactedRevision;
  }
}
