package io.coxswain.security;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * What a request does, in Kubernetes' authorization terms: a verb on a resource (with its subresource,
 * namespace and name) under {@code /api/v1}, or a verb on a plain path.
 *
 * @param verb        get, list, watch, create, update, patch, delete, deletecollection (resources); the
 *                    lower-case HTTP method (other paths)
 * @param resource    pods, nodes, ... or null for a non-resource path
 * @param subresource status, log, exec, binding, ... or null
 * @param namespace   the namespace of a namespaced resource, else null
 * @param name        the object's name, or null for a collection
 * @param path        the request path
 */
public record RequestAttributes(String verb, String resource, String subresource, String namespace, String name,
                                String path) {
  static final Set<String> NAMESPACED = Set.of("pods", "services", "replicationcontrollers", "endpoints", "events",
      "bindings", "limitranges", "resourcequotas", "configmaps", "secrets", "serviceaccounts",
      "persistentvolumeclaims", "podtemplates");

  public boolean isResource() {
    return resource != null;
  }

  public boolean isRead() {
    return verb.equals("get") || verb.equals("list") || verb.equals("watch");
  }

  /** Reads a request's method, path and {@code watch} query parameter. */
  public static RequestAttributes of(String method, String path, boolean watchParam) {
    String m = method.toLowerCase(java.util.Locale.ROOT);
    if (!path.equals("/api/v1") && !path.startsWith("/api/v1/")) {
      return new RequestAttributes(m, null, null, null, null, path);
    }
    List<String> seg = new ArrayList<>(Arrays.asList(path.substring("/api/v1".length()).split("/")));
    seg.removeIf(String::isEmpty);
    boolean watch = watchParam;
    if (!seg.isEmpty() && seg.get(0).equals("watch")) {
      watch = true;
      seg.remove(0);
    }
    if (seg.isEmpty()) {
      return new RequestAttributes(m, null, null, null, null, path);
    }
    String ns = null;
    if (seg.get(0).equals("namespaces") && seg.size() >= 3 && NAMESPACED.contains(seg.get(2))) {
      ns = seg.get(1);
      seg = seg.subList(2, seg.size());
    }
    String resource = seg.get(0);
    String name = seg.size() > 1 ? seg.get(1) : null;
    String sub = seg.size() > 2 ? seg.get(2) : null;
    String verb = switch (m) {
      case "get", "head" -> watch ? "watch" : name == null ? "list" : "get";
      case "post" -> name != null && sub == null ? "post" : "create";
      case "put" -> "update";
      case "patch" -> "patch";
      case "delete" -> name == null ? "deletecollection" : "delete";
      default -> m;
    };
    return new RequestAttributes(verb, resource, sub, ns, name, path);
  }

  /** resource/subresource, as Kubernetes' messages name it. */
  public String resourcePath() {
    return subresource == null ? resource : resource + "/" + subresource;
  }
}
