package io.coxswain.security;

import java.util.Set;

/**
 * Who may do what: admins (group system:masters) everything; a node (system:node:NAME in system:nodes) its
 * own Node and its status, the pods bound to it and their status, events, and reading what the kubelet and
 * the proxy need; viewers (coxswain:viewers) reading; anyone authenticated the discovery paths. Nothing
 * else. A pure function of the identity, the request and, for a node writing a pod, the node the pod is
 * bound to.
 */
public final class Authorizer {
  /** Paths open without credentials: health, version, and the two steps of joining (the CA, the join). */
  static final Set<String> PUBLIC_PATHS = Set.of("/healthz", "/readyz", "/livez", "/version", "/version/");
  static final Set<String> NODE_READS = Set.of("pods", "services", "endpoints", "nodes", "namespaces", "events");

  public record Decision(boolean allowed, String reason) {
    static Decision allow() {
      return new Decision(true, "");
    }

    static Decision deny(String reason) {
      return new Decision(false, reason);
    }
  }

  private Authorizer() {
  }

  /** Whether a request needs no credentials at all. */
  public static boolean isPublic(String method, String path) {
    if (PUBLIC_PATHS.contains(path) && (method.equals("GET") || method.equals("HEAD"))) {
      return true;
    }
    return (path.equals(JoinPaths.CA) && method.equals("GET")) || (path.equals(JoinPaths.JOIN) && method.equals("POST"));
  }

  /** Whether a node writing a pod needs the node the pod is bound to before deciding. */
  public static boolean needsBoundNode(Identity who, RequestAttributes a) {
    return who.nodeName() != null && !who.isAdmin() && "pods".equals(a.resource()) && a.name() != null && !a.isRead();
  }

  /**
   * A node writing a pod that does not exist: let through, so that it gets the 404 it expects (a kubelet
   * deleting a pod already gone). Safe because a pod is never created by an update, delete or patch.
   */
  public static Decision decideMissingPod(Identity who, RequestAttributes a) {
    boolean write = a.verb().equals("update") || a.verb().equals("patch") || a.verb().equals("delete");
    return needsBoundNode(who, a) && write && (a.subresource() == null || a.subresource().equals("status"))
        ? Decision.allow() : decide(who, a, null, null);
  }

  /**
   * @param boundNode the node the named pod is bound to (only looked at when {@link #needsBoundNode}); null
   *                  when it does not exist or is not bound
   * @param bodyName  the name in a create request's body (only for a node creating its Node)
   */
  public static Decision decide(Identity who, RequestAttributes a, String boundNode, String bodyName) {
    if (who.isAdmin()) {
      return Decision.allow();
    }
    if (!a.isResource()) {
      return nonResource(who, a);
    }
    String node = who.nodeName();
    if (node != null) {
      Decision d = nodeRule(node, a, boundNode, bodyName);
      if (d.allowed() || !who.isViewer()) {
        return d;
      }
    }
    if (who.isViewer() && a.isRead() && (a.subresource() == null || a.subresource().equals("status")
        || a.subresource().equals("log"))) {
      return Decision.allow();
    }
    return Decision.deny(who.user() + " may not " + a.verb() + " " + a.resourcePath());
  }

  private static Decision nodeRule(String node, RequestAttributes a, String boundNode, String bodyName) {
    String r = a.resource();
    String sub = a.subresource();
    if (a.isRead() && NODE_READS.contains(r) && (sub == null || sub.equals("status"))) {
      return Decision.allow();
    }
    switch (r) {
      case "nodes" -> {
        if (a.verb().equals("create")) {
          return node.equals(bodyName) ? Decision.allow()
              : Decision.deny("node " + node + " may only create its own Node, not \"" + bodyName + "\"");
        }
        if ((a.verb().equals("update") || a.verb().equals("patch")) && (sub == null || sub.equals("status"))) {
          return node.equals(a.name()) ? Decision.allow()
              : Decision.deny("node " + node + " may not change another node (" + a.name() + ")");
        }
      }
      case "pods" -> {
        boolean write = a.verb().equals("update") || a.verb().equals("patch") || a.verb().equals("delete");
        if (write && a.name() != null && (sub == null || sub.equals("status"))) {
          return node.equals(boundNode) ? Decision.allow()
              : Decision.deny("node " + node + " may only change pods bound to it; pod " + a.name() + " is "
                  + (boundNode == null ? "not bound to it" : "bound to " + boundNode));
        }
      }
      case "events" -> {
        if (a.verb().equals("create") || a.verb().equals("update") || a.verb().equals("patch")) {
          return Decision.allow();
        }
      }
      default -> {
        // nothing else
      }
    }
    return Decision.deny("node " + node + " may not " + a.verb() + " " + a.resourcePath());
  }

  private static Decision nonResource(Identity who, RequestAttributes a) {
    String p = a.path();
    if (p.equals(JoinPaths.RENEW) && a.verb().equals("post") && who.nodeName() != null) {
      return Decision.allow(); // a node renews its own certificate (the handler signs for the caller's identity only)
    }
    boolean get = a.verb().equals("get") || a.verb().equals("head");
    if (get && (p.equals("/api") || p.equals("/api/") || p.equals("/api/v1") || p.equals("/api/v1/")
        || p.equals("/apis") || p.equals("/apis/") || p.startsWith("/openapi/") || p.equals("/openapi/v3")
        || PUBLIC_PATHS.contains(p))) {
      return Decision.allow();
    }
    if (get && who.isViewer() && p.equals("/coxswain/v1/members")) {
      return Decision.allow();
    }
    if (get && (who.isViewer() || who.nodeName() != null) && p.equals(JoinPaths.CERTIFICATES)) {
      return Decision.allow(); // a node learns here that a rotation was asked for
    }
    return Decision.deny(who.user() + " may not " + a.verb() + " " + p);
  }
}
