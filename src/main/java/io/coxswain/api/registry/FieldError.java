package io.coxswain.api.registry;

/**
 * One validation failure, as Kubernetes reports it in a Status cause: {@code type} becomes the cause's
 * reason (FieldValueRequired, FieldValueInvalid, ...), {@code field} its field path
 * ({@code spec.containers[0].image}).
 */
public record FieldError(Type type, String field, Object value, String detail) {
  public enum Type {
    REQUIRED("FieldValueRequired", "Required value"),
    INVALID("FieldValueInvalid", "Invalid value"),
    DUPLICATE("FieldValueDuplicate", "Duplicate value"),
    NOT_SUPPORTED("FieldValueNotSupported", "Unsupported value"),
    FORBIDDEN("FieldValueForbidden", "Forbidden"),
    TOO_LONG("FieldValueTooLong", "Too long"),
    NOT_FOUND("FieldValueNotFound", "Not found");

    public final String reason;
    public final String label;

    Type(String reason, String label) {
      this.reason = reason;
      this.label = label;
    }
  }

  public static FieldError required(String field, String detail) {
    return new FieldError(Type.REQUIRED, field, null, detail);
  }

  public static FieldError invalid(String field, Object value, String detail) {
    return new FieldError(Type.INVALID, field, value, detail);
  }

  public static FieldError forbidden(String field, String detail) {
    return new FieldError(Type.FORBIDDEN, field, null, detail);
  }

  public static FieldError notSupported(String field, Object value, java.util.List<String> valid) {
    return new FieldError(Type.NOT_SUPPORTED, field, value, "supported values: \"" + String.join("\", \"", valid) + "\"");
  }

  public static FieldError duplicate(String field, Object value) {
    return new FieldError(Type.DUPLICATE, field, value, null);
  }

  /** The message Kubernetes puts in a cause: {@code Required value: detail}, {@code Invalid value: "x": detail}. */
  public String message() {
    StringBuilder b = new StringBuilder(type.label);
    if (value != null && type != Type.REQUIRED && type != Type.FORBIDDEN) {
      b.append(": ");
      b.append(value instanceof String s ? "\"" + s + "\"" : String.valueOf(value));
    }
    if (detail != null && !detail.isEmpty()) {
      b.append(": ").append(detail);
    }
    return b.toString();
  }
}
