package io.coxswain.controller;

import io.coxswain.client.ApiException;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.ResourceKind;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code default/kubernetes} service and its Endpoints, as Kubernetes keeps them: the endpoints list
 * every master's API address (hostname = the master's member id). Each master adds itself; the leader also
 * drops masters that left the Raft group. Minions read these endpoints to know every master.
 */
public final class MasterEndpoints {
  public static final String NAME = "kubernetes";
  public static final String NAMESPACE = "default";

  private final ClusterClient client;

  public MasterEndpoints(ClusterClient client) {
    this.client = client;
  }

  /** Ensures the service exists (with the given cluster IP, usually the first of the range). */
  public Future<Void> ensureService(String clusterIp, int apiPort) {
    Service svc = new ServiceBuilder()
        .withNewMetadata().withName(NAME).withNamespace(NAMESPACE)
        .addToLabels("component", "apiserver").addToLabels("provider", "coxswain").endMetadata()
        .withNewSpec().withType("ClusterIP").withClusterIP(clusterIp)
        .addNewPort().withName("https").withProtocol("TCP").withPort(443)
        .withNewTargetPort(apiPort).endPort()
        .endSpec().build();
    return client.create(ResourceKind.SERVICES, svc).<Void>mapEmpty().recover(err ->
        err instanceof ApiException api && api.code() == 409 ? Future.succeededFuture() : Future.failedFuture(err));
  }

  /**
   * Makes the endpoints hold this master ({@code self} = member id, address, port) and, when
   * {@code members} is not null, no master outside it.
   */
  public Future<Void> reconcile(String self, String address, int port, Set<String> members) {
    return client.get(ResourceKind.ENDPOINTS, NAMESPACE, NAME).map(Json::copy).recover(err -> {
      if (err instanceof ApiException api && api.isNotFound()) {
        return Future.succeededFuture(null);
      }
      return Future.failedFuture(err);
    }).compose(current -> {
      Map<String, String> masters = new TreeMap<>();
      if (current != null) {
        masters.putAll(masters(current));
      }
      masters.put(self, address + ":" + port);
      if (members != null) {
        masters.keySet().retainAll(members);
        masters.put(self, address + ":" + port);
      }
      Endpoints wanted = build(masters);
      if (current == null) {
        return client.create(ResourceKind.ENDPOINTS, wanted).<Void>mapEmpty();
      }
      if (masters.equals(masters(current))) {
        return Future.succeededFuture();
      }
      current.setSubsets(wanted.getSubsets());
      return client.update(ResourceKind.ENDPOINTS, current, null).mapEmpty();
    });
  }

  /** member id → host:port, read off the endpoints. */
  public static Map<String, String> masters(Endpoints ep) {
    Map<String, String> out = new TreeMap<>();
    if (ep.getSubsets() == null) {
      return out;
    }
    for (EndpointSubset s : ep.getSubsets()) {
      if (s.getPorts() == null || s.getPorts().isEmpty() || s.getAddresses() == null) {
        continue;
      }
      int port = s.getPorts().get(0).getPort();
      for (EndpointAddress a : s.getAddresses()) {
        String id = a.getHostname() != null ? a.getHostname() : a.getIp();
        out.put(id, a.getIp() + ":" + port);
      }
    }
    return out;
  }

  /** The API addresses (host:port) of every master listed, in a stable order. */
  public static List<String> addresses(Endpoints ep) {
    return new ArrayList<>(masters(ep).values());
  }

  static Endpoints build(Map<String, String> masters) {
    Map<Integer, List<EndpointAddress>> byPort = new TreeMap<>();
    for (Map.Entry<String, String> e : masters.entrySet()) {
      String hp = e.getValue();
      int colon = hp.lastIndexOf(':');
      EndpointAddress a = new EndpointAddress();
      a.setIp(hp.substring(0, colon));
      a.setHostname(e.getKey());
      byPort.computeIfAbsent(Integer.parseInt(hp.substring(colon + 1)), p -> new ArrayList<>()).add(a);
    }
    List<EndpointSubset> subsets = new ArrayList<>();
    for (Map.Entry<Integer, List<EndpointAddress>> e : byPort.entrySet()) {
      EndpointSubset s = new EndpointSubset();
      s.setAddresses(e.getValue());
      EndpointPort p = new EndpointPort();
      p.setName("https");
      p.setPort(e.getKey());
      p.setProtocol("TCP");
      s.setPorts(List.of(p));
      subsets.add(s);
    }
    return new EndpointsBuilder().withNewMetadata().withName(NAME).withNamespace(NAMESPACE)
        .addToLabels("endpointslice.kubernetes.io/skip-mirror", "true").endMetadata()
        .withSubsets(subsets).build();
  }
}
