package io.coxswain.controller;

import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.EventRecorder;
import io.coxswain.client.Informer;
import io.coxswain.client.ResourceKind;
import io.coxswain.client.SharedInformers;
import io.coxswain.model.Json;
import io.coxswain.model.Pods;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps each replication controller at exactly {@code spec.replicas} active pods. Level-triggered: events
 * only queue the keys of the controllers concerned; a sync reads the whole current state from the shared
 * caches and converges through {@link ReplicaDiff}. Creations and deletions in flight are remembered
 * ("expectations") until the cache shows them, so a slow watch never makes it create twice.
 */
public final class ReplicationManager {
  private static final long EXPECTATION_TIMEOUT_MS = 60_000;
  /**
   * Pod creations and deletions under way at once, over all controllers, as Kubernetes bounds a sync's burst.
   * A sync issues all of its controller's at once: a controller of 10,000 replicas sent 10,000 creations into
   * the master together, each holding its pod in several forms until written, and 8 syncs of 100 replicas
   * queued 800 ahead of the scheduler's bindings and the kubelets' status writes. In the scheduler benchmark
   * (10,000 pods, 1,000 nodes) pods/s stayed within the run-to-run spread: 732-906 in nine runs with this
   * bound, 761-972 in ten without.
   */
  static final int MAX_POD_WRITES = 200;

  private final Vertx vertx;
  private final ClusterClient client;
  private final EventRecorder events;
  private final Informer<ReplicationController> rcs;
  private final Informer<Pod> pods;
  private final Map<String, Expectation> expectations = new HashMap<>();
  /**
   * The pods a sync can concern, kept from the informer's events: by their controller's uid, and those with no
   * controller by namespace (they may be adopted). A sync reads its controller's and its namespace's orphans,
   * not every pod of the cluster.
   */
  private final Map<String, Map<String, Pod>> byController = new HashMap<>();
  private final Map<String, Map<String, Pod>> orphans = new HashMap<>();
  private final InFlightLimit podWrites = new InFlightLimit(MAX_POD_WRITES);
  private ControllerLoop loop;
  private long resync = -1;

  /** Creations and deletions issued but not yet seen in the cache, and when they were issued. */
  private record Expectation(int adds, int deletes, long at) {
    boolean satisfied(long now) {
      return (adds <= 0 && deletes <= 0) || now - at > EXPECTATION_TIMEOUT_MS;
    }
  }

  public ReplicationManager(SharedInformers informers, EventRecorder events) {
    this.vertx = informers.vertx();
    this.client = informers.client();
    this.events = events;
    this.rcs = informers.of(ResourceKind.REPLICATION_CONTROLLERS);
    this.pods = informers.of(ResourceKind.PODS);
  }

  public Future<Void> start() {
    loop = new ControllerLoop(vertx, "replication", 8, this::sync);
    rcs.addHandler(new Informer.Handler<>() {
      @Override
      public void onAdd(ReplicationController obj) {
        loop.enqueue(Informer.key(obj));
      }

      @Override
      public void onUpdate(ReplicationController old, ReplicationController obj) {
        loop.enqueue(Informer.key(obj));
      }

      @Override
      public void onDelete(ReplicationController obj) {
        expectations.remove(Informer.key(obj));
      }
    });
    pods.addHandler(new Informer.Handler<>() {
      @Override
      public void onAdd(Pod pod) {
        index(pod);
        String owner = ownerKey(pod);
        if (owner != null) {
          observed(owner, -1, 0);
          loop.enqueue(owner);
        } else {
          enqueueMatching(pod);
        }
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        unindex(old);
        index(pod);
        String before = ownerKey(old);
        String after = ownerKey(pod);
        if (after != null) {
          if (old.getMetadata().getDeletionTimestamp() == null && pod.getMetadata().getDeletionTimestamp() != null) {
            observed(after, 0, -1);
          }
          loop.enqueue(after);
        } else {
          enqueueMatching(pod);
        }
        if (before != null && !before.equals(after)) {
          loop.enqueue(before);
        }
      }

      @Override
      public void onDelete(Pod pod) {
        unindex(pod);
        String owner = ownerKey(pod);
        if (owner != null) {
          if (pod.getMetadata().getDeletionTimestamp() == null) {
            observed(owner, 0, -1);
          }
          loop.enqueue(owner);
        }
      }
    });
    resync = vertx.setPeriodic(30_000, id -> rcs.list().forEach(rc -> loop.enqueue(Informer.key(rc))));
    return Future.all(rcs.start(), pods.start()).<Void>mapEmpty().onSuccess(v -> loop.open());
  }

  public void stop() {
    if (loop != null) {
      loop.stop();
    }
    if (resync >= 0) {
      vertx.cancelTimer(resync);
    }
  }

  /** Keys waiting or in process (0: caught up). */
  public int backlog() {
    return loop == null ? 0 : loop.backlog();
  }

  private String ownerKey(Pod pod) {
    OwnerReference ref = Pods.controllerOf(pod);
    if (ref == null || !"ReplicationController".equals(ref.getKind())) {
      return null;
    }
    return Informer.key(pod.getMetadata().getNamespace(), ref.getName());
  }

