package io.coxswain.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuthorizerTest {
  static Identity who(String kind) {
    return switch (kind) {
      case "admin" -> Identity.admin("admin");
      case "node-a" -> Identity.node("a");
      case "viewer" -> new Identity("alice", List.of(Identity.VIEWERS));
      case "nobody" -> new Identity("bob", List.of("developers"));
      case "fake-node" -> new Identity("system:node:a", List.of());
      default -> throw new IllegalArgumentException(kind);
    };
  }

  static String nul(String s) {
    return s == null || s.equals("-") ? null : s;
  }

  // who, method, path, watch, bound node, body name, allowed
  @ParameterizedTest(name = "{0} {1} {2} -> {6}")
  @CsvSource({
      "admin,     DELETE, /api/v1/nodes/b,                                 false, -, -, true",
      "admin,     POST,   /coxswain/v1/tokens,                             false, -, -, true",
      "admin,     GET,    /coxswain/v1/snapshot,                           false, -, -, true",
      "node-a,    GET,    /api/v1/pods,                                    false, -, -, true",
      "node-a,    GET,    /api/v1/pods,                                    true,  -, -, true",
      "node-a,    GET,    /api/v1/watch/services,                          false, -, -, true",
      "node-a,    GET,    /api/v1/namespaces/default/endpoints/kubernetes, false, -, -, true",
      "node-a,    GET,    /api/v1/nodes/b,                                 false, -, -, true",
      "node-a,    GET,    /api/v1/namespaces,                              false, -, -, true",
      "node-a,    POST,   /api/v1/nodes,                                   false, -, a, true",
      "node-a,    POST,   /api/v1/nodes,                                   false, -, b, false",
      "node-a,    PUT,    /api/v1/nodes/a/status,                          false, -, -, true",
      "node-a,    PATCH,  /api/v1/nodes/a,                                 false, -, -, true",
      "node-a,    PUT,    /api/v1/nodes/b/status,                          false, -, -, false",
      "node-a,    PATCH,  /api/v1/nodes/b,                                 false, -, -, false",
      "node-a,    DELETE, /api/v1/nodes/a,                                 false, -, -, false",
      "node-a,    PUT,    /api/v1/namespaces/default/pods/p/status,        false, a, -, true",
      "node-a,    PUT,    /api/v1/namespaces/default/pods/p/status,        false, b, -, false",
      "node-a,    PATCH,  /api/v1/namespaces/default/pods/p/status,        false, -, -, false",
      "node-a,    DELETE, /api/v1/namespaces/default/pods/p,               false, a, -, true",
      "node-a,    DELETE, /api/v1/namespaces/default/pods/p,               false, b, -, false",
      "node-a,    POST,   /api/v1/namespaces/default/pods,                 false, -, -, false",
      "node-a,    DELETE, /api/v1/namespaces/default/pods,                 false, -, -, false",
      "node-a,    POST,   /api/v1/namespaces/default/pods/p/binding,       false, -, -, false",
      "node-a,    POST,   /api/v1/namespaces/default/events,               false, -, -, true",
      "node-a,    PATCH,  /api/v1/namespaces/default/events/e,             false, -, -, true",
      "node-a,    POST,   /api/v1/namespaces/default/services,             false, -, -, false",
      "node-a,    GET,    /api/v1/namespaces/default/replicationcontrollers, false, -, -, false",
      "node-a,    GET,    /api/v1/namespaces/default/pods/p/exec,          false, a, -, false",
      "node-a,    GET,    /coxswain/v1/members,                            false, -, -, false",
      "node-a,    GET,    /coxswain/v1/certificates,                       false, -, -, true",
      "node-a,    POST,   /coxswain/v1/certificates/rotate,                false, -, -, false",
      "node-a,    POST,   /coxswain/v1/certificates/renew,                 false, -, -, true",
      "node-a,    GET,    /api,                                            false, -, -, true",
      "node-a,    GET,    /openapi/v3/api/v1,                              false, -, -, true",
      "viewer,    GET,    /api/v1/namespaces/default/pods/p,               false, -, -, true",
      "viewer,    GET,    /api/v1/namespaces/default/pods/p/log,           false, -, -, true",
      "viewer,    GET,    /api/v1/namespaces/default/pods/p/exec,          false, -, -, false",
      "viewer,    POST,   /api/v1/namespaces/default/pods/p/exec,          false, -, -, false",
      "viewer,    DELETE, /api/v1/namespaces/default/pods/p,               false, -, -, false",
      "viewer,    PUT,    /api/v1/namespaces/default/replicationcontrollers/r/scale, false, -, -, false",
      "viewer,    GET,    /coxswain/v1/members,                            false, -, -, true",
      "viewer,    GET,    /coxswain/v1/certificates,                       false, -, -, true",
      "viewer,    POST,   /coxswain/v1/certificates/rotate,                false, -, -, false",
      "viewer,    POST,   /coxswain/v1/tokens,                             false, -, -, false",
      "viewer,    GET,    /coxswain/v1/snapshot,                           false, -, -, false",
      "nobody,    GET,    /api/v1/pods,                                    false, -, -, false",
      "nobody,    GET,    /version,                                        false, -, -, true",
      "nobody,    GET,    /apis,                                           false, -, -, true",
      "fake-node, PUT,    /api/v1/nodes/a/status,                          false, -, -, false",
      "nobody,    POST,   /apis/authorization.k8s.io/v1/selfsubjectaccessreviews, false, -, -, true",
      "nobody,    POST,   /apis/authorization.k8s.io/v1/selfsubjectrulesreviews,  false, -, -, true",
      "node-a,    POST,   /apis/authentication.k8s.io/v1/selfsubjectreviews,      false, -, -, true",
      "nobody,    GET,    /apis/authorization.k8s.io/v1,                   false, -, -, true",
      "nobody,    GET,    /apis/metrics.k8s.io/v1beta1,                    false, -, -, true",
      "nobody,    GET,    /apis/metrics.k8s.io,                            false, -, -, true",
      "nobody,    GET,    /apis/metrics.k8s.io/v1beta1/nodes,              false, -, -, false",
      "viewer,    GET,    /apis/metrics.k8s.io/v1beta1/nodes,              false, -, -, true",
      "viewer,    POST,   /apis/authorization.k8s.io/v1/subjectaccessreviews, false, -, -, false",
  })
  void decides(String kind, String method, String path, boolean watch, String bound, String body, boolean allowed) {
    Identity id = who(kind);
    RequestAttributes a = RequestAttributes.of(method, path, watch);
    String boundNode = Authorizer.needsBoundNode(id, a) ? nul(bound) : null;
    Authorizer.Decision d = Authorizer.decide(id, a, boundNode, nul(body));
    assertEquals(allowed, d.allowed(), kind + " " + method + " " + path + ": " + d.reason());
  }

  @ParameterizedTest(name = "missing pod: {0} {1} {2} -> {3}")
  @CsvSource({
      "node-a, DELETE, /api/v1/namespaces/default/pods/gone,        true",
      "node-a, PUT,    /api/v1/namespaces/default/pods/gone/status, true",
      "node-a, PATCH,  /api/v1/namespaces/default/pods/gone,        true",
      "node-a, GET,    /api/v1/namespaces/default/pods/gone/exec,   false",
      "node-a, POST,   /api/v1/namespaces/default/pods/gone/binding, false",
      "viewer, DELETE, /api/v1/namespaces/default/pods/gone,        false",
  })
  void aNodeWritingAMissingPodGetsThroughToTheNotFound(String kind, String method, String path, boolean allowed) {
    assertEquals(allowed, Authorizer.decideMissingPod(who(kind), RequestAttributes.of(method, path, false)).allowed());
  }

  @ParameterizedTest(name = "{0} {1} public={2}")
  @CsvSource({
      "GET,  /healthz, true", "GET, /readyz, true", "GET, /livez, true", "GET, /version, true",
      "GET,  /coxswain/v1/ca, true", "POST, /coxswain/v1/join, true", "GET, /coxswain/v1/join, false",
      "POST, /healthz, false", "GET, /api, false", "GET, /api/v1/pods, false", "GET, /metrics, false",
      "GET,  /coxswain/v1/tokens, false",
  })
  void publicPaths(String method, String path, boolean open) {
    assertEquals(open, Authorizer.isPublic(method, path));
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      "GET,    /api/v1/pods,                                   false, list,   pods,   -,      -,       -",
      "GET,    /api/v1/pods,                                   true,  watch,  pods,   -,      -,       -",
      "GET,    /api/v1/watch/namespaces/ns/pods/p,             false, watch,  pods,   -,      ns,      p",
      "GET,    /api/v1/namespaces/ns/pods/p/log,               false, get,    pods,   log,    ns,      p",
      "PUT,    /api/v1/nodes/n/status,                         false, update, nodes,  status, -,       n",
      "DELETE, /api/v1/namespaces/ns/services,                 false, deletecollection, services, -, ns, -",
      "POST,   /api/v1/namespaces/ns/bindings,                 false, create, bindings, -,    ns,      -",
      "GET,    /api/v1/namespaces/ns,                          false, get,    namespaces, -,  -,       ns",
  })
  void readsRequests(String method, String path, boolean watch, String verb, String resource, String sub, String ns,
                     String name) {
    RequestAttributes a = RequestAttributes.of(method, path, watch);
    assertEquals(new RequestAttributes(verb, resource, nul(sub), nul(ns), nul(name), path), a);
  }

  /** The rules a rules review reports say what the authorizer decides, for the requests each rule names. */
  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"viewer", "node-a", "nobody"})
  void rulesSayWhatIsDecided(String kind) {
    Identity id = who(kind);
    Authorizer.Rules rules = Authorizer.rules(id);
    for (Authorizer.ResourceRule r : rules.resources()) {
      for (String verb : r.verbs()) {
        for (String resource : r.resources()) {
          if (resource.equals("*")) {
            resource = "pods";
          }
          String[] parts = resource.split("/");
          String name = r.names().isEmpty() ? (verb.equals("list") || verb.equals("watch") || verb.equals("create") ? null : "x")
              : r.names().get(0);
          RequestAttributes a = new RequestAttributes(verb, parts[0], parts.length > 1 ? parts[1] : null,
              parts[0].equals("nodes") || parts[0].equals("namespaces") ? null : "default", name, "/api/v1/" + resource);
          String body = verb.equals("create") && parts[0].equals("nodes") ? id.nodeName() : null;
          assertEquals(true, Authorizer.decide(id, a, null, body).allowed(), kind + " " + verb + " " + resource);
        }
      }
    }
    for (Authorizer.PathRule r : rules.paths()) {
      for (String verb : r.verbs()) {
        for (String path : r.paths()) {
          String concrete = path.replace("/*", "/v1");
          if (concrete.equals("/apis/v1")) {
            concrete = "/apis/metrics.k8s.io";
          }
          RequestAttributes a = RequestAttributes.of(verb.toUpperCase(java.util.Locale.ROOT), concrete, false);
          assertEquals(true, Authorizer.decide(id, a, null, null).allowed(), kind + " " + verb + " " + concrete);
        }
      }
    }
    assertEquals(kind.equals("viewer"), rules.resources().stream().anyMatch(r -> r.resources().contains("*")));
  }
}
