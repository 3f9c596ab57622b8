package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** The API answered with an error; carries the HTTP code, the Status reason and kubectl's one-line wording. */
final class ApiError extends RuntimeException {
  private final int code;
  private final String reason;
  private final JsonNode status;

  ApiError(int code, String reason, String line, JsonNode status) {
    super(line);
    this.code = code;
    this.reason = reason;
    this.status = status;
  }

  int code() {
    return code;
  }

  String reason() {
    return reason;
  }

  JsonNode status() {
    return status;
  }

  boolean isNotFound() {
    return code == 404;
  }

  /** How kubectl prints an error Status: {@code Error from server (NotFound): pods "x" not found}. */
  static ApiError fromResponse(int code, byte[] body) {
    JsonNode status = null;
    try {
      status = CliJson.read(body);
    } catch (Exception e) {
      status = null;
    }
    if (status != null && "Status".equals(status.path("kind").asText())) {
      String reason = status.path("reason").asText("");
      String message = status.path("message").asText("");
      String line = reason.isEmpty() ? "Error from server: " + message : "Error from server (" + reason + "): " + message;
      return new ApiError(code, reason, line, status);
    }
    String reason = reasonForCode(code);
    String text = new String(body, java.nio.charset.StandardCharsets.UTF_8).strip();
    String line = text.isEmpty() || text.length() > 300
        ? "Error from server (" + reason + "): the server responded with the status code " + code
            + " but did not return more information"
        : "Error from server (" + reason + "): " + text.lines().findFirst().orElse("");
    return new ApiError(code, reason, line, null);
  }

  static String reasonForCode(int code) {
    return switch (code) {
      case 400 -> "BadRequest";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 405 -> "MethodNotAllowed";
      case 409 -> "Conflict";
      case 410 -> "Gone";
      case 415 -> "UnsupportedMediaType";
      case 422 -> "Invalid";
      case 429 -> "TooManyRequests";
      case 503 -> "ServiceUnavailable";
      case 504 -> "Timeout";
      default -> "InternalError";
    };
  }
}
