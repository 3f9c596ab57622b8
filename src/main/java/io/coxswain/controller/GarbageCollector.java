package io.coxswain.controller;

import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.Informer;
import io.coxswain.client.SharedInformers;
import io.coxswain.client.ResourceKind;
import io.coxswain.model.Json;
import io.coxswain.model.Pods;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * Cascading deletion of replication controllers' pods, as Kubernetes' garbage collector does it:
 * <ul>
 *   <li>a pod whose controlling owner no longer exists is deleted (background propagation, the default);</li>
 *   <li>an RC deleted with {@code propagationPolicy=Orphan} carries the {@code orphan} finalizer: its pods
 *       lose their owner reference, then the finalizer goes and with it the RC;</li>
 *   <li>{@code Foreground}: the RC's pods are deleted first, then its {@code foregroundDeletion}
 *       finalizer goes.</li>
 * </ul>
 * An owner is only declared missing after a live read confirms it, never from the cache alone.
 */
public final class GarbageCollector {
  public static final String ORPHAN = "orphan";
  public static final String FOREGROUND = "foregroundDeletion";

  private final Vertx vertx;
  private final ClusterClient client;
  private final Informer<ReplicationController> rcs;
  private final Informer<Pod> pods;
  private ControllerLoop ownerLoop;
  private ControllerLoop podLoop;

  public GarbageCollector(SharedInformers informers) {
    this.vertx = informers.vertx();
    this.client = informers.client();
    this.rcs = informers.of(ResourceKind.REPLICATION_CONTROLLERS);
    this.pods = informers.of(ResourceKind.PODS);
  }

  public Future<Void> start() {
    ownerLoop = new ControllerLoop(vertx, "gc-owners", 2, this::syncOwner);
    podLoop = new ControllerLoop(vertx, "gc-pods", 4, this::syncPod);
    rcs.addHandler(new Informer.Handler<>() {
      @Override
      public void onAdd(ReplicationController obj) {
        ownerChanged(obj);
      }

      @Override
      public void onUpdate(ReplicationController old, ReplicationController obj) {
        ownerChanged(obj);
      }

      @Override
      public void onDelete(ReplicationController obj) {
        // its dependents are now orphans to collect
        for (Pod p : pods.list()) {
          OwnerReference ref = Pods.controllerOf(p);
          if (ref != null && ref.getUid().equals(obj.getMetadata().getUid())) {
            podLoop.enqueue(Informer.key(p));
          }
        }
      }
    });
    pods.addHandler(new Informer.Handler<>() {
      @Override
      public void onAdd(Pod obj) {
        podChanged(obj);
      }

      @Override
      public void onUpdate(Pod old, Pod obj) {
        podChanged(obj);
      }

      @Override
      public void onDelete(Pod obj) { }
    });
    return Future.all(rcs.start(), pods.start()).<Void>mapEmpty().onSuccess(v -> {
      ownerLoop.open();
      podLoop.open();
    });
  }

  public void stop() {
    if (ownerLoop != null) {
      ownerLoop.stop();
      podLoop.stop();
    }
  }

  private void ownerChanged(ReplicationController rc) {
    if (rc.getMetadata().getDeletionTimestamp() != null) {
      ownerLoop.enqueue(Informer.key(rc));
    }
  }

  private void podChanged(Pod pod) {
    OwnerReference ref = Pods.controllerOf(pod);
    if (ref != null && "ReplicationController".equals(ref.getKind())) {
      ReplicationController owner = rcs.get(pod.getMetadata().getNamespace(), ref.getName());
      if (owner == null || !owner.getMetadata().getUid().equals(ref.getUid())) {
        podLoop.enqueue(Informer.key(pod));
      }
    }
  }

