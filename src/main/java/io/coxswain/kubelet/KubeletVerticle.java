package io.coxswain.kubelet;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.EventRecorder;
import io.coxswain.client.Informer;
import io.coxswain.client.ListOptions;
import io.coxswain.client.ResourceKind;
import io.coxswain.model.Json;
import io.coxswain.model.PublishedPorts;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet: makes this node's containers match the pods bound to it. Level-triggered — a watch of pods
 * with {@code spec.nodeName} = this node, a periodic relist of the runtime's containers, and a sync that
 * reads both whole, asks the pure {@link SyncPlan} what to do, does it on worker threads, and writes the
 * pod statuses that changed. Containers carry labels, so a kubelet restarted after kill -9 adopts what runs.
 */
public final class KubeletVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(KubeletVerticle.class);

  /**
   * How the kubelet is set up.
   *
   * @param statusHold how long the status of a pod whose containers are being started waits to be written
   *                   ({@link #STATUS_HOLD} by default)
   */
  public record Options(String nodeName, String address, Path podsDir, Duration relistPeriod, Duration statusHold) {
    public Options(String nodeName, String address, Path podsDir, Duration relistPeriod) {
      this(nodeName, address, podsDir, relistPeriod, STATUS_HOLD);
    }
  }

  /**
   * The worker pool of every kubelet on a Vert.x instance, shared by name: the hollow minions of one process use
   * one pool, not one each. A pool's threads are all started in time (one per task until it is full) and idle
   * at ~100 KB each: 8 per kubelet were 8,000 threads for 1,000 hollow nodes. The pods of one sync start in
   * parallel up to this many at a time.
   */
  static final String WORKER_POOL = "kubelet";
  static final int WORKER_THREADS = 4;

  private final ClusterClient client;
  private final ContainerRuntime runtime;
  private final Options options;
  private final Prober prober;
  private Informer<Pod> pods;
  private Informer<Service> services;
  private WorkerExecutor worker;
  private SyncExecutor executor;
  private EventRecorder events;
  private Map<ContainerKey, BackOff> backOff = new HashMap<>();
  private final Map<String, String> writtenPorts = new HashMap<>();

  /**
   * A status this kubelet wrote, as JSON text, and the resourceVersion its write gave the pod. Text, not a tree:
   * kept for every pod of the node, a tree was ~3 KB of objects a pod (~16 MB for a hollow process's 5,000).
   */
  private record Written(byte[] status, long resourceVersion) {}

  /**
   * The last status written, per pod uid: a sync that sees the pod as it was before that write (the watch has
   * not brought the write yet) does not write the same status again. Kept until the pod goes: a sync that began
   * before the watch brought the write still holds the pod as it was.
   */
  private final Map<String, Written> writtenStatus = new HashMap<>();

  /** A status a sync computed for a pod object that already had it. */
  private record Unchanged(Pod pod, PodStatus status) {}

  /**
   * Per pod uid, the last status found to be the pod's own already: a later sync that sees the very same pod
   * object and computes an equal status has nothing to write either, and skips turning both into JSON trees
   * to compare them. A node's every sync looks at all its pods; with ten pods a node, those comparisons were
   * an eighth of a hollow minion's CPU.
   */
  private final Map<String, Unchanged> unchangedStatus = new HashMap<>();
  /** The spec hashes of the containers of the desired pods, kept between syncs. */
  private final ContainerHashes hashes = new ContainerHashes();
  private boolean syncing;
  private boolean dirty;
  /**
   * The uids of the pods the last listing of the runtime showed containers of, and of every pod acted on
   * since; null before the first listing. A desired pod outside it has no container yet.
   */
  private Set<String> listedSince;
  /** The last sync started new pods without a listing: the next one lists. */
  private boolean fullSyncNext;
  private long relistTimer = -1;
  private long wakeTimer = -1;
  private volatile boolean runtimeHealthy = true;
  private volatile String runtimeError = "";

  public KubeletVerticle(ClusterClient client, ContainerRuntime runtime, Options options) {
    this.client = client;
    this.runtime = runtime;
    this.options = options;
    this.prober = new Prober(runtime, options.address());
  }

  @Override
  public Future<?> start() {
    executor = new SyncExecutor(runtime, java.time.Clock.systemUTC());
    worker = vertx.createSharedWorkerExecutor(WORKER_POOL, WORKER_THREADS, 10, java.util.concurrent.TimeUnit.MINUTES);
    events = new EventRecorder(client, "kubelet", options.nodeName());
    prober.start(vertx, this::requestSync, this::livenessFailed);
    pods = new Informer<>(vertx, client, ResourceKind.PODS, null,
        ListOptions.fields("spec.nodeName=" + options.nodeName()), Duration.ofSeconds(30));
    services = new Informer<>(vertx, client, ResourceKind.SERVICES, null, ListOptions.ALL, Duration.ofMinutes(5));
    Informer.Handler<Pod> onPod = new Informer.Handler<>() {
      @Override
      public void onAdd(Pod obj) {
        requestSync();
      }

      @Override
      public void onUpdate(Pod old, Pod obj) {
        // the specs compared as objects first: equal ones (a status update, the most common) need no JSON
        if (!Objects.equals(old.getMetadata().getDeletionTimestamp(), obj.getMetadata().getDeletionTimestamp())
            || (!Objects.equals(old.getSpec(), obj.getSpec())
                && !Json.MAPPER.valueToTree(old.getSpec()).equals(Json.MAPPER.valueToTree(obj.getSpec())))) {
          requestSync();
        }
      }

      @Override
      public void onDelete(Pod obj) {
        prober.forget(obj.getMetadata().getUid());
        writtenStatus.remove(obj.getMetadata().getUid());
        unchangedStatus.remove(obj.getMetadata().getUid());
        hashes.forget(obj.getMetadata().getUid());
        writtenPorts.remove(obj.getMetadata().getUid());
        requestSync();
      }
    };
    pods.addHandler(onPod);
    relistTimer = vertx.setPeriodic(options.relistPeriod().toMillis(), id -> requestSync());
    // start the watch of pods without waiting for it: the minion must come up even while no master answers
    services.start();
    pods.start().onSuccess(v -> requestSync());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(relistTimer);
    if (wakeTimer >= 0) {
      vertx.cancelTimer(wakeTimer);
    }
    prober.stop();
    if (pods != null) {
      pods.stop();
      services.stop();
    }
    if (executor != null) {
      executor.shutdown(); // not close(): stop() runs on the event loop
    }
    return worker == null ? Future.succeededFuture() : worker.close();
  }

  /** Whether the container runtime answered at the last sync, and why not. */
  public boolean runtimeHealthy() {
    return runtimeHealthy;
  }

  public String runtimeError() {
    return runtimeError;
  }

  /** The pod bound to this node with that namespace and name, from the kubelet's cache. */
  public Pod pod(String namespace, String name) {
    return pods == null ? null : pods.get(namespace, name);
  }

  public ContainerRuntime runtime() {
    return runtime;
  }

  /**
   * Syncs now, or right after the sync under way: a burst of requests during it makes one more sync, not many.
   * Right after, not a few milliseconds after: the sync that follows a pod's start is the one that writes it
   * Running.
   */
  void requestSync() {
    if (syncing) {
      dirty = true;
      return;
    }
    syncing = true;
    dirty = false;
    sync().onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("kubelet sync failed: {}", ar.cause().toString());
      }
      syncing = false;
      if (dirty) {
        vertx.runOnContext(v -> requestSync());
      }
    });
  }

  private Future<Void> sync() {
    if (!pods.hasSynced()) {
      return Future.succeededFuture();
    }
    List<Pod> desired = new ArrayList<>(pods.list());
    List<Service> knownServices = List.copyOf(services.list());
    List<Pod> fresh = listedSince == null || fullSyncNext || !runtimeHealthy ? List.of()
        : newPods(desired, listedSince);
    if (!fresh.isEmpty()) {
      // pods that have no container yet: started without listing the node's containers first; the sync
      // right after is a whole one
      fullSyncNext = true;
      dirty = true;
      SyncResult result = SyncPlan.compute(new SyncInput(options.nodeName(), options.address(), options.podsDir(),
          fresh, List.of(), backOff, prober.readiness(), knownServices, Instant.now(), hashes));
      return act(result, fresh, List.of());
    }
    fullSyncNext = false;
    return worker.executeBlocking(() -> {
          List<ObservedContainer> listed = runtime.listContainers(options.nodeName());
          removeOrphanDirs(desired, listed);
          return listed;
        }, false)
        .onFailure(err -> {
          runtimeHealthy = false;
          runtimeError = String.valueOf(err.getMessage());
        })
        .compose(containers -> {
          runtimeHealthy = true;
          runtimeError = "";
          listedSince = new HashSet<>();
          for (ObservedContainer c : containers) {
            listedSince.add(c.pod().uid());
          }
          SyncInput in = new SyncInput(options.nodeName(), options.address(), options.podsDir(), desired, containers,
              backOff, prober.readiness(), knownServices, Instant.now(), hashes);
          SyncResult result = SyncPlan.compute(in);
          backOff = new HashMap<>(result.backOff());
          prober.track(desired, containers);
          scheduleWake(result.nextSyncAt());
          return act(result, desired, containers);
        });
  }

  /** Carries out a plan of {@code desired}: its actions, the statuses it tells, its deletions of finished pods. */
  private Future<Void> act(SyncResult result, List<Pod> desired, List<ObservedContainer> containers) {
    List<Future<Void>> work = new ArrayList<>();
    Map<String, PodStatus> now = new HashMap<>(result.statuses());
    Map<String, PodStatus> held = holdStatusesOfStartingPods(result.actions(), now);
    Future<Void> executed = execute(result.actions(), desired);
    work.add(executed);
    work.add(writeStatuses(desired, now));
    if (!held.isEmpty() && !executed.isComplete()) {
      long late = vertx.setTimer(Math.max(1, options.statusHold().toMillis()), id -> writeStatuses(desired, held));
      executed.onComplete(ar -> vertx.cancelTimer(late));
    }
    work.add(writePublishedPorts(desired, containers));
    for (PodRef done : result.terminated()) {
      work.add(client.delete(ResourceKind.PODS, done.namespace(), done.name(), 0L, null)
          .recover(err -> err instanceof ApiException a && a.isNotFound() ? Future.succeededFuture() : Future.failedFuture(err)));
    }
    return Future.join(work).<Void>mapEmpty();
  }

  /**
   * The desired pods that have no container: not in {@code known} (the uids of the pods the last listing
   * showed containers of, and of those acted on since), not being deleted and not finished. Only this kubelet
   * makes containers for its pods, so a pod it has neither listed nor acted on has none.
   */
  static List<Pod> newPods(List<Pod> desired, Set<String> known) {
    List<Pod> fresh = new ArrayList<>();
    for (Pod pod : desired) {
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if (!known.contains(pod.getMetadata().getUid()) && pod.getMetadata().getDeletionTimestamp() == null
          && !"Succeeded".equals(phase) && !"Failed".equals(phase)) {
        fresh.add(pod);
      }
    }
    return fresh;
  }

  /**
   * How long the status of a pod whose containers are being started waits to be written. A start that ends
   * sooner is followed by a sync that writes the pod as it then is (Running, most often): one status write
   * instead of two, and none on the API while the runtime starts the containers. A slow start (an image being
   * pulled) shows the pod as it was (Pending, ContainerCreating) after that time.
   */
  static final Duration STATUS_HOLD = Duration.ofSeconds(1);

  /**
   * Takes out of {@code statuses} those of the pods whose infra container this sync starts (new pods, or pods
   * whose infra container is replaced) and returns them.
   */
  static Map<String, PodStatus> holdStatusesOfStartingPods(List<SyncAction> actions, Map<String, PodStatus> statuses) {
    Map<String, PodStatus> held = new HashMap<>();
    for (SyncAction a : actions) {
      if (a instanceof SyncAction.StartInfra && statuses.containsKey(a.pod().uid())) {
        held.put(a.pod().uid(), statuses.remove(a.pod().uid()));
      }
    }
    return held;
  }

  /** Removes the directories (emptyDir volumes) of pods that are gone with all their containers. Blocking. */
  private void removeOrphanDirs(List<Pod> desired, List<ObservedContainer> containers) {
    try {
      for (String uid : PodDirs.orphans(PodDirs.list(options.podsDir()), desired, containers)) {
        PodDirs.remove(options.podsDir(), uid);
        LOG.debug("removed the directory of pod {}", uid);
      }
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warn("cannot remove the directory of a deleted pod under {}: {}", options.podsDir(), e.toString());
    }
  }

  private void scheduleWake(Instant at) {
    if (at == null) {
      return;
    }
    long delay = Math.max(10, Duration.between(Instant.now(), at).toMillis() + 20);
    if (wakeTimer >= 0) {
      vertx.cancelTimer(wakeTimer);
    }
    wakeTimer = vertx.setTimer(delay, id -> {
      wakeTimer = -1;
      requestSync();
    });
  }

  /** Runs the plan: each pod's steps in order, pods in parallel, kills never twice at once. */
  private Future<Void> execute(List<SyncAction> actions, List<Pod> desired) {
    if (actions.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<String, List<SyncAction>> byPod = new LinkedHashMap<>();
    List<Future<Void>> work = new ArrayList<>();
    for (SyncAction a : actions) {
      if (a instanceof SyncAction.KillContainer k) {
        executor.killInBackground(k).whenComplete((v, err) -> vertx.runOnContext(x -> requestSync()));
      } else {
        byPod.computeIfAbsent(a.pod().uid(), u -> new ArrayList<>()).add(a);
      }
    }
    Map<String, Pod> podsByUid = new HashMap<>();
    for (Pod p : desired) {
      podsByUid.put(p.getMetadata().getUid(), p);
    }
    for (List<SyncAction> steps : byPod.values()) {
      Pod pod = podsByUid.get(steps.get(0).pod().uid());
      listedSince.add(steps.get(0).pod().uid());
      work.add(worker.<SyncExecutor.PodRun>executeBlocking(() -> executor.runPod(steps), false).compose(run -> {
        if (!run.started()) {
          return Future.<Void>succeededFuture();
        }
        requestSync(); // under way: the sync after this one sees what was started
        // a new pod started whole: its status is written from what its start saw, without waiting for a
        // listing of every container of the node; the sync that follows checks it as any other
        Future<Void> written = pod == null || run.observed().isEmpty() ? Future.succeededFuture()
            : Future.join(writeStatuses(List.of(pod), statusFrom(pod, run.observed())),
                writePublishedPorts(List.of(pod), run.observed())).mapEmpty();
        return written.otherwiseEmpty();
      }, err -> {
        if (err instanceof SyncExecutor.PullFailed pull) {
          backOff.put(pull.key(), BackOff.afterFailure(backOff.get(pull.key()), Instant.now(), pull.pull().reason(),
              pull.pull().getMessage()));
        }
        if (pod != null && err instanceof SyncExecutor.PullFailed pull) {
          events.warning(pod, "Failed", "Failed to pull image: " + pull.pull().getMessage());
          // the failed pull shows as ErrImagePull until the next sync shows its back-off (ImagePullBackOff)
          return showPullFailure(pod, pull).onComplete(ar -> vertx.runOnContext(v -> requestSync()))
              .otherwiseEmpty();
        } else if (pod != null) {
          events.warning(pod, "Failed", "Error: " + err.getMessage());
        }
        vertx.runOnContext(v -> requestSync());
        return Future.succeededFuture();
      }));
    }
    return Future.join(work).mapEmpty();
  }

  private static long revision(Pod pod) {
    try {
      return Long.parseLong(pod.getMetadata().getResourceVersion());
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** The status of {@code pod} as the plan tells it from these containers of the pod alone (by uid). */
  private Map<String, PodStatus> statusFrom(Pod pod, List<ObservedContainer> containers) {
    SyncInput in = new SyncInput(options.nodeName(), options.address(), options.podsDir(), List.of(pod), containers,
        backOff, prober.readiness(), List.copyOf(services.list()), Instant.now());
    PodStatus status = SyncPlan.compute(in).statuses().get(pod.getMetadata().getUid());
    return status == null ? Map.of() : Map.of(pod.getMetadata().getUid(), status);
  }

  private Future<Void> showPullFailure(Pod pod, SyncExecutor.PullFailed pull) {
    Pod copy = Json.copy(pod);
    if (copy.getStatus() == null) {
      copy.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
    }
    if (copy.getStatus().getContainerStatuses() == null) {
      copy.getStatus().setContainerStatuses(new ArrayList<>());
    }
    var statuses = copy.getStatus().getContainerStatuses();
    var spec = pod.getSpec().getContainers().stream().filter(c -> c.getName().equals(pull.key().containerName())).findFirst();
    if (spec.isEmpty()) {
      return Future.succeededFuture();
    }
    var cs = statuses.stream().filter(c -> c.getName().equals(pull.key().containerName())).findFirst().orElseGet(() -> {
      var fresh = new io.fabric8.kubernetes.api.model.ContainerStatusBuilder().withName(pull.key().containerName())
          .withImage(spec.get().getImage()).withImageID("").withReady(false).withStarted(false).withRestartCount(0)
          .build();
      statuses.add(fresh);
      return fresh;
    });
    if (cs.getState() != null && cs.getState().getRunning() != null) {
      return Future.succeededFuture();
    }
    cs.setState(new io.fabric8.kubernetes.api.model.ContainerStateBuilder().withNewWaiting()
        .withReason(pull.pull().reason()).withMessage(pull.pull().getMessage())
        .endWaiting().build());
    // a merge patch: no resourceVersion guard to lose against this sync's own status write
    var patch = Json.MAPPER.createObjectNode();
    patch.putObject("status").set("containerStatuses", Json.MAPPER.valueToTree(copy.getStatus().getContainerStatuses()));
    return client.patch(ResourceKind.PODS, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), "status",
        "application/merge-patch+json", Json.string(patch)).<Void>mapEmpty()
        .recover(err -> Future.succeededFuture());
  }

  private Future<Void> writeStatuses(List<Pod> desired, Map<String, PodStatus> statuses) {
    List<Future<Void>> work = new ArrayList<>();
    for (Pod pod : desired) {
      String uid = pod.getMetadata().getUid();
      PodStatus status = statuses.get(uid);
      if (status == null) {
        continue;
      }
      Unchanged same = unchangedStatus.get(uid);
      if (same != null && same.pod() == pod && same.status().equals(status)) {
        continue;
      }
      JsonNode tree = Json.MAPPER.valueToTree(status);
      if (tree.equals(Json.MAPPER.valueToTree(pod.getStatus()))) {
        unchangedStatus.put(uid, new Unchanged(pod, status));
        continue;
      }
      Written last = writtenStatus.get(uid);
      if (last != null && revision(pod) < last.resourceVersion() && Arrays.equals(last.status(), Json.bytes(tree))) {
        continue;
      }
      // the pod with its new status, sharing the rest with the informer's object (the client only serializes it)
      Pod copy = new Pod(pod.getApiVersion(), pod.getKind(), pod.getMetadata(), pod.getSpec(), status);
      work.add(client.update(ResourceKind.PODS, copy, "status")
          .onSuccess(updated -> writtenStatus.put(uid, new Written(Json.bytes(tree), revision(updated)))).<Void>mapEmpty()
          .recover(err -> err instanceof ApiException a && (a.isConflict() || a.isNotFound())
              ? Future.succeededFuture() : Future.failedFuture(err)));
    }
    return Future.join(work).mapEmpty();
  }

  /** Tells the endpoints controller where each pod's ports were published (an annotation). */
  private Future<Void> writePublishedPorts(List<Pod> desired, List<ObservedContainer> containers) {
    Map<String, ObservedContainer> infraByPod = new HashMap<>();
    for (ObservedContainer c : containers) {
      if (c.infra() && c.running()) {
        infraByPod.put(c.pod().uid(), c);
      }
    }
    List<Future<Void>> work = new ArrayList<>();
    for (Pod pod : desired) {
      ObservedContainer infra = infraByPod.get(pod.getMetadata().getUid());
      if (infra == null || pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      List<PublishedPorts.Port> ports = new ArrayList<>();
      if (pod.getSpec().getContainers() != null) {
        for (var c : pod.getSpec().getContainers()) {
          if (c.getPorts() == null) {
            continue;
          }
          for (var p : c.getPorts()) {
            String proto = p.getProtocol() == null ? "TCP" : p.getProtocol();
            for (PublishedPort pp : infra.publishedPorts()) {
              if (pp.containerPort() == p.getContainerPort() && pp.protocol().equalsIgnoreCase(proto)) {
                ports.add(new PublishedPorts.Port(c.getName(), p.getContainerPort(), proto, pp.hostPort()));
              }
            }
            if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
              ports.add(new PublishedPorts.Port(c.getName(), p.getContainerPort(), proto, p.getContainerPort()));
            }
          }
        }
      }
      if (ports.isEmpty()) {
        continue;
      }
      String value = PublishedPorts.of(ports).format();
      Map<String, String> annotations = pod.getMetadata().getAnnotations();
      String current = annotations == null ? null : annotations.get(PublishedPorts.ANNOTATION);
      String uid = pod.getMetadata().getUid();
      if (value.equals(current) || value.equals(writtenPorts.get(uid))) {
        continue;
      }
      writtenPorts.put(uid, value);
      var patch = Json.MAPPER.createObjectNode();
      patch.putObject("metadata").putObject("annotations").put(PublishedPorts.ANNOTATION, value);
      work.add(client.patch(ResourceKind.PODS, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), null,
          "application/merge-patch+json", Json.string(patch)).<Void>mapEmpty()
          .recover(err -> {
            writtenPorts.remove(uid);
            return Future.succeededFuture();
          }));
    }
    return Future.join(work).mapEmpty();
  }

  private void livenessFailed(Pod pod, String containerName, String containerId, String message) {
    events.warning(pod, "Unhealthy", "Liveness probe failed: " + message);
    events.normal(pod, "Killing", "Container " + containerName + " failed liveness probe, will be restarted");
    PodRef ref = new PodRef(pod.getMetadata().getUid(), pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    executor.killInBackground(new SyncAction.KillContainer(containerId, ref, containerName,
        Duration.ofSeconds(ContainerSpecs.graceSeconds(pod)), "liveness probe failed"))
        .whenComplete((v, err) -> vertx.runOnContext(x -> requestSync()));
  }


}
