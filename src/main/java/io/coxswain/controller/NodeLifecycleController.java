package io.coxswain.controller;

import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.Informer;
import io.coxswain.client.SharedInformers;
import io.coxswain.client.ResourceKind;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Notices dead minions. A node whose heartbeat has not changed for {@code grace} (as seen by this
 * controller's own clock, so clock skew between hosts does not matter) gets Ready=Unknown and its pods
 * Ready=False (services stop sending them traffic); after {@code evictionTimeout} more its pods are
 * deleted so their controllers replace them elsewhere. A node that beats again within the grace loses
 * nothing.
 */
public final class NodeLifecycleController {
  private final Vertx vertx;
  private final ClusterClient client;
  private final Duration grace;
  private final Duration evictionTimeout;
  private final LongSupplier clock;
  private final Map<String, Seen> seen = new HashMap<>();
  private final Informer<Node> nodes;
  private final Informer<Pod> pods;
  private long timer = -1;
  private boolean busy;

  /** What this controller last observed of a node, in its own clock's milliseconds. */
  record Seen(String heartbeat, long observedAt, long unknownSince) {}

  public NodeLifecycleController(SharedInformers informers, Duration grace, Duration evictionTimeout,
                                 LongSupplier clock) {
    this.vertx = informers.vertx();
    this.client = informers.client();
    this.nodes = informers.of(ResourceKind.NODES);
    this.pods = informers.of(ResourceKind.PODS);
    this.grace = grace;
    this.evictionTimeout = evictionTimeout;
    this.clock = clock;
  }

  public Future<Void> start() {
    return Future.all(nodes.start(), pods.start()).<Void>mapEmpty().onSuccess(v ->
        timer = vertx.setPeriodic(Math.max(250, Math.min(1000, grace.toMillis() / 4)), id -> check()));
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void check() {
    if (busy) {
      return;
    }
    long now = clock.getAsLong();
    List<Future<Void>> work = new ArrayList<>();
    Map<String, Node> current = new HashMap<>();
    for (Node n : nodes.list()) {
      current.put(n.getMetadata().getName(), n);
    }
    seen.keySet().retainAll(current.keySet());
    for (Node node : current.values()) {
      String name = node.getMetadata().getName();
      NodeCondition ready = ready(node);
      String hb = ready == null ? "" : String.valueOf(ready.getLastHeartbeatTime());
      boolean unknown = ready != null && "Unknown".equals(ready.getStatus());
      Seen s = seen.get(name);
      if (s == null || !s.heartbeat().equals(hb)) {
        // a new heartbeat (or a node seen for the first time): the grace starts again
        s = new Seen(hb, now, unknown ? (s == null ? now : s.unknownSince()) : -1);
        seen.put(name, s);
      }
      if (unknown) {
        long since = s.unknownSince() < 0 ? now : s.unknownSince();
        if (s.unknownSince() < 0) {
          seen.put(name, new Seen(hb, s.observedAt(), since));
        }
        if (now - since >= evictionTimeout.toMillis()) {
          work.add(evict(name));
        }
      } else if (now - s.observedAt() >= grace.toMillis()) {
        seen.put(name, new Seen(hb, s.observedAt(), now));
        work.add(markUnknown(name));
      }
    }
    if (!work.isEmpty()) {
      busy = true;
      Future.join(work).onComplete(ar -> busy = false);
    }
  }

  static NodeCondition ready(Node node) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return null;
    }
    for (NodeCondition c : node.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return c;
      }
    }
    return null;
  }

  private Future<Void> markUnknown(String name) {
    String now = Instant.ofEpochMilli(clock.getAsLong()).truncatedTo(ChronoUnit.SECONDS).toString();
    Future<Void> node = client.get(ResourceKind.NODES, null, name).compose(live -> {
      Node copy = Json.copy(live);
      NodeCondition ready = ready(copy);
      if (ready == null) {
        ready = new NodeCondition();
        ready.setType("Ready");
        if (copy.getStatus() == null) {
          copy.setStatus(new io.fabric8.kubernetes.api.model.NodeStatus());
        }
        List<NodeCondition> conditions = new ArrayList<>(copy.getStatus().getConditions() == null
            ? List.of() : copy.getStatus().getConditions());
        conditions.add(ready);
        copy.getStatus().setConditions(conditions);
      }
      ready.setStatus("Unknown");
      ready.setReason("NodeStatusUnknown");
      ready.setMessage("Kubelet stopped posting node status.");
      ready.setLastTransitionTime(now);
      return client.update(ResourceKind.NODES, copy, "status").<Void>mapEmpty();
    });
    List<Future<Void>> podUpdates = new ArrayList<>();
    for (Pod pod : podsOn(name)) {
      podUpdates.add(markPodNotReady(pod, now));
    }
    return Future.join(node, Future.join(podUpdates)).mapEmpty();
  }

  private Future<Void> markPodNotReady(Pod pod, String now) {
    return client.get(ResourceKind.PODS, pod.getMetadata().getNamespace(), pod.getMetadata().getName()).compose(live -> {
      Pod copy = Json.copy(live);
      if (copy.getStatus() == null || copy.getStatus().getConditions() == null) {
        return Future.<Void>succeededFuture();
      }
      boolean changed = false;
      for (PodCondition c : copy.getStatus().getConditions()) {
        if (("Ready".equals(c.getType()) || "ContainersReady".equals(c.getType())) && !"False".equals(c.getStatus())) {
          c.setStatus("False");
          c.setReason("NodeNotReady");
          c.setLastTransitionTime(now);
          changed = true;
        }
      }
      return changed ? client.update(ResourceKind.PODS, copy, "status").<Void>mapEmpty() : Future.<Void>succeededFuture();
    }).recover(err -> err instanceof ApiException a && a.isNotFound() ? Future.succeededFuture() : Future.failedFuture(err));
  }

  private Future<Void> evict(String name) {
    List<Future<Void>> deletes = new ArrayList<>();
    for (Pod pod : podsOn(name)) {
      deletes.add(client.delete(ResourceKind.PODS, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), 0L, null)
          .recover(err -> err instanceof ApiException a && a.isNotFound() ? Future.succeededFuture() : Future.failedFuture(err)));
    }
    return Future.join(deletes).mapEmpty();
  }

  private List<Pod> podsOn(String node) {
    List<Pod> out = new ArrayList<>();
    for (Pod p : pods.list()) {
      if (p.getSpec() != null && node.equals(p.getSpec().getNodeName())) {
        out.add(p);
      }
    }
    return out;
  }
}
