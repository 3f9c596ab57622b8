package io.coxswain.controller;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.model.Json;
import io.coxswain.model.LabelSelector;
import io.coxswain.model.Pods;
import io.coxswain.model.PublishedPorts;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The Endpoints of a service, computed from its pods and the nodes. Per Coxswain's networking model an address
 * is the pod's node address (status.hostIP, else the node's InternalIP) and a port is the host port the kubelet
 * published for the container port the service port targets ({@link PublishedPorts}; an explicit hostPort
 * also counts). Ready pods are listed under addresses, running-but-not-ready ones under notReadyAddresses.
 * Subsets group addresses with identical port sets. The output is ordered deterministically, so unchanged
 * input gives an equal object.
 */
public final class ServiceEndpoints {
  private ServiceEndpoints() {}

  /**
   * The Endpoints object for {@code service} given the pods of its namespace (others are ignored); empty when
   * the service has no selector (its endpoints are not managed by the controller).
   */
  public static Optional<Endpoints> compute(Service service, List<Pod> pods, List<Node> nodes) {
    Map<String, String> selectorMap = service.getSpec() == null ? null : service.getSpec().getSelector();
    if (selectorMap == null || selectorMap.isEmpty()) {
      return Optional.empty();
    }
    LabelSelector selector = LabelSelector.fromMap(selectorMap);
    String namespace = Pods.namespace(service);
    boolean publishNotReady = Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses());
    List<ServicePort> servicePorts = service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
    Map<String, String> nodeAddresses = nodeAddresses(nodes);

    Map<String, Group> groups = new TreeMap<>();
    List<Pod> sorted = new ArrayList<>(pods);
    sorted.sort(Comparator.comparing(p -> p.getMetadata().getName()));
    for (Pod pod : sorted) {
      if (!namespace.equals(Pods.namespace(pod)) || !selector.matches(Pods.labels(pod)) || Pods.isTerminal(pod)) {
        continue;
      }
      boolean deleting = Pods.isBeingDeleted(pod);
      if (deleting && !publishNotReady) {
        continue;
      }
      String ip = hostIp(pod, nodeAddresses);
      if (ip == null) {
        continue;
      }
      boolean ready = publishNotReady || "Running".equals(Pods.phase(pod)) && Pods.isReady(pod) && !deleting;
      List<EndpointPort> ports = new ArrayList<>();
      PublishedPorts published = PublishedPorts.fromPod(pod);
      for (ServicePort sp : servicePorts) {
        OptionalInt hostPort = hostPort(pod, sp, published);
        if (hostPort.isPresent()) {
          ports.add(new EndpointPortBuilder().withName(sp.getName()).withPort(hostPort.getAsInt())
              .withProtocol(protocol(sp.getProtocol())).withAppProtocol(sp.getAppProtocol()).build());
        }
      }
      if (!servicePorts.isEmpty() && ports.isEmpty()) {
        continue;
      }
      ports.sort(PORT_ORDER);
      EndpointAddressBuilder address = new EndpointAddressBuilder().withIp(ip)
          .withNewTargetRef().withKind("Pod").withNamespace(namespace).withName(pod.getMetadata().getName())
          .withUid(pod.getMetadata().getUid()).endTargetRef();
      if (Pods.isScheduled(pod)) {
        address.withNodeName(pod.getSpec().getNodeName());
      }
      Group group = groups.computeIfAbsent(key(ports), k -> new Group(ports));
      (ready ? group.ready : group.notReady).add(address.build());
    }

