package io.coxswain.store;

/**
 * One committed change. For PUT, {@code value} is the new value and {@code previous} the old one (null on
 * create); for DELETE, {@code value} is null and {@code previous} the value that was deleted. {@code
 * revision} is the store revision of the change; {@code createRevision} that of the key's creation.
 */
public record WatchEvent(Type type, String key, byte[] value, byte[] previous, long revision, long createRevision) {
  public enum Type { PUT, DELETE }
}
