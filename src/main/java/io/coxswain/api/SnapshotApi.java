package io.coxswain.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.store.KeyValue;
import io.coxswain.store.Store;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import java.util.Base64;
import java.util.List;

/**
 * {@code GET /coxswain/v1/snapshot}: a consistent backup of the whole store as JSON lines — first
 * {@code {"revision":N}}, then one {@code {"key","value"}} per key, value in base64, all from one atomic
 * linearizable read. Written with back-pressure.
 * {@code snapshot restore} turns such a file into the data dir of a new master.
 */
public final class SnapshotApi {
  private static final int PAGE = 500;

  private final Store store;

  public SnapshotApi(Store store) {
    this.store = store;
  }

  public void mount(Router router) {
    router.get("/coxswain/v1/snapshot").handler(ctx -> {
      HttpServerResponse resp = ctx.response();
      // one linearizable range of every key: the store answers it atomically, so the copy is consistent
      Future.fromCompletionStage(store.range("/", null, 0, Store.Consistency.LINEARIZABLE), ctx.vertx().getOrCreateContext())
          .onFailure(err -> resp.setStatusCode(503).putHeader("Content-Type", "application/json")
              .end(Json.string(status(503, "ServiceUnavailable", String.valueOf(err.getMessage())))))
          .onSuccess(all -> {
            resp.setChunked(true).putHeader("Content-Type", "application/jsonl");
            resp.write(Json.string(Json.MAPPER.createObjectNode().put("revision", all.revision())) + "\n");
            write(resp, all.items(), 0);
          });
    });
  }

  private void write(HttpServerResponse resp, List<KeyValue> items, int from) {
    int to = Math.min(items.size(), from + PAGE);
    StringBuilder b = new StringBuilder();
    for (KeyValue kv : items.subList(from, to)) {
      ObjectNode line = Json.MAPPER.createObjectNode();
      line.put("key", kv.key());
      line.put("value", Base64.getEncoder().encodeToString(kv.value()));
      b.append(Json.string(line)).append('\n');
    }
    resp.write(b.toString());
    if (to >= items.size()) {
      resp.end();
    } else if (resp.writeQueueFull()) {
      resp.drainHandler(v -> write(resp, items, to));
    } else {
      write(resp, items, to);
    }
  }

  static ObjectNode status(int code, String reason, String message) {
    ObjectNode s = Json.MAPPER.createObjectNode();
    s.put("kind", "Status").put("apiVersion", "v1").put("status", "Failure").put("message", message)
        .put("reason", reason).put("code", code);
    return s;
  }
}
