package io.coxswain.model;

/** A label or field selector that cannot be parsed or is invalid; the message reads like Kubernetes' own. */
public final class SelectorException extends Exception {
  public SelectorException(String message) {
    super(message);
  }
}
