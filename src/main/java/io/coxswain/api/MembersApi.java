package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.security.CertificateRecords;
import io.coxswain.security.Identity;
import io.coxswain.store.Member;
import io.coxswain.store.Membership;
import io.coxswain.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The masters' own API, beside core/v1 under {@code /coxswain/v1}: what a joining master needs (the Raft
 * group id and its members) and membership changes.
 *
 * <ul>
 *   <li>{@code GET /coxswain/v1/members}: the group id and every member with leader, term and indexes</li>
 *   <li>{@code POST /coxswain/v1/members} {@code {"id","peerAddress"}}: adds a voter (it must be running)</li>
 *   <li>{@code DELETE /coxswain/v1/members/{id}}: removes a member</li>
 *   <li>{@code GET /coxswain/v1/certificates}: when a rotation was last asked for and each master's
 *       certificates (issued, expiry)</li>
 *   <li>{@code POST /coxswain/v1/certificates/rotate} (admins): asks every member to reissue its certificates;
 *       masters do within seconds, minions within a minute, without a restart</li>
 * </ul>
 * Each member in {@code GET /coxswain/v1/members} carries {@code certificateExpires}: the earliest expiry of
 * the certificates its master serves with.
 */
public final class MembersApi {
  private final Membership membership;
  private final CertificateRecords certificates;

  public MembersApi(Membership membership) {
    this(membership, null);
  }

  /** @param certificates the masters' published certificates (null: no certificate routes) */
  public MembersApi(Membership membership, CertificateRecords certificates) {
    this.membership = membership;
    this.certificates = certificates;
  }

  public void mount(Vertx vertx, Router router) {
    router.get("/coxswain/v1/members").handler(ctx -> reply(ctx, membership.members().thenCompose(list ->
        (certificates == null ? java.util.concurrent.CompletableFuture.completedFuture(
            Map.<String, CertificateRecords.MasterCertificates>of())
            : certificates.masters(Store.Consistency.LOCAL)).thenApply(certs -> toJson(list, certs)))));
    if (certificates != null) {
      router.get("/coxswain/v1/certificates").handler(ctx -> reply(ctx,
          certificates.rotationRequested(Store.Consistency.LINEARIZABLE).thenCombine(
              certificates.masters(Store.Consistency.LINEARIZABLE), (rotation, masters) -> {
                ObjectNode root = Json.MAPPER.createObjectNode();
                rotation.ifPresent(at -> root.put("rotationRequestedAt", at.toString()));
                ArrayNode arr = root.putArray("masters");
                masters.values().forEach(m -> arr.addObject().put("name", m.name()).put("issued", m.issued().toString())
                    .put("servingExpires", m.servingExpires().toString()).put("peerExpires", m.peerExpires().toString()));
                return root;
              })));
      router.post("/coxswain/v1/certificates/rotate").handler(ctx -> {
        Identity who = ctx.get(ApiServerVerticle.IDENTITY_KEY);
        reply(ctx, certificates.requestRotation(Instant.now(), who == null ? "" : who.user())
            .thenApply(at -> Json.MAPPER.createObjectNode().put("requestedAt", at.toString())));
      });
    }
    router.post("/coxswain/v1/members").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(ctx -> {
      JsonNode body;
      try {
        body = Json.MAPPER.readTree(ctx.body().asString());
      } catch (Exception e) {
        error(ctx, 400, "BadRequest", "the body is not JSON: " + e.getMessage());
        return;
      }
      String id = body.path("id").asText("");
      String peer = body.path("peerAddress").asText("");
      if (id.isEmpty() || !peer.matches("[^:]+:\\d{1,5}")) {
        error(ctx, 422, "Invalid", "a member needs an id and a peerAddress HOST:PORT");
        return;
      }
      reply(ctx, membership.addMember(id, peer).thenCompose(v -> membership.members()).thenApply(l -> toJson(l, Map.of())));
    });
    router.delete("/coxswain/v1/members/:id").handler(ctx -> {
      String id = ctx.pathParam("id");
      reply(ctx, membership.members().thenCompose(list -> {
        if (list.stream().noneMatch(m -> m.id().equals(id))) {
          throw new java.util.NoSuchElementException("master \"" + id + "\" is not a member");
        }
        return membership.removeMember(id);
      }).thenCompose(v -> membership.members()).thenApply(l -> toJson(l, Map.of())));
    });
  }

  private ObjectNode toJson(List<Member> members, Map<String, CertificateRecords.MasterCertificates> certs) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("groupId", membership.groupId());
    ArrayNode arr = root.putArray("members");
    for (Member m : members) {
      arr.addObject().put("id", m.id()).put("peerAddress", m.peerAddress()).put("leader", m.leader())
          .put("self", m.self()).put("term", m.term()).put("commitIndex", m.commitIndex())
          .put("appliedIndex", m.appliedIndex());
      CertificateRecords.MasterCertificates c = certs.get(m.id());
      if (c != null) {
        ((ObjectNode) arr.get(arr.size() - 1)).put("certificateExpires",
            (c.servingExpires().isBefore(c.peerExpires()) ? c.servingExpires() : c.peerExpires()).toString());
      }
    }
    return root;
  }

  private static void reply(RoutingContext ctx, java.util.concurrent.CompletionStage<ObjectNode> stage) {
    Future.fromCompletionStage(stage, ctx.vertx().getOrCreateContext()).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("Content-Type", "application/json").end(Json.string(ar.result()));
      } else {
        Throwable t = ar.cause() instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
            ? ce.getCause() : ar.cause();
        if (t instanceof java.util.NoSuchElementException) {
          error(ctx, 404, "NotFound", t.getMessage());
        } else if (t instanceof io.coxswain.store.UnavailableException) {
          error(ctx, 503, "ServiceUnavailable", t.getMessage());
        } else {
          error(ctx, 500, "InternalError", String.valueOf(t.getMessage()));
        }
      }
    });
  }

  private static void error(RoutingContext ctx, int code, String reason, String message) {
    ObjectNode s = Json.MAPPER.createObjectNode();
    s.put("kind", "Status").put("apiVersion", "v1").put("status", "Failure").put("message", message)
        .put("reason", reason).put("code", code);
    s.putObject("metadata");
    ctx.response().setStatusCode(code).putHeader("Content-Type", "application/json").end(Json.string(s));
  }
}
