package io.coxswain.model;

import java.util.HashMap;
import java.util.Map;

/**
 * The one table of how strategic merge patch treats lists in core/v1 objects, keyed by kind and field path
 * (dotted field names from the object's root, list positions left out: {@code spec.containers.ports}). A list
 * not in the table is atomic: the patch replaces it (tolerations, args, command, endpoint subsets...).
 */
public final class MergeKeys {
  /** How a list merges: by a merge key (a list of objects), or as a set of primitive values (mergeKey null). */
  public record ListStrategy(String mergeKey) {
    public boolean isSet() {
      return mergeKey == null;
    }
  }

  private static final ListStrategy SET = new ListStrategy(null);
  private static final Map<String, Map<String, ListStrategy>> TABLE = build();

  private MergeKeys() {}

  /** The strategy for the list at {@code path} in an object of {@code kind}, or null when the list is atomic. */
  public static ListStrategy forList(String kind, String path) {
    Map<String, ListStrategy> byPath = TABLE.get(kind);
    if (byPath != null && byPath.containsKey(path)) {
      return byPath.get(path);
    }
    return TABLE.get("").get(path);
  }

  private static Map<String, Map<String, ListStrategy>> build() {
    Map<String, Map<String, ListStrategy>> table = new HashMap<>();
    Map<String, ListStrategy> any = new HashMap<>();
    objectMeta(any, "metadata");
    table.put("", any);

    Map<String, ListStrategy> pod = new HashMap<>();
    podSpec(pod, "spec");
    conditions(pod, "status.conditions");
    pod.put("status.podIPs", key("ip"));
    pod.put("status.hostIPs", key("ip"));
    table.put("Pod", pod);

    Map<String, ListStrategy> template = new HashMap<>();
    objectMeta(template, "template.metadata");
    podSpec(template, "template.spec");
    table.put("PodTemplate", template);

    Map<String, ListStrategy> rc = new HashMap<>();
    objectMeta(rc, "spec.template.metadata");
    podSpec(rc, "spec.template.spec");
    conditions(rc, "status.conditions");
    table.put("ReplicationController", rc);

    Map<String, ListStrategy> service = new HashMap<>();
    service.put("spec.ports", key("port"));
    conditions(service, "status.conditions");
    table.put("Service", service);

    Map<String, ListStrategy> node = new HashMap<>();
    node.put("spec.podCIDRs", SET);
    conditions(node, "status.conditions");
    node.put("status.addresses", key("type"));
    table.put("Node", node);

    Map<String, ListStrategy> namespace = new HashMap<>();
    conditions(namespace, "status.conditions");
    table.put("Namespace", namespace);
    return Map.copyOf(table);
  }

  private static ListStrategy key(String mergeKey) {
    return new ListStrategy(mergeKey);
  }

  private static void conditions(Map<String, ListStrategy> m, String path) {
    m.put(path, key("type"));
  }

  private static void objectMeta(Map<String, ListStrategy> m, String prefix) {
    m.put(prefix + ".finalizers", SET);
    m.put(prefix + ".ownerReferences", key("uid"));
  }

  private static void podSpec(Map<String, ListStrategy> m, String prefix) {
    for (String containers : new String[] {"containers", "initContainers", "ephemeralContainers"}) {
      String c = prefix + "." + containers;
      m.put(c, key("name"));
      m.put(c + ".ports", key("containerPort"));
      m.put(c + ".env", key("name"));
      m.put(c + ".volumeMounts", key("mountPath"));
      m.put(c + ".volumeDevices", key("devicePath"));
    }
    m.put(prefix + ".volumes", key("name"));
    m.put(prefix + ".imagePullSecrets", key("name"));
    m.put(prefix + ".hostAliases", key("ip"));
    m.put(prefix + ".topologySpreadConstraints", key("topologyKey"));
    m.put(prefix + ".resourceClaims", key("name"));
    m.put(prefix + ".schedulingGates", key("name"));
  }
}
