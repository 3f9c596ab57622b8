package io.coxswain.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.registry.ServedResource;
import io.coxswain.model.Json;
import java.util.List;

/** The discovery documents: /version, /api, /api/v1, /apis. */
public final class Discovery {
  private Discovery() {}

  private static final List<String> ALL_VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  public static ObjectNode version(String gitVersion) {
    ObjectNode v = Json.MAPPER.createObjectNode();
    String core = gitVersion.startsWith("v") ? gitVersion.substring(1) : gitVersion;
    String[] parts = core.split("[.-]");
    v.put("major", parts[0]);
    v.put("minor", parts.length > 1 ? parts[1] : "0");
    v.put("gitVersion", gitVersion);
    v.put("gitCommit", "");
    v.put("gitTreeState", "clean");
    v.put("buildDate", "2026-01-01T00:00:00Z");
    v.put("goVersion", "java" + Runtime.version().feature());
    v.put("compiler", "javac");
    v.put("platform", "linux/amd64");
    return v;
  }

  public static ObjectNode apiVersions(String serverAddress) {
    ObjectNode v = Json.MAPPER.createObjectNode();
    v.put("kind", "APIVersions");
    v.putArray("versions").add("v1");
    v.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0").put("serverAddress", serverAddress);
    return v;
  }

  public static ObjectNode apiGroups() {
    ObjectNode v = Json.MAPPER.createObjectNode();
    v.put("kind", "APIGroupList");
    v.put("apiVersion", "v1");
    ReviewApi.addGroups(v.putArray("groups"));
    return v;
  }

  public static ObjectNode resources(List<ServedResource> served) {
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("kind", "APIResourceList");
    list.put("groupVersion", "v1");
    ArrayNode items = list.putArray("resources");
    for (ServedResource r : served) {
      ObjectNode e = entry(items, r.resource(), singular(r.kind()), r.namespaced(), r.kind(), ALL_VERBS);
      if (!r.shortNames().isEmpty()) {
        ArrayNode shorts = e.putArray("shortNames");
        r.shortNames().forEach(shorts::add);
      }
      if (r.resource().equals("pods") || r.resource().equals("services") || r.resource().equals("replicationcontrollers")) {
        e.putArray("categories").add("all");
      }
      for (String sub : r.subresources()) {
        String name = r.resource() + "/" + sub;
        switch (sub) {
          case "status" -> entry(items, name, "", r.namespaced(), r.kind(), List.of("get", "patch", "update"));
          case "binding" -> entry(items, name, "", r.namespaced(), "Binding", List.of("create"));
          case "finalize" -> entry(items, name, "", r.namespaced(), r.kind(), List.of("update"));
          case "log" -> entry(items, name, "", r.namespaced(), r.kind(), List.of("get"));
          case "exec", "attach", "portforward" -> entry(items, name, "", r.namespaced(), "PodExecOptions", List.of("create", "get"));
          case "scale" -> {
            ObjectNode s = entry(items, name, "", r.namespaced(), "Scale", List.of("get", "patch", "update"));
            s.put("group", "autoscaling");
            s.put("version", "v1");
          }
          default -> entry(items, name, "", r.namespaced(), r.kind(), List.of("get"));
        }
      }
    }
    entry(items, "bindings", "binding", true, "Binding", List.of("create"));
    return list;
  }

  private static ObjectNode entry(ArrayNode items, String name, String singular, boolean namespaced, String kind,
                                  List<String> verbs) {
    ObjectNode e = items.addObject();
    e.put("name", name);
    e.put("singularName", singular);
    e.put("namespaced", namespaced);
    e.put("kind", kind);
    ArrayNode v = e.putArray("verbs");
    verbs.forEach(v::add);
    return e;
  }

  private static String singular(String kind) {
    return kind.toLowerCase(java.util.Locale.ROOT);
  }
}
