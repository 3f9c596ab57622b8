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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * What the store keeps about certificates: when an administrator last asked for a rotation (every member
 * reissues the certificates it made before that moment), and each master's own certificates' expiry, which
 * {@code members} shows.
 */
public final class CertificateRecords {
  public static final String ROTATION = "/coxswain/certificates/rotation";
  public static final String MASTERS = "/coxswain/certificates/masters/";

  /** A master's certificates as it last published them. */
  public record MasterCertificates(String name, Instant issued, Instant servingExpires, Instant peerExpires) {
  }

  private final Store store;

  public CertificateRecords(Store store) {
    this.store = store;
  }

  /** Records a rotation request at {@code now}; completes with that instant. */
  public CompletableFuture<Instant> requestRotation(Instant now, String by) {
    ObjectNode n = Json.MAPPER.createObjectNode().put("requestedAt", now.toString()).put("by", by);
    return store.txn(Txn.of(List.of(), List.of(Op.put(ROTATION, bytes(n))))).thenApply(x -> now);
  }

  /** When a rotation was last asked for, if ever. */
  public CompletableFuture<Optional<Instant>> rotationRequested(Store.Consistency consistency) {
    return store.get(ROTATION, consistency).thenApply(kv -> kv.map(v -> Instant.parse(tree(v).path("requestedAt").asText())));
  }

  public CompletableFuture<Void> publish(MasterCertificates m) {
    ObjectNode n = Json.MAPPER.createObjectNode().put("name", m.name()).put("issued", m.issued().toString())
        .put("servingExpires", m.servingExpires().toString()).put("peerExpires", m.peerExpires().toString());
    return store.txn(Txn.of(List.of(), List.of(Op.put(MASTERS + m.name(), bytes(n))))).thenApply(x -> null);
  }

  /** Every master's published certificates, by name. */
  public CompletableFuture<Map<String, MasterCertificates>> masters(Store.Consistency consistency) {
    return store.range(MASTERS, null, 0, consistency).thenApply(rr -> {
      Map<String, MasterCertificates> out = new TreeMap<>();
      for (KeyValue kv : rr.items()) {
        JsonNode n = tree(kv);
        out.put(n.path("name").asText(), new MasterCertificates(n.path("name").asText(),
            Instant.parse(n.path("issued").asText()), Instant.parse(n.path("servingExpires").asText()),
            Instant.parse(n.path("peerExpires").asText())));
      }
      return out;
    });
  }

  private static byte[] bytes(ObjectNode n) {
    return Json.string(n).getBytes(StandardCharsets.UTF_8);
  }

  private static JsonNode tree(KeyValue kv) {
    try {
      return Json.MAPPER.readTree(kv.value());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
