package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.model.LabelSelector;
import io.coxswain.model.SelectorException;
import io.coxswain.security.KubeletTls;
import io.coxswain.store.KeyValue;
import io.coxswain.store.RangeResult;
import io.coxswain.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The resource metrics API ({@code metrics.k8s.io/v1beta1}) that {@code top nodes|pods} and kubectl top read,
 * served by the masters from the kubelets' stats summaries (fetched on each request, as the figures are
 * the runtime's latest sampling interval): NodeMetrics and PodMetrics with cpu in nanocores and the memory
 * working set.
 */
public final class MetricsApi {
  static final String GROUP = "metrics.k8s.io";
  static final String VERSION = GROUP + "/v1beta1";
  private static final String BASE = "/apis/" + VERSION;
  private static final int SUMMARY_TIMEOUT_MS = 30_000;

  private final Store store;
  private final KubeletTls tls;
  private HttpClientAgent http;

  public MetricsApi(Store store) {
    this(store, null);
  }

  /** @param tls how to reach kubelets (mutual TLS); null: plain HTTP */
  public MetricsApi(Store store, KubeletTls tls) {
    this.store = store;
    this.tls = tls;
  }

  /** Mounts the metrics routes, and {@code /apis} naming the group (mount before the server's own routes). */
  public void mount(Vertx vertx, Router router) {
    HttpClientOptions httpOptions = new HttpClientOptions().setConnectTimeout(3000);
    http = vertx.createHttpClient(tls == null ? httpOptions : tls.client(httpOptions));
    router.get("/apis").handler(ctx -> send(ctx, 200, groups()));
    router.get("/apis/").handler(ctx -> send(ctx, 200, groups()));
    router.get("/apis/" + GROUP).handler(ctx -> send(ctx, 200, group()));
    router.get(BASE).handler(ctx -> send(ctx, 200, resources()));
    router.get(BASE + "/nodes").handler(ctx -> nodes(ctx, null));
    router.get(BASE + "/nodes/:name").handler(ctx -> nodes(ctx, ctx.pathParam("name")));
    router.get(BASE + "/pods").handler(ctx -> pods(ctx, null, null));
    router.get(BASE + "/namespaces/:ns/pods").handler(ctx -> pods(ctx, ctx.pathParam("ns"), null));
    router.get(BASE + "/namespaces/:ns/pods/:name").handler(ctx -> pods(ctx, ctx.pathParam("ns"), ctx.pathParam("name")));
  }

  static ObjectNode groups() {
    ObjectNode list = Discovery.apiGroups();
    ((ArrayNode) list.get("groups")).add(groupEntry());
    return list;
  }

  private static ObjectNode group() {
    ObjectNode g = groupEntry();
    g.put("kind", "APIGroup").put("apiVersion", "v1");
    return g;
  }

  private static ObjectNode groupEntry() {
    ObjectNode g = Json.MAPPER.createObjectNode();
    g.put("name", GROUP);
    g.putArray("versions").addObject().put("groupVersion", VERSION).put("version", "v1beta1");
    g.putObject("preferredVersion").put("groupVersion", VERSION).put("version", "v1beta1");
    return g;
  }

  private static ObjectNode resources() {
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("kind", "APIResourceList").put("apiVersion", "v1").put("groupVersion", VERSION);
    ArrayNode items = list.putArray("resources");
    for (String[] r : new String[][] {{"nodes", "NodeMetrics", "false"}, {"pods", "PodMetrics", "true"}}) {
      ObjectNode e = items.addObject();
      e.put("name", r[0]).put("singularName", "").put("namespaced", Boolean.parseBoolean(r[2])).put("kind", r[1]);
      e.putArray("verbs").add("get").add("list");
    }
    return list;
  }

