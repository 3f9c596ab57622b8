package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.security.CertificateAuthority;
import io.coxswain.security.Identity;
import io.coxswain.security.JoinPaths;
import io.coxswain.security.JoinToken;
import io.coxswain.security.Pem;
import io.coxswain.security.TokenRecord;
import io.coxswain.security.TokenStore;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joining and join tokens, beside core/v1:
 *
 * <ul>
 *   <li>{@code GET /coxswain/v1/ca} (anyone): the cluster CA, which a joiner checks against its token</li>
 *   <li>{@code POST /coxswain/v1/join} (anyone, with a token) {@code {"token","role","name","csr","hosts"}}: the
 *       signed certificate (a minion: system:node:NAME; a master also gets the CA key it serves with)</li>
 *   <li>{@code POST /coxswain/v1/tokens} {@code {"role","ttlSeconds","description"}}, {@code GET},
 *       {@code DELETE /coxswain/v1/tokens/ID} (admins): create, list, revoke</li>
 * </ul>
 */
public final class JoinApi {
  private static final Logger LOG = LoggerFactory.getLogger(JoinApi.class);
  private static final String NAME = "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?";

  private final CertificateAuthority ca;
  private final TokenStore tokens;

  public JoinApi(CertificateAuthority ca, TokenStore tokens) {
    this.ca = ca;
    this.tokens = tokens;
  }

  public void mount(Router router) {
    router.get(JoinPaths.CA).handler(ctx -> json(ctx, 200, Json.MAPPER.createObjectNode().put("ca", Pem.of(ca.certificate()))
        .put("sha256", ca.hash())));
    router.post(JoinPaths.JOIN).handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(this::join);
    router.post(JoinPaths.RENEW).handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(this::renew);
    router.post(JoinPaths.TOKENS).handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(this::create);
    router.get(JoinPaths.TOKENS).handler(ctx -> reply(ctx, tokens.list().thenApply(JoinApi::listJson)));
    router.delete(JoinPaths.TOKENS + "/:id").handler(ctx -> {
      String id = ctx.pathParam("id");
      reply(ctx, tokens.revoke(id).thenApply(found -> {
        if (!found) {
          throw new ApiException404("join token \"" + id + "\" not found");
        }
        return Json.MAPPER.createObjectNode().put("id", id).put("revoked", true);
      }));
    });
  }

  private void join(RoutingContext ctx) {
    JsonNode body = body(ctx);
    if (body == null) {
      return;
    }
    String role = body.path("role").asText("minion");
    String name = body.path("name").asText("");
    String tokenText = body.path("token").asText("");
    if (tokenText.isEmpty()) {
      status(ctx, 401, "Unauthorized", "a join token is needed: create one on a master with 'coxswain token create'");
      return;
    }
    if (!role.equals("minion") && !role.equals("master")) {
      status(ctx, 422, "Invalid", "role must be minion or master");
      return;
    }
    if (!name.matches(NAME)) {
      status(ctx, 422, "Invalid", "name must be a lower-case DNS name, not \"" + name + "\"");
      return;
    }
    JoinToken token;
    PublicKey key;
    List<String> hosts;
    try {
      token = JoinToken.parse(tokenText);
      key = CertificateAuthority.requestKey(body.path("csr").asText(""));
      hosts = hosts(body);
    } catch (IllegalArgumentException e) {
      status(ctx, e.getMessage().contains("token") ? 401 : 422, e.getMessage().contains("token") ? "Unauthorized" : "Invalid",
          e.getMessage());
      return;
    }
    Future.fromCompletionStage(tokens.refusal(token, role), ctx.vertx().getOrCreateContext()).onComplete(ar -> {
      if (ar.failed()) {
        status(ctx, 503, "ServiceUnavailable", "cannot check the token now: " + root(ar.cause()).getMessage());
        return;
      }
      if (ar.result() != null) {
        LOG.info("refused a {} join of {}: {}", role, name, ar.result());
        status(ctx, 401, "Unauthorized", ar.result());
        return;
      }
      ObjectNode out = Json.MAPPER.createObjectNode().put("ca", Pem.of(ca.certificate()));
      if (role.equals("minion")) {
        out.put("certificate", Pem.of(ca.issue(key, Identity.NODE_PREFIX + name, List.of(Identity.NODES), hosts,
            true, true, CertificateAuthority.LEAF_VALIDITY)));
      } else {
        out.put("certificate", Pem.of(ca.issue(key, "coxswain:master:" + name, List.of(Identity.ADMINS), List.of(),
            true, CertificateAuthority.LEAF_VALIDITY)));
        out.put("caKey", Pem.of(ca.key()));
      }
      LOG.info("{} {} joined with token {}", role, name, token.id());
      json(ctx, 200, out);
    });
  }

