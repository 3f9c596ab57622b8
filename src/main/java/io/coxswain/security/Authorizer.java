package io.coxswain.security;

import java.util.List;
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
  /** The self reviews (kubectl auth can-i, auth whoami): anyone authenticated may ask them about itself. */
  public static final String ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
  public static final String SELF_REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
  public static final String RULES_REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
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

  private static boolean isGroupDiscovery(String p) {
    if (!p.startsWith("/apis/")) {
      return false;
    }
    String[] seg = p.substring("/apis/".length()).split("/");
    return seg.length <= 2 && !p.endsWith("/") && java.util.Arrays.stream(seg).noneMatch(String::isEmpty);
  }

  /** Verbs on core resources (all of them when {@code names} is empty). */
  public record ResourceRule(List<String> verbs, List<String> resources, List<String> names) {}

  /** Verbs on plain paths. */
  public record PathRule(List<String> verbs, List<String> paths) {}

  public record Rules(List<ResourceRule> resources, List<PathRule> paths) {}

  /**
   * What an identity may do, as rules (SelfSubjectRulesReview, {@code kubectl auth can-i --list}): each
   * {verbs, resources, resourceNames} over the core group, and the plain paths it may use. The rules say what
   * {@link #decide} allows; a node's writes of pods are of those bound to it, which no rule can name.
   */
  public static Rules rules(Identity who) {
    List<String> all = List.of("*");
    List<String> reads = List.of("get", "list", "watch");
    if (who.isAdmin()) {
      return new Rules(List.of(new ResourceRule(all, all, List.of())), List.of(new PathRule(all, all)));
    }
    List<ResourceRule> resourceRules = new java.util.ArrayList<>();
    List<PathRule> pathRules = new java.util.ArrayList<>();
    pathRules.add(new PathRule(List.of("get"), List.of("/api", "/api/*", "/apis", "/apis/*", "/openapi/*", "/version",
        "/healthz", "/readyz", "/livez")));
    pathRules.add(new PathRule(List.of("post"), List.of(ACCESS_REVIEWS, SELF_REVIEWS, RULES_REVIEWS)));
    String node = who.nodeName();
    if (who.isViewer()) {
      resourceRules.add(new ResourceRule(reads, all, List.of()));
      resourceRules.add(new ResourceRule(reads, List.of("pods/status", "pods/log", "nodes/status", "services/status",
          "replicationcontrollers/status", "namespaces/status"), List.of()));
      pathRules.add(new PathRule(List.of("get"), List.of("/coxswain/v1/members", JoinPaths.CERTIFICATES, "/metrics")));
    }
    if (node != null) {
      List<String> nodeReads = new java.util.ArrayList<>();
      for (String r : NODE_READS) {
        nodeReads.add(r);
        nodeReads.add(r + "/status");
      }
      java.util.Collections.sort(nodeReads);
      resourceRules.add(new ResourceRule(reads, nodeReads, List.of()));
      resourceRules.add(new ResourceRule(List.of("create"), List.of("nodes"), List.of(node)));
      resourceRules.add(new ResourceRule(List.of("patch", "update"), List.of("nodes", "nodes/status"), List.of(node)));
      resourceRules.add(new ResourceRule(List.of("create", "patch", "update"), List.of("events"), List.of()));
      pathRules.add(new PathRule(List.of("post"), List.of(JoinPaths.RENEW)));
      if (!who.isViewer()) {
        pathRules.add(new PathRule(List.of("get"), List.of(JoinPaths.CERTIFICATES)));
      }
    }
    return new Rules(resourceRules, pathRules);
  }

  private static Decision nonResource(Identity who, RequestAttributes a) {
    String p = a.path();
    if (p.equals(JoinPaths.RENEW) && a.verb().equals("post") && who.nodeName() != null) {
      return Decision.allow(); // a node renews its own certificate (the handler signs for the caller's identity only)
    }
    boolean get = a.verb().equals("get") || a.verb().equals("head");
    if (a.verb().equals("post") && (p.equals(ACCESS_REVIEWS) || p.equals(SELF_REVIEWS) || p.equals(RULES_REVIEWS))) {
      return Decision.allow();
    }
    if (get && isGroupDiscovery(p)) {
      return Decision.allow(); // /apis/GROUP and /apis/GROUP/VERSION, as Kubernetes' discovery role opens them
    }
    if (get && who.isViewer() && p.startsWith("/apis/metrics.k8s.io/")) {
      return Decision.allow(); // viewers read; the metrics API's objects live outside /api/v1
    }
    if (get && (p.equals("/api") || p.equals("/api/") || p.equals("/api/v1") || p.equals("/api/v1/")
        || p.equals("/apis") || p.equals("/apis/") || p.startsWith("/openapi/") || p.equals("/openapi/v3")
        || PUBLIC_PATHS.contains(p))) {
      return Decision.allow();
    }
    if (get && who.isViewer() && p.equals("/metrics")) {
      return Decision.allow(); // the API server's and store's meters: what a monitoring system scrapes
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
