package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.security.Authorizer;
import io.coxswain.security.Identity;
import io.coxswain.security.RequestAttributes;
import java.util.List;

/**
 * The self-review APIs kubectl's {@code auth can-i} and {@code auth whoami} ask: a SelfSubjectAccessReview
 * (authorization.k8s.io/v1) answered by the server's own authorizer for the caller's identity, and a
 * SelfSubjectReview (authentication.k8s.io/v1) saying who the caller is. Their groups' discovery documents.
 */
public final class ReviewApi {
  public static final String AUTHORIZATION = "authorization.k8s.io";
  public static final String AUTHENTICATION = "authentication.k8s.io";
  public static final String ACCESS_REVIEWS = Authorizer.ACCESS_REVIEWS;
  public static final String SELF_REVIEWS = Authorizer.SELF_REVIEWS;
  public static final String RULES_REVIEWS = Authorizer.RULES_REVIEWS;
  /** Who a request is from when the server checks no credentials: anyone may do anything. */
  static final Identity ANONYMOUS = new Identity("system:anonymous", List.of("system:unauthenticated"));

  private ReviewApi() {}

  /** The groups' entries for {@code /apis}. */
  static void addGroups(ArrayNode groups) {
    groups.add(groupEntry(AUTHENTICATION));
    groups.add(groupEntry(AUTHORIZATION));
  }

  static ObjectNode group(String name) {
    ObjectNode g = groupEntry(name);
    g.put("kind", "APIGroup").put("apiVersion", "v1");
    return g;
  }

  private static ObjectNode groupEntry(String name) {
    ObjectNode g = Json.MAPPER.createObjectNode();
    g.put("name", name);
    g.putArray("versions").addObject().put("groupVersion", name + "/v1").put("version", "v1");
    g.putObject("preferredVersion").put("groupVersion", name + "/v1").put("version", "v1");
    return g;
  }

  static ObjectNode resources(String group) {
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("kind", "APIResourceList").put("apiVersion", "v1").put("groupVersion", group + "/v1");
    ArrayNode items = list.putArray("resources");
    List<String[]> kinds = group.equals(AUTHORIZATION)
        ? List.of(new String[] {"selfsubjectaccessreviews", "SelfSubjectAccessReview"},
            new String[] {"selfsubjectrulesreviews", "SelfSubjectRulesReview"})
        : List.<String[]>of(new String[] {"selfsubjectreviews", "SelfSubjectReview"});
    for (String[] k : kinds) {
      ObjectNode e = items.addObject();
      e.put("name", k[0]).put("singularName", "").put("namespaced", false).put("kind", k[1]);
      e.putArray("verbs").add("create");
    }
    return list;
  }

  /** The review answered: may {@code who} do what its spec names? By the authorizer every request meets. */
  static ObjectNode accessReview(Identity who, JsonNode review, boolean secured) {
    checkKind(review, AUTHORIZATION, "SelfSubjectAccessReview");
    JsonNode spec = review.path("spec");
    JsonNode res = spec.path("resourceAttributes");
    JsonNode nonRes = spec.path("nonResourceAttributes");
    if (res.isObject() == nonRes.isObject()) {
      throw ApiException.invalid("SelfSubjectAccessReview", "", List.of(io.coxswain.api.registry.FieldError.invalid(
          "spec.resourceAttributes", null, "exactly one of nonResourceAttributes or resourceAttributes must be specified")));
    }
    Authorizer.Decision d;
    if (!secured) {
      d = new Authorizer.Decision(true, "");
    } else if (res.isObject()) {
      String group = res.path("group").asText("");
      String resource = res.path("resource").asText("");
      String ns = res.path("namespace").asText("");
      String name = res.path("name").asText("");
      String sub = res.path("subresource").asText("");
      String path = (group.isEmpty() ? "/api/v1" : "/apis/" + group + "/" + res.path("version").asText("*"))
          + (ns.isEmpty() ? "" : "/namespaces/" + ns) + "/" + resource + (name.isEmpty() ? "" : "/" + name)
          + (sub.isEmpty() ? "" : "/" + sub);
      RequestAttributes a = new RequestAttributes(res.path("verb").asText(""), group.isEmpty() ? resource : resource + "." + group,
          sub.isEmpty() ? null : sub, ns.isEmpty() ? null : ns, name.isEmpty() ? null : name, path);
      d = Authorizer.decide(who, a, null, null);
    } else {
      RequestAttributes a = new RequestAttributes(nonRes.path("verb").asText(""), null, null, null, null,
          nonRes.path("path").asText(""));
      d = Authorizer.decide(who, a, null, null);
    }
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("kind", "SelfSubjectAccessReview").put("apiVersion", AUTHORIZATION + "/v1");
    out.putObject("metadata").put("creationTimestamp", (String) null);
    out.set("spec", spec.deepCopy());
    ObjectNode status = out.putObject("status");
    status.put("allowed", d.allowed());
    if (!d.reason().isEmpty()) {
      status.put("reason", d.reason());
    }
    return out;
  }

