package io.coxswain.client;

import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Service;

/** A core/v1 resource as a client addresses it: its URL plural, kind, model class and scope. */
public record ResourceKind<T extends HasMetadata>(String resource, String kind, Class<T> type, boolean namespaced) {
  public static final ResourceKind<Pod> PODS = new ResourceKind<>("pods", "Pod", Pod.class, true);
  public static final ResourceKind<Service> SERVICES = new ResourceKind<>("services", "Service", Service.class, true);
  public static final ResourceKind<Endpoints> ENDPOINTS = new ResourceKind<>("endpoints", "Endpoints", Endpoints.class, true);
  public static final ResourceKind<ReplicationController> REPLICATION_CONTROLLERS =
      new ResourceKind<>("replicationcontrollers", "ReplicationController", ReplicationController.class, true);
  public static final ResourceKind<Node> NODES = new ResourceKind<>("nodes", "Node", Node.class, false);
  public static final ResourceKind<Namespace> NAMESPACES = new ResourceKind<>("namespaces", "Namespace", Namespace.class, false);
  public static final ResourceKind<Event> EVENTS = new ResourceKind<>("events", "Event", Event.class, true);
  public static final ResourceKind<Binding> BINDINGS = new ResourceKind<>("bindings", "Binding", Binding.class, true);

  /** The API path of a collection ({@code namespace} null: across all namespaces) or, with a name, one object. */
  public String path(String namespace, String name) {
    StringBuilder b = new StringBuilder("/api/v1");
    if (namespaced && namespace != null && !namespace.isEmpty()) {
      b.append("/namespaces/").append(namespace);
    }
    b.append('/').append(resource);
    if (name != null) {
      b.append('/').append(name);
    }
    return b.toString();
  }
}
