package io.coxswain.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.store.KeyValue;
import io.coxswain.store.Op;
import io.coxswain.store.Store;
import io.coxswain.store.Txn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Join tokens in the replicated store, so that every master accepts the tokens any master made. Tokens
 * of role admin or viewer are also API bearer tokens.
 */
public final class TokenStore {
  public static final List<String> ROLES = List.of("minion", "master", "admin", "viewer");

  private final Store store;
  private final Clock clock;

  public TokenStore(Store store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** A new token of {@code role}, valid for {@code ttl} (null or zero: never expires). */
  public CompletableFuture<JoinToken> create(String caHash, String role, Duration ttl, String description) {
    if (!ROLES.contains(role)) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("role must be one of " + ROLES + ", not " + role));
    }
    JoinToken t = JoinToken.random(caHash);
    Instant now = clock.instant();
    TokenRecord r = new TokenRecord(t.id(), t.secretHash(), role, now,
        ttl == null || ttl.isZero() ? null : now.plus(ttl), false, description == null ? "" : description);
    return store.txn(Txn.of(List.of(), List.of(Op.put(r.key(), encode(r))))).thenApply(x -> t);
  }

  public CompletableFuture<List<TokenRecord>> list() {
    return store.range(TokenRecord.PREFIX, null, 0, Store.Consistency.LINEARIZABLE).thenApply(rr -> {
      List<TokenRecord> out = new ArrayList<>();
      for (KeyValue kv : rr.items()) {
        out.add(decode(kv.value()));
      }
      return out;
    });
  }

  public CompletableFuture<Optional<TokenRecord>> find(String id) {
    return store.get(TokenRecord.PREFIX + id, Store.Consistency.LINEARIZABLE)
        .thenApply(kv -> kv.map(v -> decode(v.value())));
  }

  /** Marks a token revoked; false when there is none with that id. */
  public CompletableFuture<Boolean> revoke(String id) {
    return find(id).thenCompose(r -> {
      if (r.isEmpty()) {
        return CompletableFuture.completedFuture(false);
      }
      TokenRecord t = r.get();
      TokenRecord revoked = new TokenRecord(t.id(), t.secretHash(), t.role(), t.created(), t.expires(), true,
          t.description());
      return store.txn(Txn.of(List.of(), List.of(Op.put(t.key(), encode(revoked))))).thenApply(x -> true);
    });
  }

  /** Why {@code token} cannot join as {@code role}, or null when it can. */
  public CompletableFuture<String> refusal(JoinToken token, String role) {
    return find(token.id()).thenApply(r -> r.isEmpty()
        ? "the join token " + token.id() + " is not known to this cluster (wrong token, or made for another cluster)"
        : r.get().refusal(token, role, clock.instant()));
  }

  /** The identity of an admin or viewer token used as an API bearer token, or null. */
  public CompletableFuture<Identity> bearer(String text) {
    JoinToken token;
    try {
      token = JoinToken.parse(text);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(null);
    }
    return find(token.id()).thenApply(r -> {
      if (r.isEmpty()) {
        return null;
      }
      TokenRecord t = r.get();
      String role = t.role();
      if (!role.equals("admin") && !role.equals("viewer") || t.refusal(token, role, clock.instant()) != null) {
        return null;
      }
      return new Identity("token:" + t.id(), List.of(role.equals("admin") ? Identity.ADMINS : Identity.VIEWERS));
    });
  }

  static byte[] encode(TokenRecord r) {
    ObjectNode n = Json.MAPPER.createObjectNode().put("id", r.id()).put("secretHash", r.secretHash())
        .put("role", r.role()).put("created", r.created().toString()).put("revoked", r.revoked())
        .put("description", r.description());
    if (r.expires() != null) {
      n.put("expires", r.expires().toString());
    }
    return Json.string(n).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  static TokenRecord decode(byte[] b) {
    try {
      JsonNode n = Json.MAPPER.readTree(b);
      return new TokenRecord(n.path("id").asText(), n.path("secretHash").asText(), n.path("role").asText(),
          Instant.parse(n.path("created").asText()), n.hasNonNull("expires") ? Instant.parse(n.get("expires").asText()) : null,
          n.path("revoked").asBoolean(), n.path("description").asText(""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
