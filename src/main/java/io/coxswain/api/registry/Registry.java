package io.coxswain.api.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.ApiException;
import io.coxswain.model.Json;
import io.coxswain.store.Compare;
import io.coxswain.store.KeyValue;
import io.coxswain.store.Store;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * All resource registries over one store, by plural name, plus what they share: the clock that stamps
 * creation and deletion times, the randomness of generated names, and the service IP and node-port ranges.
 */
public final class Registry {
  private final Store store;
  private final Clock clock;
  private final Random random;
  private final ServiceAllocations services;
  private final Map<String, ResourceRegistry<?>> byResource = new LinkedHashMap<>();

  public Registry(Store store, Collection<ServedResource> resources, ServiceAllocations services, Clock clock, Random random) {
    this.store = store;
    this.clock = clock;
    this.random = random;
    this.services = services;
    for (ServedResource r : resources) {
      byResource.put(r.resource(), new ResourceRegistry<>(this, r));
    }
  }

  public Store store() {
    return store;
  }

  Clock clock() {
    return clock;
  }

  Random random() {
    return random;
  }

  ServiceAllocations services() {
    return services;
  }

  /** The registry of a plural resource name, or null when it is not served. */
  public ResourceRegistry<?> resource(String plural) {
    return byResource.get(plural);
  }

  public List<ResourceRegistry<?>> all() {
    return new ArrayList<>(byResource.values());
  }

  /**
   * 404 when the namespace does not exist, 403 when it is terminating; otherwise the guard a create puts in
   * its transaction (the namespace unchanged since this check), or null where namespaces are not served.
   * The namespace is read from this member's applied state: a create commits only if the guard still holds,
   * which checks it at the create's own point in the Raft order without a read barrier first. A namespace
   * missing or terminating locally is read again linearizably before the request is refused (this member
   * may lag).
   */
  CompletableFuture<Compare> checkNamespaceWritable(String ns, boolean linearizable) {
    if (ns == null || ns.isEmpty()) {
      return CompletableFuture.failedFuture(ApiException.badRequest("a namespace is required for this resource"));
    }
    ResourceRegistry<?> namespaces = byResource.get("namespaces");
    if (namespaces == null) {
      return CompletableFuture.completedFuture(null);
    }
    String key = namespaces.key(null, ns);
    if (!linearizable) {
      return store.get(key, Store.Consistency.LOCAL).thenCompose(found -> {
        if (found.isPresent() && !terminating(found.get())) {
          return CompletableFuture.completedFuture(new Compare(key, found.get().modRevision()));
        }
        return checkNamespaceWritable(ns, true);
      });
    }
    return store.get(key, Store.Consistency.LINEARIZABLE).thenApply(found -> {
      if (found.isEmpty()) {
        throw ApiException.notFound("namespaces", ns);
      }
      if (terminating(found.get())) {
        throw ApiException.forbidden("namespaces", ns, "unable to create new content in namespace " + ns
            + " because it is being terminated");
      }
      return new Compare(key, found.get().modRevision());
    });
  }

  /** Whether a namespace, as of one of its revisions, is terminating. */
  private record NamespaceState(long modRevision, boolean terminating) {}

  /**
   * The last state seen of each namespace: a create checks its namespace, and it is parsed again only when it
   * changed (a stream of creates into one namespace parsed it for each).
   */
  private final java.util.Map<String, NamespaceState> namespaceStates = new java.util.concurrent.ConcurrentHashMap<>();

  private boolean terminating(KeyValue namespace) {
    NamespaceState known = namespaceStates.get(namespace.key());
    if (known != null && known.modRevision() == namespace.modRevision()) {
      return known.terminating();
    }
    JsonNode n = Json.tree(namespace.value());
    boolean terminating = n.path("metadata").has("deletionTimestamp")
        || n.path("status").path("phase").asText().equals("Terminating");
    if (namespaceStates.size() > 10_000) {
      namespaceStates.clear();
    }
    namespaceStates.put(namespace.key(), new NamespaceState(namespace.modRevision(), terminating));
    return terminating;
  }

  /** Creates the namespace unless it exists (used at start for {@code default} and {@code kube-system}). */
  public CompletableFuture<Void> ensureNamespace(String name) {
    ResourceRegistry<?> namespaces = byResource.get("namespaces");
    if (namespaces == null) {
      return CompletableFuture.completedFuture(null);
    }
    ObjectNode ns = Json.MAPPER.createObjectNode();
    ns.put("apiVersion", "v1").put("kind", "Namespace").putObject("metadata").put("name", name);
    return namespaces.create(null, ns).handle((ok, err) -> {
      if (err != null) {
        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
        if (!(cause instanceof ApiException a && a.code() == 409)) {
          throw cause instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(cause);
        }
      }
      return null;
    });
  }
}
