package io.coxswain.client;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.vertx.core.Future;
import io.vertx.core.Handler;

/**
 * How every component sees the cluster: the API's verbs on core/v1 objects. Futures fail with
 * {@link ApiException} for error answers and with the transport's exception when no master answers.
 */
public interface ClusterClient {
  <T extends HasMetadata> Future<T> get(ResourceKind<T> kind, String namespace, String name);

  <T extends HasMetadata> Future<ObjectList<T>> list(ResourceKind<T> kind, String namespace, ListOptions options);

  <T extends HasMetadata> Future<T> create(ResourceKind<T> kind, T object);

  /** PUT of the whole object, guarded by its resourceVersion; {@code subresource} null or "status". */
  <T extends HasMetadata> Future<T> update(ResourceKind<T> kind, T object, String subresource);

  /** A patch of {@code contentType} (application/merge-patch+json, ...) on the object or a subresource. */
  <T extends HasMetadata> Future<T> patch(ResourceKind<T> kind, String namespace, String name, String subresource,
                                           String contentType, String patch);

  /** Deletes with the given grace period (null: the object's default) and propagation policy (null: default). */
  Future<Void> delete(ResourceKind<?> kind, String namespace, String name, Long gracePeriodSeconds, String propagationPolicy);

  /** Binds a pod to a node through pods/binding (fails with Conflict when it already has one). */
  Future<Void> bind(String namespace, String pod, String node);

  /** The v1 Binding of {@code pod} to {@code node} that {@link #bind} sends. */
  static com.fasterxml.jackson.databind.node.ObjectNode binding(String namespace, String pod, String node) {
    com.fasterxml.jackson.databind.node.ObjectNode binding = io.coxswain.model.Json.MAPPER.createObjectNode();
    binding.put("apiVersion", "v1").put("kind", "Binding");
    binding.putObject("metadata").put("name", pod).put("namespace", namespace);
    binding.putObject("target").put("apiVersion", "v1").put("kind", "Node").put("name", node);
    return binding;
  }

  /**
   * Watches from {@code options.resourceVersion}. The handler gets events in order; {@code onEnd} is called
   * once when the stream ends for any reason (null: a normal end, such as the server's timeout).
   */
  <T extends HasMetadata> Future<WatchHandle> watch(ResourceKind<T> kind, String namespace, ListOptions options,
                                                     Handler<ObjectEvent<T>> handler, Handler<Throwable> onEnd);

  /** A raw GET of a path, for subresources like pods/log; the body as text. */
  Future<String> getText(String path);

  /** A handle to stop a watch. */
  interface WatchHandle {
    void cancel();
  }
}
