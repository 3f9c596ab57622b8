package io.coxswain.controller;

import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.Informer;
import io.coxswain.client.ResourceKind;
import io.coxswain.client.SharedInformers;
import io.coxswain.model.Json;
import io.coxswain.model.LabelSelector;
import io.coxswain.model.Pods;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Keeps each selector service's Endpoints equal to {@link ServiceEndpoints#compute}: ready pods as
 * {@code nodeAddress:publishedPort}, not-ready ones under notReadyAddresses. A pod change queues the services
 * whose selectors match it before or after the change; writes happen only when the content differs.
 */
public final class EndpointsController {
  private final Vertx vertx;
  private final ClusterClient client;
  private final Informer<Service> services;
  private final Informer<Endpoints> endpoints;
  private final Informer<Pod> pods;
  private final Informer<Node> nodes;
  private ControllerLoop loop;
  private long resync = -1;

  public EndpointsController(SharedInformers informers) {
    this.vertx = informers.vertx();
    this.client = informers.client();
    this.services = informers.of(ResourceKind.SERVICES);
    this.endpoints = informers.of(ResourceKind.ENDPOINTS);
    this.pods = informers.of(ResourceKind.PODS);
    this.nodes = informers.of(ResourceKind.NODES);
  }

  public Future<Void> start() {
    loop = new ControllerLoop(vertx, "endpoints", 4, this::sync);
    services.addHandler(new Informer.Handler<>() {
      @Override
      public void onAdd(Service obj) {
        loop.enqueue(Informer.key(obj));
      }

      @Override
      public void onUpdate(Service old, Service obj) {
        loop.enqueue(Informer.key(obj));
      }

      @Override
      public void onDelete(Service obj) { }
    });
    pods.addHandler(new Informer.Handler<>() {
      @Override
      public void onAdd(Pod obj) {
        enqueueFor(obj);
      }

      @Override
      public void onUpdate(Pod old, Pod obj) {
        enqueueFor(old);
        enqueueFor(obj);
      }

      @Override
      public void onDelete(Pod obj) {
        enqueueFor(obj);
      }
    });
    resync = vertx.setPeriodic(30_000, id -> services.list().forEach(s -> loop.enqueue(Informer.key(s))));
    return Future.all(services.start(), endpoints.start(), pods.start(), nodes.start()).<Void>mapEmpty().onSuccess(v -> loop.open());
  }

  public void stop() {
    if (loop != null) {
      loop.stop();
    }
    if (resync >= 0) {
      vertx.cancelTimer(resync);
    }
  }

  private void enqueueFor(Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    for (Service s : services.list()) {
      if (ns.equals(s.getMetadata().getNamespace()) && s.getSpec() != null && s.getSpec().getSelector() != null
          && !s.getSpec().getSelector().isEmpty()
          && LabelSelector.fromMap(s.getSpec().getSelector()).matches(Pods.labels(pod))) {
        loop.enqueue(Informer.key(s));
      }
    }
  }

  Future<Void> sync(String key) {
    String[] parts = key.split("/", 2);
    Service service = services.get(parts[0], parts[1]);
    if (service == null) {
      return Future.succeededFuture(); // the API server removes a service's endpoints with it
    }
    List<Pod> inNamespace = new ArrayList<>();
    for (Pod p : pods.list()) {
      if (parts[0].equals(p.getMetadata().getNamespace())) {
        inNamespace.add(p);
      }
    }
    Optional<Endpoints> wanted = ServiceEndpoints.compute(service, inNamespace, new ArrayList<>(nodes.list()));
    if (wanted.isEmpty()) {
      return Future.succeededFuture();
    }
    Endpoints current = endpoints.get(parts[0], parts[1]);
    if (current != null && ServiceEndpoints.sameContent(current, wanted.get())) {
      return Future.succeededFuture();
    }
    if (current == null) {
      return client.create(ResourceKind.ENDPOINTS, wanted.get()).<Void>mapEmpty().recover(err ->
          err instanceof ApiException a && a.code() == 409 ? updateLive(parts[0], parts[1], wanted.get()) : Future.failedFuture(err));
    }
    Endpoints copy = Json.copy(current);
    copy.setSubsets(wanted.get().getSubsets());
    if (wanted.get().getMetadata().getLabels() != null) {
      copy.getMetadata().setLabels(wanted.get().getMetadata().getLabels());
    }
    return client.update(ResourceKind.ENDPOINTS, copy, null).<Void>mapEmpty().recover(err ->
        err instanceof ApiException a && a.isConflict() ? updateLive(parts[0], parts[1], wanted.get()) : Future.failedFuture(err));
  }

  private Future<Void> updateLive(String ns, String name, Endpoints wanted) {
    return client.get(ResourceKind.ENDPOINTS, ns, name).compose(live -> {
      Endpoints copy = Json.copy(live);
      copy.setSubsets(wanted.getSubsets());
      return client.update(ResourceKind.ENDPOINTS, copy, null).mapEmpty();
    });
  }
}
