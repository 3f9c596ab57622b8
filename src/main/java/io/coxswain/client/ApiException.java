package io.coxswain.client;

import io.fabric8.kubernetes.api.model.Status;

/** The API answered with an error {@code Status}: its HTTP code, reason and message. */
public class ApiException extends RuntimeException {
  private final int code;
  private final String reason;
  private final transient Status status;

  public ApiException(int code, String reason, String message, Status status) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.status = status;
  }

  public int code() {
    return code;
  }

  public String reason() {
    return reason;
  }

  public Status status() {
    return status;
  }

  public boolean isNotFound() {
    return code == 404;
  }

  public boolean isConflict() {
    return code == 409;
  }

  public boolean isGone() {
    return code == 410;
  }
}
