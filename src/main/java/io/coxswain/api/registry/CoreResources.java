package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Optional;

/**
 * The core/v1 resources this API serves, as discovery lists them and as the registry needs them: names,
 * scope, verbs, subresources and each resource's strategy. Built per API server (strategies carry
 * configuration such as the node port range); immutable once built.
 */
public final class CoreResources {
  public static final List<String> ALL_VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  public static final List<String> STATUS_VERBS = List.of("get", "patch", "update");

  /** One subresource: {@code pods/status}, served as kind in group/version (group "" is core). */
  public record Subresource(String name, String kind, String group, String version, List<String> verbs) {
    public String path(String resource) {
      return resource + "/" + name;
    }
  }

  /** One resource of core/v1. */
  public record Resource(String resource, String singular, String kind, boolean namespaced, List<String> shortNames,
      List<String> verbs, List<String> categories, List<Subresource> subresources,
      Strategy<? extends HasMetadata> strategy, Class<? extends HasMetadata> type) {
    public Optional<Subresource> subresource(String name) {
      return subresources.stream().filter(s -> s.name().equals(name)).findFirst();
    }
  }

  private final List<Resource> resources;
  private final PodStrategy pods = new PodStrategy();
  private final ServiceStrategy services;
  private final ReplicationControllerStrategy replicationControllers = new ReplicationControllerStrategy();
  private final NodeStrategy nodes = new NodeStrategy();
  private final NamespaceStrategy namespaces = new NamespaceStrategy();
  private final EndpointsStrategy endpoints = new EndpointsStrategy();
  private final EventStrategy events = new EventStrategy();
  private final BindingStrategy bindings = new BindingStrategy();

  public CoreResources() {
    this(ServiceStrategy.DEFAULT_NODE_PORT_MIN, ServiceStrategy.DEFAULT_NODE_PORT_MAX);
  }

  public CoreResources(int nodePortMin, int nodePortMax) {
    this.services = new ServiceStrategy(nodePortMin, nodePortMax);
    List<String> all = List.of("all");
    this.resources = List.of(
        new Resource("bindings", "binding", "Binding", true, List.of(), List.of("create"), List.of(), List.of(),
            bindings, bindings.type()),
        new Resource("endpoints", "endpoints", "Endpoints", true, List.of("ep"), ALL_VERBS, List.of(), List.of(),
            endpoints, endpoints.type()),
        new Resource("events", "event", "Event", true, List.of("ev"), ALL_VERBS, List.of(), List.of(),
            events, events.type()),
        new Resource("namespaces", "namespace", "Namespace", false, List.of("ns"),
            List.of("create", "delete", "get", "list", "patch", "update", "watch"), List.of(),
            List.of(status("Namespace"), new Subresource("finalize", "Namespace", "", "v1", List.of("update"))),
            namespaces, namespaces.type()),
        new Resource("nodes", "node", "Node", false, List.of("no"), ALL_VERBS, List.of(),
            List.of(status("Node")), nodes, nodes.type()),
        new Resource("pods", "pod", "Pod", true, List.of("po"), ALL_VERBS, all,
            List.of(status("Pod"),
                new Subresource("binding", "Binding", "", "v1", List.of("create")),
                new Subresource("log", "Pod", "", "v1", List.of("get")),
                new Subresource("exec", "PodExecOptions", "", "v1", List.of("create", "get"))),
            pods, pods.type()),
        new Resource("replicationcontrollers", "replicationcontroller", "ReplicationController", true, List.of("rc"),
            ALL_VERBS, all,
            List.of(status("ReplicationController"),
                new Subresource("scale", "Scale", "autoscaling", "v1", STATUS_VERBS)),
            replicationControllers, replicationControllers.type()),
        new Resource("services", "service", "Service", true, List.of("svc"),
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"), all,
            List.of(status("Service")), services, services.type()));
  }

  private static Subresource status(String kind) {
    return new Subresource("status", kind, "", "v1", STATUS_VERBS);
  }

  /** Every resource, sorted by plural name as discovery lists them. */
  public List<Resource> all() {
    return resources;
  }

  /** The resource by plural, singular, kind (any case) or short name. */
  public Optional<Resource> find(String name) {
    for (Resource r : resources) {
      if (r.resource().equals(name) || r.singular().equals(name) || r.kind().equalsIgnoreCase(name)
          || r.shortNames().contains(name)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** The resource by its plural name only, as URLs give it. */
  public Optional<Resource> byResource(String resource) {
    return resources.stream().filter(r -> r.resource().equals(resource)).findFirst();
  }

  /**
   * The strategy for writes to {@code resource} or {@code resource/subresource}: the resource's own for
   * none, its status strategy for status, the finalize strategy for namespaces/finalize; empty otherwise.
   */
  public Optional<Strategy<? extends HasMetadata>> strategyFor(String resource, String subresource) {
    Optional<Resource> r = byResource(resource);
    if (r.isEmpty()) {
      return Optional.empty();
    }
    if (subresource == null || subresource.isEmpty()) {
      return Optional.of(r.get().strategy());
    }
    if (subresource.equals("status")) {
      return Optional.ofNullable(r.get().strategy().forStatus());
    }
    if (resource.equals("namespaces") && subresource.equals("finalize")) {
      return Optional.of(namespaces.forFinalize());
    }
    if (resource.equals("pods") && subresource.equals("binding")) {
      return Optional.of(bindings);
    }
    return Optional.empty();
  }

  public PodStrategy pods() {
    return pods;
  }

  public ServiceStrategy services() {
    return services;
  }

  public ReplicationControllerStrategy replicationControllers() {
    return replicationControllers;
  }

  public NodeStrategy nodes() {
    return nodes;
  }

  public NamespaceStrategy namespaces() {
    return namespaces;
  }

  public EndpointsStrategy endpoints() {
    return endpoints;
  }

  public EventStrategy events() {
    return events;
  }

  public BindingStrategy bindings() {
    return bindings;
  }
}
