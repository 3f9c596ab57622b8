package io.coxswain.store;

/** A write inside a transaction. */
public record Op(Type type, String key, byte[] value) {
  public enum Type { PUT, DELETE }

  public static Op put(String key, byte[] value) {
    return new Op(Type.PUT, key, value);
  }

  public static Op delete(String key) {
    return new Op(Type.DELETE, key, null);
  }
}