  private Map<String, Map<String, Pod>> indexOf(Pod pod, String[] slot) {
    OwnerReference ref = Pods.controllerOf(pod);
    if (ref != null) {
      slot[0] = String.valueOf(ref.getUid());
      return byController;
    }
    slot[0] = pod.getMetadata().getNamespace();
    return orphans;
  }

  private void index(Pod pod) {
    String[] slot = new String[1];
    indexOf(pod, slot).computeIfAbsent(slot[0], k -> new HashMap<>()).put(Informer.key(pod), pod);
  }

  private void unindex(Pod pod) {
    String[] slot = new String[1];
    Map<String, Map<String, Pod>> index = indexOf(pod, slot);
    Map<String, Pod> pods = index.get(slot[0]);
    if (pods != null && pods.remove(Informer.key(pod)) != null && pods.isEmpty()) {
      index.remove(slot[0]);
    }
  }

  private void enqueueMatching(Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    for (ReplicationController rc : rcs.list()) {
      if (ns.equals(rc.getMetadata().getNamespace()) && ReplicaDiff.selector(rc).matches(Pods.labels(pod))) {
        loop.enqueue(Informer.key(rc));
      }
    }
  }

  private void observed(String key, int adds, int deletes) {
    Expectation e = expectations.get(key);
    if (e != null) {
      expectations.put(key, new Expectation(e.adds() + adds, e.deletes() + deletes, e.at()));
    }
  }

  Future<Void> sync(String key) {
    String[] parts = key.split("/", 2);
    ReplicationController rc = rcs.get(parts[0], parts[1]);
    if (rc == null) {
      expectations.remove(key);
      return Future.succeededFuture();
    }
    // its own pods and the namespace's orphans: the diff passes over pods of other controllers anyway
    List<Pod> candidates = new ArrayList<>(byController.getOrDefault(rc.getMetadata().getUid(), Map.of()).values());
    candidates.addAll(orphans.getOrDefault(parts[0], Map.of()).values());
    ReplicaDiff.Result diff = ReplicaDiff.compute(rc, candidates, Instant.now());
    List<Future<Void>> work = new ArrayList<>();
    for (Pod p : diff.adopt()) {
      work.add(patchPod(p, Json.string(ReplicaDiff.adoptPatch(p, rc))));
    }
    for (Pod p : diff.release()) {
      work.add(patchPod(p, Json.string(ReplicaDiff.releasePatch(p, rc))));
    }
    long now = System.currentTimeMillis();
    Expectation e = expectations.get(key);
    if (e == null || e.satisfied(now)) {
      if (diff.toCreate() > 0) {
        expectations.put(key, new Expectation(diff.toCreate(), 0, now));
        for (int i = 0; i < diff.toCreate(); i++) {
          work.add(podWrites.submit(() -> client.create(ResourceKind.PODS, ReplicaDiff.newPod(rc)))
              .onSuccess(pod -> events.normal(rc, "SuccessfulCreate", "Created pod: " + pod.getMetadata().getName()))
              .onFailure(err -> {
                observed(key, -1, 0);
                events.warning(rc, "FailedCreate", "Error creating: " + err.getMessage());
              })
              .mapEmpty());
        }
      } else if (!diff.toDelete().isEmpty()) {
        expectations.put(key, new Expectation(0, diff.toDelete().size(), now));
        for (Pod p : diff.toDelete()) {
          String name = p.getMetadata().getName();
          work.add(podWrites.submit(() -> client.delete(ResourceKind.PODS, parts[0], name, null, null))
              .onSuccess(v -> events.normal(rc, "SuccessfulDelete", "Deleted pod: " + name))
              .recover(err -> {
                observed(key, 0, -1);
                return err instanceof ApiException a && a.isNotFound() ? Future.succeededFuture() : Future.failedFuture(err);
              }));
        }
      } else {
        expectations.remove(key);
      }
    }
    return Future.all(work).compose(v -> writeStatus(rc, diff));
  }

  private Future<Void> patchPod(Pod pod, String patch) {
    return client.patch(ResourceKind.PODS, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), null,
        "application/strategic-merge-patch+json", patch).<Void>mapEmpty()
        .recover(err -> err instanceof ApiException a && (a.isNotFound() || a.isConflict())
            ? Future.succeededFuture() : Future.failedFuture(err));
  }

  private Future<Void> writeStatus(ReplicationController rc, ReplicaDiff.Result diff) {
    if (Objects.equals(Json.MAPPER.valueToTree(rc.getStatus()), Json.MAPPER.valueToTree(diff.status()))) {
      return Future.succeededFuture();
    }
    ReplicationController copy = Json.copy(rc);
    copy.setStatus(diff.status());
    return client.update(ResourceKind.REPLICATION_CONTROLLERS, copy, "status").<Void>mapEmpty()
        .recover(err -> err instanceof ApiException a && (a.isNotFound() || a.isConflict())
            ? Future.succeededFuture() : Future.failedFuture(err));
  }
}