  /** A new certificate for the caller's own node identity (the authorizer lets only nodes in). */
  private void renew(RoutingContext ctx) {
    Identity who = ctx.get(ApiServerVerticle.IDENTITY_KEY);
    if (who == null || who.nodeName() == null) {
      status(ctx, 403, "Forbidden", "only a node renews its certificate here");
      return;
    }
    JsonNode body = body(ctx);
    if (body == null) {
      return;
    }
    PublicKey key;
    List<String> hosts;
    try {
      key = CertificateAuthority.requestKey(body.path("csr").asText(""));
      hosts = hosts(body);
    } catch (IllegalArgumentException e) {
      status(ctx, 422, "Invalid", e.getMessage());
      return;
    }
    java.security.cert.X509Certificate cert = ca.issue(key, who.user(), List.of(Identity.NODES), hosts, true,
        true, CertificateAuthority.LEAF_VALIDITY);
    LOG.info("renewed the certificate of {} (valid until {})", who.user(), cert.getNotAfter().toInstant());
    json(ctx, 200, Json.MAPPER.createObjectNode().put("ca", Pem.of(ca.certificate())).put("certificate", Pem.of(cert)));
  }

  /** The addresses a node asks to have in its certificate (its kubelet port serves with it). */
  private static List<String> hosts(JsonNode body) {
    List<String> out = new java.util.ArrayList<>();
    JsonNode hosts = body.path("hosts");
    if (!hosts.isMissingNode() && !hosts.isNull() && !hosts.isArray()) {
      throw new IllegalArgumentException("hosts must be a list of IP addresses or DNS names");
    }
    hosts.forEach(h -> out.add(h.asText()));
    return CertificateAuthority.requireHosts(out);
  }

  private void create(RoutingContext ctx) {
    JsonNode body = body(ctx);
    if (body == null) {
      return;
    }
    String role = body.path("role").asText("minion");
    long ttl = body.path("ttlSeconds").asLong(86_400);
    if (!TokenStore.ROLES.contains(role)) {
      status(ctx, 422, "Invalid", "role must be one of " + TokenStore.ROLES + ", not \"" + role + "\"");
      return;
    }
    if (ttl < 0) {
      status(ctx, 422, "Invalid", "ttlSeconds must not be negative");
      return;
    }
    reply(ctx, tokens.create(ca.hash(), role, Duration.ofSeconds(ttl), body.path("description").asText(""))
        .thenCompose(t -> tokens.find(t.id()).thenApply(r -> {
          ObjectNode n = recordJson(r.orElseThrow());
          n.put("token", t.toString());
          return n;
        })));
  }

  private static ObjectNode listJson(List<TokenRecord> list) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode items = root.putArray("items");
    list.forEach(r -> items.add(recordJson(r)));
    return root;
  }

  private static ObjectNode recordJson(TokenRecord r) {
    ObjectNode n = Json.MAPPER.createObjectNode().put("id", r.id()).put("role", r.role())
        .put("created", r.created().toString()).put("revoked", r.revoked()).put("description", r.description());
    n.put("expires", r.expires() == null ? null : r.expires().toString());
    return n;
  }

  private static JsonNode body(RoutingContext ctx) {
    try {
      JsonNode n = Json.MAPPER.readTree(ctx.body().asString());
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      return n;
    } catch (Exception e) {
      status(ctx, 400, "BadRequest", "the body is not a JSON object: " + e.getMessage());
      return null;
    }
  }

  private static final class ApiException404 extends RuntimeException {
    ApiException404(String message) {
      super(message);
    }
  }

  private static void reply(RoutingContext ctx, CompletableFuture<ObjectNode> stage) {
    Future.fromCompletionStage(stage, ctx.vertx().getOrCreateContext()).onComplete(ar -> {
      if (ar.succeeded()) {
        json(ctx, 200, ar.result());
      } else if (root(ar.cause()) instanceof ApiException404 e) {
        status(ctx, 404, "NotFound", e.getMessage());
      } else if (root(ar.cause()) instanceof IllegalArgumentException e) {
        status(ctx, 422, "Invalid", e.getMessage());
      } else {
        status(ctx, 503, "ServiceUnavailable", String.valueOf(root(ar.cause()).getMessage()));
      }
    });
  }

  private static Throwable root(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private static void json(RoutingContext ctx, int code, JsonNode body) {
    ctx.response().setStatusCode(code).putHeader("Content-Type", "application/json").end(Json.string(body));
  }

  private static void status(RoutingContext ctx, int code, String reason, String message) {
    json(ctx, code, Json.MAPPER.createObjectNode().put("kind", "Status").put("apiVersion", "v1")
        .put("status", "Failure").put("message", message).put("reason", reason).put("code", code));
  }
}