  /** What the caller may do, as rules (the authorizer's, {@link Authorizer#rules}); anything on a server checking none. */
  static ObjectNode rulesReview(Identity who, JsonNode review, boolean secured) {
    checkKind(review, AUTHORIZATION, "SelfSubjectRulesReview");
    Authorizer.Rules rules = secured ? Authorizer.rules(who) : Authorizer.rules(Identity.admin(who.user()));
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("kind", "SelfSubjectRulesReview").put("apiVersion", AUTHORIZATION + "/v1");
    out.putObject("metadata").put("creationTimestamp", (String) null);
    out.set("spec", review.path("spec").isObject() ? review.path("spec").deepCopy() : Json.MAPPER.createObjectNode());
    ObjectNode status = out.putObject("status");
    ArrayNode resourceRules = status.putArray("resourceRules");
    for (Authorizer.ResourceRule r : rules.resources()) {
      ObjectNode rule = resourceRules.addObject();
      r.verbs().forEach(rule.putArray("verbs")::add);
      rule.putArray("apiGroups").add(r.resources().equals(List.of("*")) ? "*" : "");
      r.resources().forEach(rule.putArray("resources")::add);
      if (!r.names().isEmpty()) {
        r.names().forEach(rule.putArray("resourceNames")::add);
      }
    }
    ArrayNode pathRules = status.putArray("nonResourceRules");
    for (Authorizer.PathRule r : rules.paths()) {
      ObjectNode rule = pathRules.addObject();
      r.verbs().forEach(rule.putArray("verbs")::add);
      r.paths().forEach(rule.putArray("nonResourceURLs")::add);
    }
    status.put("incomplete", false);
    return out;
  }

  /** Who the caller is, with the group every authenticated caller has. */
  static ObjectNode selfReview(Identity who, JsonNode review) {
    checkKind(review, AUTHENTICATION, "SelfSubjectReview");
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("kind", "SelfSubjectReview").put("apiVersion", AUTHENTICATION + "/v1");
    out.putObject("metadata").put("creationTimestamp", (String) null);
    ObjectNode user = out.putObject("status").putObject("userInfo");
    user.put("username", who.user());
    ArrayNode groups = user.putArray("groups");
    who.groups().forEach(groups::add);
    if (who != ANONYMOUS) {
      groups.add("system:authenticated");
    }
    return out;
  }

  private static void checkKind(JsonNode body, String group, String kind) {
    String k = body.path("kind").asText("");
    String v = body.path("apiVersion").asText("");
    if ((!k.isEmpty() && !k.equals(kind)) || (!v.isEmpty() && !v.equals(group + "/v1"))) {
      throw ApiException.badRequest("the body must be a " + kind + " of " + group + "/v1, not " + k + " of " + v);
    }
  }
}