  private void nodes(RoutingContext ctx, String name) {
    LabelSelector selector;
    try {
      selector = selector(ctx);
    } catch (ApiException e) {
      error(ctx, e);
      return;
    }
    Future.fromCompletionStage(list("/registry/nodes/"), ctx.vertx().getOrCreateContext())
        .compose(nodes -> {
          List<JsonNode> wanted = new ArrayList<>();
          for (JsonNode n : nodes) {
            if ((name == null || name.equals(n.path("metadata").path("name").asText()))
                && selector.matches(labels(n))) {
              wanted.add(n);
            }
          }
          if (name != null && wanted.isEmpty()) {
            return Future.failedFuture(ApiException.notFound(GROUP, "nodemetrics", name));
          }
          return summaries(wanted).map(summaries -> {
            ArrayNode items = Json.MAPPER.createArrayNode();
            for (JsonNode n : wanted) {
              JsonNode summary = summaries.get(n.path("metadata").path("name").asText());
              if (summary == null) {
                continue; // an unreachable kubelet: no figures, as metrics-server leaves such a node out
              }
              ObjectNode m = items.addObject();
              metadata(m, n, false);
              m.put("timestamp", summary.path("node").path("cpu").path("time").asText(Instant.now().toString()));
              m.put("window", "1s");
              usage(m.putObject("usage"), summary.path("node"));
            }
            return items;
          });
        })
        .onSuccess(items -> {
          if (name != null) {
            if (items.isEmpty()) {
              error(ctx, ApiException.notFound(GROUP, "nodemetrics", name));
            } else {
              send(ctx, 200, withKind((ObjectNode) items.get(0), "NodeMetrics"));
            }
          } else {
            send(ctx, 200, listOf("NodeMetricsList", items));
          }
        })
        .onFailure(err -> error(ctx, err));
  }

  private void pods(RoutingContext ctx, String ns, String name) {
    LabelSelector selector;
    try {
      selector = selector(ctx);
    } catch (ApiException e) {
      error(ctx, e);
      return;
    }
    String prefix = ns == null ? "/registry/pods/" : "/registry/pods/" + ns + "/";
    Future.fromCompletionStage(list(prefix), ctx.vertx().getOrCreateContext())
        .compose(pods -> {
          Map<String, JsonNode> byUid = new HashMap<>();
          List<String> nodes = new ArrayList<>();
          for (JsonNode p : pods) {
            JsonNode meta = p.path("metadata");
            String node = p.path("spec").path("nodeName").asText("");
            if ((name == null || name.equals(meta.path("name").asText())) && selector.matches(labels(p)) && !node.isEmpty()) {
              byUid.put(meta.path("uid").asText(), p);
              if (!nodes.contains(node)) {
                nodes.add(node);
              }
            }
          }
          if (name != null && byUid.isEmpty()) {
            return Future.failedFuture(ApiException.notFound(GROUP, "podmetrics", ns + "/" + name));
          }
          return Future.fromCompletionStage(list("/registry/nodes/"), ctx.vertx().getOrCreateContext())
              .compose(all -> {
                List<JsonNode> hosting = new ArrayList<>();
                for (JsonNode n : all) {
                  if (nodes.contains(n.path("metadata").path("name").asText())) {
                    hosting.add(n);
                  }
                }
                return summaries(hosting);
              })
              .map(summaries -> {
                ArrayNode items = Json.MAPPER.createArrayNode();
                for (JsonNode summary : summaries.values()) {
                  for (JsonNode ps : summary.path("pods")) {
                    JsonNode pod = byUid.get(ps.path("podRef").path("uid").asText());
                    if (pod == null || ps.path("containers").isEmpty()) {
                      continue;
                    }
                    ObjectNode m = items.addObject();
                    metadata(m, pod, true);
                    m.put("timestamp", ps.path("cpu").path("time").asText(Instant.now().toString()));
                    m.put("window", "1s");
                    ArrayNode containers = m.putArray("containers");
                    for (JsonNode c : ps.path("containers")) {
                      ObjectNode cm = containers.addObject().put("name", c.path("name").asText());
                      usage(cm.putObject("usage"), c);
                    }
                  }
                }
                return items;
              });
        })
        .onSuccess(items -> {
          if (name != null) {
            if (items.isEmpty()) {
              error(ctx, ApiException.notFound(GROUP, "podmetrics", ns + "/" + name));
            } else {
              send(ctx, 200, withKind((ObjectNode) items.get(0), "PodMetrics"));
            }
          } else {
            send(ctx, 200, listOf("PodMetricsList", items));
          }
        })
        .onFailure(err -> error(ctx, err));
  }

