package io.coxswain.store;

/** A write larger than the store takes in one transaction; nothing was written. */
public final class TooLargeException extends StoreException {
  public TooLargeException(String message) {
    super(message);
  }
}
