package io.coxswain.cli;

import java.util.List;
import java.util.Locale;

/** A resource the CLI knows by name: its plural, singular, short names, kind and scope (core/v1). */
record ResourceType(String plural, String singular, List<String> shortNames, String kind, boolean namespaced) {
  static final ResourceType PODS = new ResourceType("pods", "pod", List.of("po"), "Pod", true);
  static final ResourceType SERVICES = new ResourceType("services", "service", List.of("svc"), "Service", true);
  static final ResourceType REPLICATION_CONTROLLERS =
      new ResourceType("replicationcontrollers", "replicationcontroller", List.of("rc"), "ReplicationController", true);
  static final ResourceType NODES = new ResourceType("nodes", "node", List.of("no", "minion", "minions"), "Node", false);
  static final ResourceType ENDPOINTS = new ResourceType("endpoints", "endpoints", List.of("ep"), "Endpoints", true);
  static final ResourceType NAMESPACES = new ResourceType("namespaces", "namespace", List.of("ns"), "Namespace", false);
  static final ResourceType EVENTS = new ResourceType("events", "event", List.of("ev"), "Event", true);

  /** In the order kubectl lists them (discovery order of core/v1). */
  static final List<ResourceType> ALL = List.of(PODS, SERVICES, REPLICATION_CONTROLLERS, NODES, ENDPOINTS, NAMESPACES, EVENTS);
  /** What {@code get all} shows. */
  static final List<ResourceType> CATEGORY_ALL = List.of(PODS, REPLICATION_CONTROLLERS, SERVICES);

  /*
   * equals and hashCode written out (a type is a map key in every command): a record's generated ones are
   * linked at their first call through method handles that a class-data sharing archive does not keep.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof ResourceType t && plural.equals(t.plural) && singular.equals(t.singular)
        && shortNames.equals(t.shortNames) && kind.equals(t.kind) && namespaced == t.namespaced;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(plural, singular, shortNames, kind, namespaced);
  }

  static ResourceType of(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    int dot = n.indexOf('.');
    if (dot > 0 && (n.endsWith(".v1") || n.endsWith(".core") || n.endsWith(".v1."))) {
      n = n.substring(0, dot);
    }
    for (ResourceType t : ALL) {
      if (t.plural.equals(n) || t.singular.equals(n) || t.shortNames.contains(n) || t.kind.toLowerCase(Locale.ROOT).equals(n)) {
        return t;
      }
    }
    throw new CliException("error: the server doesn't have a resource type \"" + name + "\"");
  }

  static ResourceType ofKind(String kind) {
    for (ResourceType t : ALL) {
      if (t.kind.equals(kind)) {
        return t;
      }
    }
    return null;
  }

  /** The API path of the collection (namespace null: all namespaces) or, with a name, one object. */
  String path(String namespace, String name) {
    StringBuilder b = new StringBuilder("/api/v1");
    if (namespaced && namespace != null) {
      b.append("/namespaces/").append(namespace);
    }
    b.append('/').append(plural);
    if (name != null) {
      b.append('/').append(Query.encode(name));
    }
    return b.toString();
  }

  /** {@code pod/x}, as -o name and the create/apply/delete messages write an object. */
  String ref(String name) {
    return singular.equals("endpoints") ? "endpoints/" + name : singular + "/" + name;
  }
}
