package io.coxswain.api.table;

/**
 * One column of a meta.k8s.io/v1 Table: priority 0 is always shown, 1 only with {@code -o wide}.
 * Types are the OpenAPI ones: string, integer, number, boolean, date.
 */
public record Column(String name, String type, String format, String description, int priority) {
  public static Column string(String name, String description) {
    return new Column(name, "string", "", description, 0);
  }

  public static Column integer(String name, String description) {
    return new Column(name, "integer", "", description, 0);
  }

  public static Column objectName() {
    return new Column("Name", "string", "name",
        "Name must be unique within a namespace. It is the object's name as clients address it.", 0);
  }

  public static Column age() {
    return string("Age", "How long ago the object was created (its creationTimestamp).");
  }

  public Column wide() {
    return new Column(name, type, format, description, 1);
  }
}
