package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;

/**
 * How one resource is written, as Kubernetes' registry strategies do it. The registry has already set the
 * generic metadata (name or generateName, namespace, uid, creationTimestamp, generation) and works on its
 * own decoded copy, which the strategy may change in place.
 *
 * <p>A spec strategy ({@link #prepareForUpdate}) keeps the old status; the status strategy of the same
 * resource ({@link #forStatus()}) keeps the old spec. Pure code: no I/O, no clock.
 */
public interface Strategy<T extends HasMetadata> {
  Class<T> type();

  /** Plural resource name in URLs and keys: {@code pods}. */
  String resource();

  String kind();

  boolean namespaced();

  /** Clears what a client may not set on create (status) and applies defaults. */
  void prepareForCreate(T obj);

  /** Keeps what this kind of update may not change (status for spec updates), applies defaults. */
  void prepareForUpdate(T obj, T old);

  List<FieldError> validate(T obj);

  List<FieldError> validateUpdate(T obj, T old);

  /** Whether the change from old to obj is a change of the spec (bumps metadata.generation). */
  boolean specChanged(T obj, T old);

  /** The strategy for the {@code status} subresource, or null where there is none. */
  Strategy<T> forStatus();
}
