package io.coxswain.controller;

import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.Informer;
import io.coxswain.client.SharedInformers;
import io.coxswain.client.ListOptions;
import io.coxswain.client.ResourceKind;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * Empties a namespace that is being deleted (every pod, replication controller, service, endpoints and
 * event in it), then finalizes it so the API server removes it.
 */
public final class NamespaceController {
  static final List<ResourceKind<? extends HasMetadata>> CONTENTS = List.of(
      ResourceKind.REPLICATION_CONTROLLERS, ResourceKind.SERVICES, ResourceKind.PODS, ResourceKind.ENDPOINTS,
      ResourceKind.EVENTS);

  private final Vertx vertx;
  private final ClusterClient client;
  private final Informer<Namespace> namespaces;
  private ControllerLoop loop;

  public NamespaceController(SharedInformers informers) {
    this.vertx = informers.vertx();
    this.client = informers.client();
    this.namespaces = informers.of(ResourceKind.NAMESPACES);
  }

  public Future<Void> start() {
    loop = new ControllerLoop(vertx, "namespaces", 2, this::sync);
    namespaces.addHandler(new Informer.Handler<>() {
      @Override
      public void onAdd(Namespace obj) {
        enqueue(obj);
      }

      @Override
      public void onUpdate(Namespace old, Namespace obj) {
        enqueue(obj);
      }

      @Override
      public void onDelete(Namespace obj) { }
    });
    return namespaces.start().onSuccess(v -> loop.open());
  }

  public void stop() {
    if (loop != null) {
      loop.stop();
    }
  }

  private void enqueue(Namespace ns) {
    if (ns.getMetadata().getDeletionTimestamp() != null) {
      loop.enqueue(ns.getMetadata().getName());
    }
  }

  Future<Void> sync(String name) {
    Namespace ns = namespaces.get(null, name);
    if (ns == null || ns.getMetadata().getDeletionTimestamp() == null) {
      return Future.succeededFuture();
    }
    List<Future<Integer>> counts = new ArrayList<>();
    for (ResourceKind<? extends HasMetadata> kind : CONTENTS) {
      counts.add(deleteAll(kind, name));
    }
    return Future.all(counts).compose(all -> {
      int remaining = 0;
      for (int i = 0; i < counts.size(); i++) {
        remaining += counts.get(i).result();
      }
      if (remaining > 0) {
        // pods on nodes go away when their kubelet confirms: come back soon
        return Future.failedFuture(new IllegalStateException(remaining + " objects left in namespace " + name));
      }
      return finalizeNamespace(name);
    });
  }

  private <T extends HasMetadata> Future<Integer> deleteAll(ResourceKind<T> kind, String ns) {
    return client.list(kind, ns, ListOptions.ALL).compose(list -> {
      List<Future<Void>> deletes = new ArrayList<>();
      for (T obj : list.items()) {
        if (obj.getMetadata().getDeletionTimestamp() == null) {
          deletes.add(client.delete(kind, ns, obj.getMetadata().getName(), null, "Background")
              .recover(err -> err instanceof ApiException a && a.isNotFound() ? Future.succeededFuture() : Future.failedFuture(err)));
        }
      }
      return Future.all(deletes).map(v -> list.items().size());
    });
  }

  private Future<Void> finalizeNamespace(String name) {
    return client.get(ResourceKind.NAMESPACES, null, name).compose(current -> {
      Namespace copy = Json.copy(current);
      if (copy.getSpec() != null) {
        copy.getSpec().setFinalizers(new ArrayList<>());
      }
      return client.update(ResourceKind.NAMESPACES, copy, "finalize").<Void>mapEmpty();
    }).recover(err -> err instanceof ApiException a && a.isNotFound() ? Future.succeededFuture() : Future.failedFuture(err));
  }
}