    List<EndpointSubset> subsets = new ArrayList<>();
    for (Group g : groups.values()) {
      g.ready.sort(ADDRESS_ORDER);
      g.notReady.sort(ADDRESS_ORDER);
      EndpointSubset subset = new EndpointSubset();
      subset.setPorts(g.ports);
      subset.setAddresses(g.ready);
      subset.setNotReadyAddresses(g.notReady);
      subsets.add(subset);
    }
    Map<String, String> labels = service.getMetadata().getLabels() == null
        ? new HashMap<>() : new HashMap<>(service.getMetadata().getLabels());
    if ("None".equals(service.getSpec().getClusterIP())) {
      labels.put("service.kubernetes.io/headless", "");
    }
    return Optional.of(new EndpointsBuilder()
        .withNewMetadata().withName(service.getMetadata().getName()).withNamespace(namespace)
        .withLabels(labels.isEmpty() ? null : new TreeMap<>(labels)).endMetadata()
        .withSubsets(subsets).build());
  }

  /**
   * True when two Endpoints carry the same labels and subsets (metadata such as resourceVersion is ignored,
   * and a missing list equals an empty one): what the controller checks before writing.
   */
  public static boolean sameContent(Endpoints a, Endpoints b) {
    return content(a).equals(content(b));
  }

  private static JsonNode content(Endpoints e) {
    var node = Json.MAPPER.createObjectNode();
    Map<String, String> labels = e.getMetadata() == null ? null : e.getMetadata().getLabels();
    node.set("labels", Json.MAPPER.valueToTree(labels == null ? Map.of() : new TreeMap<>(labels)));
    var subsets = node.putArray("subsets");
    if (e.getSubsets() != null) {
      for (EndpointSubset s : e.getSubsets()) {
        var sn = subsets.addObject();
        sn.set("addresses", Json.MAPPER.valueToTree(s.getAddresses() == null ? List.of() : s.getAddresses()));
        sn.set("notReadyAddresses",
            Json.MAPPER.valueToTree(s.getNotReadyAddresses() == null ? List.of() : s.getNotReadyAddresses()));
        sn.set("ports", Json.MAPPER.valueToTree(s.getPorts() == null ? List.of() : s.getPorts()));
      }
    }
    return node;
  }

  private static final Comparator<EndpointPort> PORT_ORDER = Comparator
      .comparing((EndpointPort p) -> p.getName() == null ? "" : p.getName())
      .thenComparing(EndpointPort::getPort)
      .thenComparing(p -> p.getProtocol() == null ? "" : p.getProtocol());

  private static final Comparator<EndpointAddress> ADDRESS_ORDER = Comparator
      .comparing(EndpointAddress::getIp)
      .thenComparing(a -> a.getTargetRef() == null ? "" : a.getTargetRef().getName());

  private static final class Group {
    final List<EndpointPort> ports;
    final List<EndpointAddress> ready = new ArrayList<>();
    final List<EndpointAddress> notReady = new ArrayList<>();

    Group(List<EndpointPort> ports) {
      this.ports = ports;
    }
  }

  private static String key(List<EndpointPort> ports) {
    StringBuilder sb = new StringBuilder();
    for (EndpointPort p : ports) {
      sb.append(p.getName()).append('/').append(String.format("%05d", p.getPort())).append('/')
          .append(p.getProtocol()).append('/').append(p.getAppProtocol()).append(';');
    }
    return sb.toString();
  }

  private static String protocol(String protocol) {
    return protocol == null || protocol.isEmpty() ? "TCP" : protocol;
  }

  private static Map<String, String> nodeAddresses(List<Node> nodes) {
    Map<String, String> byName = new HashMap<>();
    for (Node node : nodes == null ? List.<Node>of() : nodes) {
      if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
        continue;
      }
      String chosen = null;
      for (String type : List.of("InternalIP", "ExternalIP")) {
        for (NodeAddress a : node.getStatus().getAddresses()) {
          if (chosen == null && type.equals(a.getType()) && a.getAddress() != null && !a.getAddress().isEmpty()) {
            chosen = a.getAddress();
          }
        }
      }
      if (chosen != null) {
        byName.put(node.getMetadata().getName(), chosen);
      }
    }
    return byName;
  }

  private static String hostIp(Pod pod, Map<String, String> nodeAddresses) {
    String ip = pod.getStatus() == null ? null : pod.getStatus().getHostIP();
    if (ip != null && !ip.isEmpty()) {
      return ip;
    }
    return Pods.isScheduled(pod) ? nodeAddresses.get(pod.getSpec().getNodeName()) : null;
  }

  /** The host port serving the service port on this pod, if the target port resolves and was published. */
  static OptionalInt hostPort(Pod pod, ServicePort sp, PublishedPorts published) {
    String protocol = protocol(sp.getProtocol());
    IntOrString target = sp.getTargetPort();
    if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
      return OptionalInt.empty();
    }
    for (Container c : pod.getSpec().getContainers()) {
      if (c.getPorts() == null) {
        continue;
      }
      for (ContainerPort cp : c.getPorts()) {
        if (cp.getContainerPort() == null || !protocol.equals(protocol(cp.getProtocol()))) {
          continue;
        }
        boolean hit;
        if (target == null || target.getStrVal() == null && target.getIntVal() == null) {
          hit = sp.getPort() != null && sp.getPort().equals(cp.getContainerPort());
        } else if (target.getStrVal() != null) {
          hit = target.getStrVal().equals(cp.getName());
        } else {
          hit = target.getIntVal().equals(cp.getContainerPort());
        }
        if (!hit) {
          continue;
        }
        OptionalInt fromKubelet = published.hostPort(c.getName(), cp.getContainerPort(), protocol);
        if (fromKubelet.isPresent()) {
          return fromKubelet;
        }
        if (cp.getHostPort() != null && cp.getHostPort() > 0) {
          return OptionalInt.of(cp.getHostPort());
        }
      }
    }
    return OptionalInt.empty();
  }
}
