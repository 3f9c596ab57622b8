package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.store.Member;
import io.coxswain.store.Membership;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;

/**
 * The masters' own API, beside core/v1 under {@code /coxswain/v1}: what a joining master needs (the Raft
 * group id and its members) and membership changes.
 *
 * <ul>
 *   <li>{@code GET /coxswain/v1/members}: the group id and every member with leader, term and indexes</li>
 *   <li>{@code POST /coxswain/v1/members} {@code {"id","peerAddress"}}: adds a voter (it must be running)</li>
 *   <li>{@code DELETE /coxswain/v1/members/{id}}: removes a member</li>
 * </ul>
 */
public final class MembersApi {
  private final Membership membership;

  public MembersApi(Membership membership) {
    this.membership = membership;
  }

  public void mount(Vertx vertx, Router router) {
    router.get("/coxswain/v1/members").handler(ctx -> reply(ctx, membership.members().thenApply(this::toJson)));
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
      reply(ctx, membership.addMember(id, peer).thenCompose(v -> membership.members()).thenApply(this::toJson));
    });
    router.delete("/coxswain/v1/members/:id").handler(ctx -> {
      String id = ctx.pathParam("id");
      reply(ctx, membership.members().thenCompose(list -> {
        if (list.stream().noneMatch(m -> m.id().equals(id))) {
          throw new java.util.NoSuchElementException("master \"" + id + "\" is not a member");
        }
        return membership.removeMember(id);
      }).thenCompose(v -> membership.members()).thenApply(this::toJson));
    });
  }

  private ObjectNode toJson(List<Member> members) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("groupId", membership.groupId());
    ArrayNode arr = root.putArray("members");
    for (Member m : members) {
      arr.addObject().put("id", m.id()).put("peerAddress", m.peerAddress()).put("leader", m.leader())
          .put("self", m.self()).put("term", m.term()).put("commitIndex", m.commitIndex())
          .put("appliedIndex", m.appliedIndex());
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
