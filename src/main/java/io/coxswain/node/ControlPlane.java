package io.coxswain.node;

import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.EventRecorder;
import io.coxswain.client.ResourceKind;
import io.coxswain.client.SharedInformers;
import io.coxswain.controller.EndpointsController;
import io.coxswain.controller.GarbageCollector;
import io.coxswain.controller.NamespaceController;
import io.coxswain.controller.NodeLifecycleController;
import io.coxswain.controller.ReplicationManager;
import io.coxswain.scheduler.SchedulerLoop;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the leading master runs: the bootstrap namespaces, the scheduler and every controller, sharing one
 * set of informers. Built fresh at each leadership start and stopped whole when leadership ends.
 */
public final class ControlPlane implements LeaderComponents.Component {
  private final Vertx vertx;
  private final ClusterClient client;
  private final String host;
  private final Duration nodeMonitorGrace;
  private final Duration podEvictionTimeout;
  private SharedInformers informers;
  private SchedulerLoop scheduler;
  private ReplicationManager replication;
  private EndpointsController endpoints;
  private NodeLifecycleController nodeLifecycle;
  private NamespaceController namespaces;
  private GarbageCollector garbage;
  private volatile boolean stopped;

  public ControlPlane(Vertx vertx, ClusterClient client, String host, Duration nodeMonitorGrace,
                      Duration podEvictionTimeout) {
    this.vertx = vertx;
    this.client = client;
    this.host = host;
    this.nodeMonitorGrace = nodeMonitorGrace;
    this.podEvictionTimeout = podEvictionTimeout;
  }

  @Override
  public Future<Void> start() {
    informers = new SharedInformers(vertx, client, Duration.ofMinutes(5));
    EventRecorder schedulerEvents = new EventRecorder(client, "default-scheduler", null);
    EventRecorder controllerEvents = new EventRecorder(client, "replication-controller", null);
    scheduler = new SchedulerLoop(informers, schedulerEvents, new SplittableRandom());
    replication = new ReplicationManager(informers, controllerEvents);
    endpoints = new EndpointsController(informers);
    nodeLifecycle = new NodeLifecycleController(informers, nodeMonitorGrace, podEvictionTimeout, System::currentTimeMillis);
    namespaces = new NamespaceController(informers);
    garbage = new GarbageCollector(informers);
    ensureNamespacesUntilDone(250);
    return Future.all(List.of(scheduler.start(), replication.start(), endpoints.start(), nodeLifecycle.start(),
        namespaces.start(), garbage.start())).mapEmpty();
  }

  private void ensureNamespacesUntilDone(long delayMs) {
    ensureNamespaces().onFailure(err -> {
      if (!stopped) {
        vertx.setTimer(delayMs, id -> ensureNamespacesUntilDone(Math.min(5000, delayMs * 2)));
      }
    });
  }

  private Future<Void> ensureNamespaces() {
    List<Future<Void>> all = new ArrayList<>();
    for (String name : List.of("default", "kube-system", "kube-public")) {
      Namespace ns = new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build();
      all.add(client.create(ResourceKind.NAMESPACES, ns).<Void>mapEmpty()
          .recover(err -> err instanceof ApiException a && a.code() == 409 ? Future.succeededFuture() : Future.failedFuture(err)));
    }
    return Future.all(all).mapEmpty();
  }

  @Override
  public void stop() {
    stopped = true;
    for (Runnable r : new Runnable[] {
        () -> scheduler.stop(), () -> replication.stop(), () -> endpoints.stop(), () -> nodeLifecycle.stop(),
        () -> namespaces.stop(), () -> garbage.stop(), () -> informers.stop()}) {
      try {
        r.run();
      } catch (RuntimeException ignored) {
        // stopping must not fail half way
      }
    }
  }
}
