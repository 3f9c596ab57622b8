package io.coxswain.store;

/** No quorum, or the store is shutting down: the operation did not happen (HTTP 503 in the API). */
public class UnavailableException extends StoreException {
  public UnavailableException(String message) {
    super(message);
  }

  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
