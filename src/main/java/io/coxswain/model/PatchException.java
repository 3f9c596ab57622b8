package io.coxswain.model;

/** A patch that is malformed or does not apply to the object; the message says why and where. */
public final class PatchException extends Exception {
  public PatchException(String message) {
    super(message);
  }
}
