package io.coxswain.api.table;

/** What each table row carries besides its cells: the {@code includeObject} parameter of the Accept header. */
public enum IncludeObject {
  NONE("None"),
  METADATA("Metadata"),
  OBJECT("Object");

  public final String value;

  IncludeObject(String value) {
    this.value = value;
  }

  /** The policy for a parameter value; Metadata (Kubernetes' default) when absent. */
  public static IncludeObject parse(String value) {
    if (value == null || value.isEmpty()) {
      return METADATA;
    }
    for (IncludeObject p : values()) {
      if (p.value.equals(value)) {
        return p;
      }
    }
    throw new IllegalArgumentException("includeObject must be one of None, Metadata, Object, not \"" + value + "\"");
  }
}
