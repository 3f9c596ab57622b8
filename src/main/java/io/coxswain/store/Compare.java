package io.coxswain.store;

/**
 * A guard of a transaction: the key's current modRevision must equal {@code modRevision}; 0 means the key
 * must not exist.
 */
public record Compare(String key, long modRevision) {
  public static Compare absent(String key) {
    return new Compare(key, 0);
  }
}
