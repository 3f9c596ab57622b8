package io.coxswain.api;

import io.coxswain.api.registry.FieldError;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.StatusDetails;
import java.util.ArrayList;
import java.util.List;

/**
 * A failed API request as Kubernetes reports it: an HTTP code and a {@link Status} object (kind Status,
 * status Failure, a reason and details). Thrown (or completed exceptionally) anywhere below the HTTP layer.
 */
public final class ApiException extends RuntimeException {
  private final transient Status status;

  public ApiException(Status status) {
    super(status.getMessage(), null, false, false);
    this.status = status;
  }

  public Status status() {
    return status;
  }

  public int code() {
    return status.getCode();
  }

  public String reason() {
    return status.getReason();
  }

  public static ApiException of(int code, String reason, String message, String group, String kind, String name,
                                List<StatusCause> causes) {
    StatusDetails details = null;
    if (name != null || kind != null || (causes != null && !causes.isEmpty())) {
      details = new StatusDetails();
      details.setName(name);
      details.setGroup(group);
      details.setKind(kind);
      if (causes != null && !causes.isEmpty()) {
        details.setCauses(causes);
      }
    } else if (code == 404) {
      // Kubernetes' answer for a resource or subresource it does not serve carries empty details, and clients
      // read them: kubectl debug takes a 404 without a name in them as "ephemeral containers are disabled"
      details = new StatusDetails();
    }
    Status status = new StatusBuilder()
        .withApiVersion("v1")
        .withKind("Status")
        .withNewMetadata().endMetadata()
        .withStatus("Failure")
        .withMessage(message)
        .withReason(reason)
        .withDetails(details)
        .withCode(code)
        .build();
    return new ApiException(status);
  }

  /** {@code pods "x" not found}; {@code resource} is the plural name, as Kubernetes prints it. */
  public static ApiException notFound(String group, String resource, String name) {
    return of(404, "NotFound", resource + " \"" + name + "\" not found", group, resource, name, null);
  }

  public static ApiException notFound(String resource, String name) {
    return notFound("", resource, name);
  }

  public static ApiException notFoundPath(String path) {
    return of(404, "NotFound", "the server could not find the requested resource", null, null, null, null);
  }

  public static ApiException alreadyExists(String resource, String name) {
    return of(409, "AlreadyExists", resource + " \"" + name + "\" already exists", "", resource, name, null);
  }

  public static ApiException conflict(String resource, String name, String detail) {
    return of(409, "Conflict", "Operation cannot be fulfilled on " + resource + " \"" + name + "\": " + detail,
        "", resource, name, null);
  }

  public static ApiException staleUpdate(String resource, String name) {
    return conflict(resource, name,
        "the object has been modified; please apply your changes to the latest version and try again");
  }

  /** 422: {@code Pod "x" is invalid: spec.containers[0].image: Required value} with one cause per error. */
  public static ApiException invalid(String kind, String name, List<FieldError> errors) {
    List<StatusCause> causes = new ArrayList<>();
    List<String> parts = new ArrayList<>();
    for (FieldError e : errors) {
      StatusCause cause = new StatusCause();
      cause.setReason(e.type().reason);
      cause.setMessage(e.message());
      cause.setField(e.field());
      causes.add(cause);
      parts.add(e.field() + ": " + e.message());
    }
    String joined = parts.size() == 1 ? parts.get(0) : "[" + String.join(", ", parts) + "]";
    String who = name == null || name.isEmpty() ? kind : kind + " \"" + name + "\"";
    return of(422, "Invalid", who + " is invalid: " + joined, "", kind, name, causes);
  }

  public static ApiException badRequest(String message) {
    return of(400, "BadRequest", message, null, null, null, null);
  }

  public static ApiException forbidden(String resource, String name, String detail) {
    return of(403, "Forbidden", resource + " \"" + name + "\" is forbidden: " + detail, "", resource, name, null);
  }

  public static ApiException methodNotAllowed(String message) {
    return of(405, "MethodNotAllowed", message, null, null, null, null);
  }

  public static ApiException gone(String message) {
    return of(410, "Expired", message, null, null, null, null);
  }

  public static ApiException tooLarge(long limit) {
    return tooLarge("limit is " + limit);
  }

  public static ApiException tooLarge(String why) {
    return of(413, "RequestEntityTooLarge", "Request entity too large: " + why, null, null, null, null);
  }

  public static ApiException unsupportedMediaType(String contentType, List<String> supported) {
    return of(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
        + String.join(", ", supported) + (contentType == null ? "" : " (got " + contentType + ")"), null, null, null, null);
  }

  public static ApiException notAcceptable(String accept) {
    return of(406, "NotAcceptable", "only the following media types are accepted: application/json, application/yaml (got "
        + accept + ")", null, null, null, null);
  }

  public static ApiException unavailable(String message) {
    return of(503, "ServiceUnavailable", message, null, null, null, null);
  }

  public static ApiException internal(String message) {
    return of(500, "InternalError", "Internal error occurred: " + message, null, null, null, null);
  }

  public static ApiException timeout(String message) {
    return of(504, "Timeout", message, null, null, null, null);
  }

  /**
   * A read asked for a resourceVersion newer than the cluster has: 504 with the ResourceVersionTooLarge cause,
   * which clients (client-go's reflector) take as the sign to list again without one.
   */
  public static ApiException resourceVersionTooLarge(long asked, long current) {
    StatusCause cause = new StatusCause();
    cause.setReason("ResourceVersionTooLarge");
    cause.setMessage("Too large resource version");
    ApiException e = of(504, "Timeout", "Timeout: Too large resource version: " + asked + ", current: " + current,
        null, null, null, List.of(cause));
    e.status.getDetails().setRetryAfterSeconds(1);
    return e;
  }
}