  private static LabelSelector selector(RoutingContext ctx) {
    String text = ctx.request().getParam("labelSelector");
    if (text == null || text.isEmpty()) {
      return LabelSelector.everything();
    }
    try {
      return LabelSelector.parse(text);
    } catch (SelectorException e) {
      throw ApiException.badRequest("unable to parse requirement: " + e.getMessage());
    }
  }

  private static Map<String, String> labels(JsonNode o) {
    Map<String, String> out = new HashMap<>();
    o.path("metadata").path("labels").properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  private static void metadata(ObjectNode m, JsonNode object, boolean namespaced) {
    ObjectNode meta = m.putObject("metadata");
    meta.put("name", object.path("metadata").path("name").asText());
    if (namespaced) {
      meta.put("namespace", object.path("metadata").path("namespace").asText());
    }
    meta.put("creationTimestamp", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    if (object.path("metadata").path("labels").isObject()) {
      meta.set("labels", object.path("metadata").path("labels").deepCopy());
    }
  }

  private static void usage(ObjectNode usage, JsonNode figures) {
    usage.put("cpu", figures.path("cpu").path("usageNanoCores").asLong() + "n");
    usage.put("memory", figures.path("memory").path("workingSetBytes").asLong() / 1024 + "Ki");
  }

  private static ObjectNode withKind(ObjectNode item, String kind) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("kind", kind).put("apiVersion", VERSION);
    out.setAll(item);
    return out;
  }

  private static ObjectNode listOf(String kind, ArrayNode items) {
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("kind", kind).put("apiVersion", VERSION);
    list.putObject("metadata");
    list.set("items", items);
    return list;
  }

  /** Every object under a store prefix, decoded. */
  private CompletableFuture<List<JsonNode>> list(String prefix) {
    List<JsonNode> out = new ArrayList<>();
    return page(prefix, "", out).thenApply(v -> out);
  }

  private CompletableFuture<Void> page(String prefix, String after, List<JsonNode> out) {
    return store.range(prefix, after, 500, Store.Consistency.LOCAL).thenCompose((RangeResult r) -> {
      for (KeyValue kv : r.items()) {
        out.add(Json.tree(kv.value()));
      }
      if (r.more() && !r.items().isEmpty()) {
        return page(prefix, r.items().get(r.items().size() - 1).key(), out);
      }
      return CompletableFuture.completedFuture(null);
    });
  }

  /** The stats summary of each node whose kubelet answers, by node name. */
  private Future<Map<String, JsonNode>> summaries(List<JsonNode> nodes) {
    Map<String, JsonNode> out = new HashMap<>();
    List<Future<?>> calls = new ArrayList<>();
    for (JsonNode n : nodes) {
      String name = n.path("metadata").path("name").asText();
      String ip = null;
      for (JsonNode a : n.path("status").path("addresses")) {
        if (a.path("type").asText().equals("InternalIP")) {
          ip = a.path("address").asText();
        }
      }
      int port = n.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
      if (ip == null || port == 0) {
        continue;
      }
      calls.add(http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(ip).setPort(port)
              .setURI("/stats/summary").setTimeout(SUMMARY_TIMEOUT_MS))
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(body -> {
            if (resp.statusCode() == 200) {
              synchronized (out) {
                out.put(name, Json.tree(body.getBytes()));
              }
            }
            return null;
          }))
          .recover(err -> Future.succeededFuture()));
    }
    return Future.join(calls).transform(ar -> Future.succeededFuture(out));
  }

  private static void send(RoutingContext ctx, int code, JsonNode body) {
    ctx.response().setStatusCode(code).putHeader("Content-Type", "application/json").end(Json.string(body));
  }

  private static void error(RoutingContext ctx, Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && !(c instanceof ApiException)) {
      c = c.getCause();
    }
    ApiException e = c instanceof ApiException a ? a : ApiException.unavailable(String.valueOf(t.getMessage()));
    send(ctx, e.code(), Json.MAPPER.valueToTree(e.status()));
  }
}
