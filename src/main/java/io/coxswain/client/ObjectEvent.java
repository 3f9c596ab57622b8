package io.coxswain.client;

/** One watch event as a client sees it. For BOOKMARK, only the resourceVersion of {@code object} is meaningful. */
public record ObjectEvent<T>(Type type, T object) {
  public enum Type { ADDED, MODIFIED, DELETED, BOOKMARK }
}
