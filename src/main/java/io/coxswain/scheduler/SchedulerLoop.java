package io.coxswain.scheduler;

import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.EventRecorder;
import io.coxswain.client.Informer;
import io.coxswain.client.ResourceKind;
import io.coxswain.client.SharedInformers;
import io.coxswain.model.Json;
import io.coxswain.model.LabelSelector;
import io.coxswain.model.Pods;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Feeds the pure {@link Scheduler} from the shared caches and binds its decisions. Pods without a node are
 * taken in batches, each decision seeing the ones before it (and the bindings still on their way, as
 * "assumed" pods); a pod that fits nowhere gets PodScheduled=False and a FailedScheduling event and is tried
 * again with back-off, or sooner when nodes change or pods go away.
 */
public final class SchedulerLoop {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SchedulerLoop.class);
  public static final String NAME = "default-scheduler";
  private static final int BATCH = 512;
  /**
   * Bindings that may be on their way at once: the next batch is decided while the last ones' bindings are
   * still being written (their pods count as assumed on their nodes), as long as fewer than this are.
   */
  private static final int MAX_BINDING = 2 * BATCH;
  /**
   * With bindings under way, how long pods wait for more to be taken with them (unless a whole batch waits):
   * each batch looks at every node and bound pod once, so pods that come one by one are not taken one by one.
   */
  private static final long GATHER_MS = 20;
  private static final long MIN_BACKOFF_MS = 1000;
  private static final long MAX_BACKOFF_MS = 60_000;

  private final Vertx vertx;
  private final ClusterClient client;
  private final EventRecorder events;
  private final RandomGenerator random;
  /**
   * The nodes and what the pods counted on them take, kept as the caches change rather than counted again
   * for each batch (with 10,000 pods and 1,000 nodes that counting was half of a batch's time).
   */
  private final Scheduler.Snapshot snapshot = new Scheduler.Snapshot();
  /** Where each pod of {@link #snapshot} is counted, and as which object. */
  private final Map<String, Counted> counted = new HashMap<>();
  private final Informer<Pod> pods;
  private final Informer<Node> nodes;
  private final Informer<Service> services;
  private final LinkedHashSet<String> pending = new LinkedHashSet<>();
  private final Map<String, Long> backoff = new HashMap<>();
  private final Map<String, Long> retryAt = new HashMap<>();
  private final Map<String, String> assumed = new HashMap<>();
  private boolean running;
  /** Bindings sent and not yet answered. */
  private int binding;
  private boolean stopped;
  private long timer = -1;
  private long gatherTimer = -1;

  public SchedulerLoop(SharedInformers informers, EventRecorder events, RandomGenerator random) {
    this.vertx = informers.vertx();
    this.client = informers.client();
    this.events = events;
    this.random = random;
    this.pods = informers.of(ResourceKind.PODS);
    this.nodes = informers.of(ResourceKind.NODES);
    this.services = informers.of(ResourceKind.SERVICES);
  }

  private record Counted(String node, Pod pod) {}

  public Future<Void> start() {
    pods.addHandler(new Informer.Handler<>() {
      @Override
      public void onAdd(Pod pod) {
        consider(pod);
        recount(Informer.key(pod), pod);
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        consider(pod);
        recount(Informer.key(pod), pod);
      }

      @Override
      public void onDelete(Pod pod) {
        String key = Informer.key(pod);
        pending.remove(key);
        assumed.remove(key);
        backoff.remove(key);
        retryAt.remove(key);
        recount(key, null);
        if (pod.getSpec() != null && pod.getSpec().getNodeName() != null) {
          retryUnschedulable();
        }
      }
    });
    Informer.Handler<Node> nodeChanged = new Informer.Handler<>() {
      @Override
      public void onAdd(Node obj) {
        snapshot.setNode(obj);
        retryUnschedulable();
      }

      @Override
      public void onUpdate(Node old, Node obj) {
        snapshot.setNode(obj);
        if (Scheduler.isReady(old) != Scheduler.isReady(obj)
            || !Json.MAPPER.valueToTree(old.getSpec()).equals(Json.MAPPER.valueToTree(obj.getSpec()))
            || !Json.MAPPER.valueToTree(old.getMetadata().getLabels()).equals(Json.MAPPER.valueToTree(obj.getMetadata().getLabels()))) {
          retryUnschedulable();
        }
      }

      @Override
      public void onDelete(Node obj) {
        snapshot.removeNode(obj.getMetadata().getName());
      }
    };
    nodes.addHandler(nodeChanged);
    timer = vertx.setPeriodic(500, id -> {
      long now = System.currentTimeMillis();
      for (Iterator<Map.Entry<String, Long>> it = retryAt.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, Long> e = it.next();
        if (e.getValue() <= now) {
          pending.add(e.getKey());
          it.remove();
        }
      }
      kick();
    });
    return Future.all(pods.start(), nodes.start(), services.start()).<Void>mapEmpty().onSuccess(v -> kick());
  }

  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (gatherTimer >= 0) {
      vertx.cancelTimer(gatherTimer);
    }
  }

  /** Pods waiting for a node (queued or backing off). */
  public int waiting() {
    return pending.size() + retryAt.size();
  }

  private void consider(Pod pod) {
    String key = Informer.key(pod);
    boolean unbound = pod.getSpec() == null || pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty();
    String scheduler = pod.getSpec() == null ? null : pod.getSpec().getSchedulerName();
    boolean ours = scheduler == null || scheduler.isEmpty() || NAME.equals(scheduler);
    if (unbound && ours && !Pods.isBeingDeleted(pod) && !Pods.isTerminal(pod)) {
      if (!retryAt.containsKey(key) && !assumed.containsKey(key)) {
        pending.add(key);
        kick();
      }
    } else {
      pending.remove(key);
      retryAt.remove(key);
      backoff.remove(key);
      if (!unbound) {
        assumed.remove(key);
      }
    }
  }

  private void retryUnschedulable() {
    if (retryAt.isEmpty()) {
      return;
    }
    pending.addAll(retryAt.keySet());
    retryAt.clear();
    kick();
  }

  private void kick() {
    if (running || stopped || pending.isEmpty() || !pods.hasSynced() || !nodes.hasSynced() || binding >= MAX_BINDING) {
      return;
    }
    if (binding > 0 && pending.size() < BATCH) {
      // bindings under way and less than a batch waiting: more pods are taken with these in a while
      if (gatherTimer < 0) {
        gatherTimer = vertx.setTimer(GATHER_MS, id -> {
          gatherTimer = -1;
          startBatch();
        });
      }
      return;
    }
    startBatch();
  }

  private void startBatch() {
    if (running || stopped || pending.isEmpty() || binding >= MAX_BINDING) {
      return;
    }
    if (gatherTimer >= 0) {
      vertx.cancelTimer(gatherTimer);
      gatherTimer = -1;
    }
    running = true;
    vertx.runOnContext(v -> {
      List<Pod> batch = new ArrayList<>();
      try {
        runBatch(batch);
      } catch (RuntimeException e) {
        // a fault in one batch must not stop scheduling for good: its pods are tried again after a back-off
        LOG.error("scheduling {} pods failed; trying them again", batch.size(), e);
        batch.forEach(p -> later(Informer.key(p)));
        running = false;
        kick();
      }
    });
  }

  private void runBatch(List<Pod> batch) {
    for (Iterator<String> it = pending.iterator(); it.hasNext() && batch.size() < BATCH; ) {
      String key = it.next();
      it.remove();
      Pod pod = cached(key);
      if (pod != null && (pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty())) {
        batch.add(pod);
      }
    }
    if (batch.isEmpty()) {
      running = false;
      kick();
      return;
    }
    // group by namespace (services spread pods within a namespace); later groups see earlier placements
    Map<String, List<Pod>> byNamespace = new LinkedHashMap<>();
    for (Pod p : batch) {
      byNamespace.computeIfAbsent(p.getMetadata().getNamespace(), n -> new ArrayList<>()).add(p);
    }
    for (Map.Entry<String, List<Pod>> group : byNamespace.entrySet()) {
      List<LabelSelector> selectors = new ArrayList<>();
      for (Service s : services.list()) {
        if (group.getKey().equals(s.getMetadata().getNamespace()) && s.getSpec() != null
            && s.getSpec().getSelector() != null && !s.getSpec().getSelector().isEmpty()) {
          selectors.add(LabelSelector.fromMap(s.getSpec().getSelector()));
        }
      }
      List<ScheduleResult> results = Scheduler.scheduleAll(group.getValue(), snapshot, selectors, random);
      for (int i = 0; i < results.size(); i++) {
        Pod pod = group.getValue().get(i);
        ScheduleResult r = results.get(i);
        if (r instanceof ScheduleResult.Scheduled s) {
          counted.put(Informer.key(pod), new Counted(s.nodeName(), pod)); // the snapshot counts it there now
          bind(pod, s.nodeName());
        } else if (r instanceof ScheduleResult.Unschedulable u) {
          unschedulable(pod, u.message());
        }
      }
    }
    running = false;
    kick();
  }

  private Future<Void> bind(Pod pod, String node) {
    String key = Informer.key(pod);
    assumed.put(key, node);
    binding++;
    return client.bind(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), node)
        .onSuccess(v -> {
          backoff.remove(key);
          events.normal(pod, "Scheduled", "Successfully assigned " + key + " to " + node);
        })
        .recover(err -> {
          assumed.remove(key);
          recount(key, cached(key));
          if (err instanceof ApiException a && (a.isConflict() || a.isNotFound())) {
            return Future.succeededFuture(); // bound by someone else, or gone
          }
          later(key);
          return Future.failedFuture(err);
        })
        .onComplete(ar -> {
          binding--;
          kick();
        });
  }

  /** The pod as the cache has it now; null when it has none. */
  private Pod cached(String key) {
    String[] parts = key.split("/", 2);
    return pods.get(parts[0], parts[1]);
  }

  /**
   * Counts the pod in the snapshot where it is now: on the node it is bound to, or the one it is assumed on
   * while its binding is on its way; nowhere once it is terminal, gone, or neither bound nor assumed.
   */
  private void recount(String key, Pod pod) {
    String node = null;
    if (pod != null && !Pods.isTerminal(pod)) {
      String bound = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
      node = bound != null && !bound.isEmpty() ? bound : assumed.get(key);
    }
    Counted was = counted.get(key);
    if (was != null && was.pod() == pod && was.node().equals(node)) {
      return;
    }
    if (was != null) {
      snapshot.remove(was.node(), was.pod());
      counted.remove(key);
    }
    if (node != null) {
      snapshot.add(node, pod);
      counted.put(key, new Counted(node, pod));
    }
  }

  private Future<Void> unschedulable(Pod pod, String message) {
    String key = Informer.key(pod);
    later(key);
    events.warning(pod, "FailedScheduling", message);
    PodCondition existing = Pods.condition(pod, "PodScheduled");
    if (existing != null && "False".equals(existing.getStatus()) && message.equals(existing.getMessage())) {
      return Future.succeededFuture();
    }
    Pod copy = Json.copy(pod);
    List<PodCondition> conditions = new ArrayList<>();
    if (copy.getStatus().getConditions() != null) {
      for (PodCondition c : copy.getStatus().getConditions()) {
        if (!"PodScheduled".equals(c.getType())) {
          conditions.add(c);
        }
      }
    }
    conditions.add(new PodConditionBuilder().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
        .withMessage(message).withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).build());
    copy.getStatus().setConditions(conditions);
    return client.update(ResourceKind.PODS, copy, "status").<Void>mapEmpty()
        .recover(err -> Future.succeededFuture());
  }

  private void later(String key) {
    long delay = Math.min(MAX_BACKOFF_MS, backoff.getOrDefault(key, MIN_BACKOFF_MS / 2) * 2);
    backoff.put(key, delay);
    retryAt.put(key, System.currentTimeMillis() + delay);
  }
}