  /** A pod whose controlling RC is gone (confirmed by a live read) is deleted. */
  Future<Void> syncPod(String key) {
    String[] parts = key.split("/", 2);
    Pod pod = pods.get(parts[0], parts[1]);
    if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) {
      return Future.succeededFuture();
    }
    OwnerReference ref = Pods.controllerOf(pod);
    if (ref == null) {
      return Future.succeededFuture();
    }
    return client.get(ResourceKind.REPLICATION_CONTROLLERS, parts[0], ref.getName())
        .map(rc -> rc.getMetadata().getUid().equals(ref.getUid()))
        .recover(err -> err instanceof ApiException a && a.isNotFound() ? Future.succeededFuture(false) : Future.failedFuture(err))
        .compose(ownerExists -> ownerExists ? Future.succeededFuture()
            : client.delete(ResourceKind.PODS, parts[0], parts[1], null, "Background")
                .recover(err -> err instanceof ApiException a && a.isNotFound() ? Future.succeededFuture() : Future.failedFuture(err)));
  }

  /** An RC being deleted with a finalizer: orphan or delete its pods, then drop the finalizer. */
  Future<Void> syncOwner(String key) {
    String[] parts = key.split("/", 2);
    ReplicationController rc = rcs.get(parts[0], parts[1]);
    if (rc == null || rc.getMetadata().getDeletionTimestamp() == null || rc.getMetadata().getFinalizers() == null) {
      return Future.succeededFuture();
    }
    List<String> finalizers = rc.getMetadata().getFinalizers();
    String uid = rc.getMetadata().getUid();
    List<Pod> dependents = new ArrayList<>();
    for (Pod p : pods.list()) {
      OwnerReference ref = Pods.controllerOf(p);
      if (ref != null && uid.equals(ref.getUid()) && parts[0].equals(p.getMetadata().getNamespace())) {
        dependents.add(p);
      }
    }
    List<Future<Void>> work = new ArrayList<>();
    if (finalizers.contains(ORPHAN)) {
      for (Pod p : dependents) {
        work.add(orphan(p, uid));
      }
      return Future.all(work).compose(v -> dropFinalizer(parts[0], parts[1], ORPHAN));
    }
    if (finalizers.contains(FOREGROUND)) {
      for (Pod p : dependents) {
        if (p.getMetadata().getDeletionTimestamp() == null) {
          work.add(client.delete(ResourceKind.PODS, parts[0], p.getMetadata().getName(), null, "Background")
              .recover(err -> err instanceof ApiException a && a.isNotFound() ? Future.succeededFuture() : Future.failedFuture(err)));
        }
      }
      if (!dependents.isEmpty()) {
        return Future.all(work).compose(v -> Future.failedFuture(
            new IllegalStateException(dependents.size() + " dependents of " + key + " still exist")));
      }
      return dropFinalizer(parts[0], parts[1], FOREGROUND);
    }
    return Future.succeededFuture();
  }

  private Future<Void> orphan(Pod pod, String ownerUid) {
    return client.get(ResourceKind.PODS, pod.getMetadata().getNamespace(), pod.getMetadata().getName()).compose(live -> {
      Pod copy = Json.copy(live);
      List<OwnerReference> refs = new ArrayList<>(copy.getMetadata().getOwnerReferences() == null
          ? List.of() : copy.getMetadata().getOwnerReferences());
      if (!refs.removeIf(r -> ownerUid.equals(r.getUid()))) {
        return Future.<Void>succeededFuture();
      }
      copy.getMetadata().setOwnerReferences(refs);
      return client.update(ResourceKind.PODS, copy, null).<Void>mapEmpty();
    }).recover(err -> err instanceof ApiException a && a.isNotFound() ? Future.succeededFuture() : Future.failedFuture(err));
  }

  private Future<Void> dropFinalizer(String ns, String name, String finalizer) {
    return client.get(ResourceKind.REPLICATION_CONTROLLERS, ns, name).compose(live -> {
      ReplicationController copy = Json.copy(live);
      List<String> f = new ArrayList<>(copy.getMetadata().getFinalizers());
      f.remove(finalizer);
      copy.getMetadata().setFinalizers(f);
      return client.update(ResourceKind.REPLICATION_CONTROLLERS, copy, null).<Void>mapEmpty();
    }).recover(err -> err instanceof ApiException a && a.isNotFound() ? Future.succeededFuture() : Future.failedFuture(err));
  }
}
