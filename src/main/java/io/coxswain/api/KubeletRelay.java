package io.coxswain.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.security.KubeletTls;
import io.coxswain.store.KeyValue;
import io.coxswain.store.Store;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pods/log}, {@code pods/exec} and {@code pods/attach} relayed to the kubelet of the pod's node, as
 * the Kubernetes API server does: the log as a streamed HTTP body, exec and attach as a WebSocket whose frames
 * are copied both ways unchanged (the channel protocol is the kubelet's business).
 */
public final class KubeletRelay {
  /** The channel protocols a WebSocket exec may speak, newest first. */
  public static final List<String> SUBPROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io",
      "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io");

  private final Store store;
  private final KubeletTls tls;
  private HttpClientAgent http;
  private WebSocketClient ws;

  public KubeletRelay(Store store) {
    this(store, null);
  }

  /** @param tls how to reach kubelets (mutual TLS); null: plain HTTP */
  public KubeletRelay(Store store, KubeletTls tls) {
    this.store = store;
    this.tls = tls;
  }

  public void mount(Vertx vertx, Router router) {
    HttpClientOptions httpOptions = new HttpClientOptions().setConnectTimeout(3000).setIdleTimeout(0);
    http = vertx.createHttpClient(tls == null ? httpOptions : tls.client(httpOptions));
    WebSocketClientOptions wsOptions = new WebSocketClientOptions().setConnectTimeout(3000)
        .setMaxFrameSize(1 << 20).setMaxMessageSize(16 << 20);
    ws = vertx.createWebSocketClient(tls == null ? wsOptions : tls.client(wsOptions));
    router.get("/api/v1/namespaces/:ns/pods/:name/log").handler(this::log);
    router.route("/api/v1/namespaces/:ns/pods/:name/exec").handler(ctx -> stream(ctx, "exec",
        List.of("command", "stdin", "stdout", "stderr", "tty")));
    router.route("/api/v1/namespaces/:ns/pods/:name/attach").handler(ctx -> stream(ctx, "attach",
        List.of("stdin", "stdout", "stderr", "tty")));
  }

  private record Target(Pod pod, String container, String host, int port) {}

  private Future<Target> target(RoutingContext ctx) {
    String ns = ctx.pathParam("ns");
    String name = ctx.pathParam("name");
    return Future.fromCompletionStage(store.get("/registry/pods/" + ns + "/" + name, Store.Consistency.LOCAL),
        ctx.vertx().getOrCreateContext()).compose(found -> {
          if (found.isEmpty()) {
            return Future.failedFuture(new Refused(404, "NotFound", "pods \"" + name + "\" not found"));
          }
          Pod pod = Json.read(found.get().value(), Pod.class);
          List<Container> containers = pod.getSpec().getContainers();
          String container = ctx.request().getParam("container");
          if (container == null || container.isEmpty()) {
            if (containers.size() != 1) {
              StringBuilder names = new StringBuilder();
              containers.forEach(c -> names.append(names.length() == 0 ? "" : " ").append(c.getName()));
              return Future.failedFuture(new Refused(400, "BadRequest", "a container name must be specified for pod "
                  + name + ", choose one of: [" + names + "]"));
            }
            container = containers.get(0).getName();
          } else {
            String wanted = container;
            if (containers.stream().noneMatch(c -> c.getName().equals(wanted))) {
              return Future.failedFuture(new Refused(400, "BadRequest", "container " + container
                  + " is not valid for pod " + name));
            }
          }
          String node = pod.getSpec().getNodeName();
          if (node == null || node.isEmpty()) {
            return Future.failedFuture(new Refused(400, "BadRequest", "pod " + name + " does not have a host assigned"));
          }
          String c = container;
          return Future.fromCompletionStage(store.get("/registry/nodes/" + node, Store.Consistency.LOCAL),
              ctx.vertx().getOrCreateContext()).compose(n -> kubelet(n, node)
                  .map(hp -> new Target(pod, c, hp.getKey(), hp.getValue())));
        });
  }

  private static Future<Map.Entry<String, Integer>> kubelet(Optional<KeyValue> found, String nodeName) {
    if (found.isEmpty()) {
      return Future.failedFuture(new Refused(503, "ServiceUnavailable", "node " + nodeName + " is not registered"));
    }
    Node node = Json.read(found.get().value(), Node.class);
    String ip = null;
    if (node.getStatus() != null && node.getStatus().getAddresses() != null) {
      for (NodeAddress a : node.getStatus().getAddresses()) {
        if ("InternalIP".equals(a.getType())) {
          ip = a.getAddress();
        }
      }
    }
    Integer port = node.getStatus() == null || node.getStatus().getDaemonEndpoints() == null
        || node.getStatus().getDaemonEndpoints().getKubeletEndpoint() == null
        ? null : node.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort();
    if (ip == null || port == null || port == 0) {
      return Future.failedFuture(new Refused(503, "ServiceUnavailable", "node " + nodeName + " has no kubelet address"));
    }
    return Future.succeededFuture(Map.entry(ip, port));
  }

  private void log(RoutingContext ctx) {
    target(ctx).onFailure(err -> fail(ctx, err)).onSuccess(t -> {
      String path = "/containerLogs/" + t.pod().getMetadata().getNamespace() + "/" + t.pod().getMetadata().getName()
          + "/" + t.container() + query(ctx.request().params(), List.of("follow", "tailLines", "previous", "timestamps",
          "sinceSeconds", "limitBytes"));
      http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(t.host()).setPort(t.port()).setURI(path))
          .compose(req -> req.send())
          .onFailure(err -> fail(ctx, 503, "ServiceUnavailable", "cannot reach the kubelet of node "
              + t.pod().getSpec().getNodeName() + " at " + t.host() + ":" + t.port() + ": " + err.getMessage()))
          .onSuccess(resp -> {
            ctx.response().setStatusCode(resp.statusCode()).setChunked(true)
                .putHeader("Content-Type", resp.statusCode() == 200 ? "text/plain" : "application/json");
            ctx.response().closeHandler(v -> resp.request().reset());
            resp.pipeTo(ctx.response());
          });
    });
  }

  /** {@code pods/exec} and {@code pods/attach}: a WebSocket relayed to the kubelet's {@code /exec} or {@code /attach}. */
  private void stream(RoutingContext ctx, String verb, List<String> params) {
    HttpServerRequest req = ctx.request();
    boolean upgrade = "websocket".equalsIgnoreCase(req.getHeader("Upgrade"));
    if (!upgrade) {
      fail(ctx, 400, "BadRequest", verb + " needs a WebSocket (channel.k8s.io protocols); SPDY is not supported "
          + "here: use kubectl 1.30 or newer, or a client that speaks WebSocket");
      return;
    }
    // accept the client's WebSocket at once, then reach the kubelet; a failure becomes a Status on channel 3
    req.toWebSocket().onSuccess(downstream -> {
      downstream.pause();
      downstream.endHandler(v -> RequestMetrics.upgradeEnded(ctx));
      target(ctx).compose(t -> {
        String path = "/" + verb + "/" + t.pod().getMetadata().getNamespace() + "/" + t.pod().getMetadata().getName()
            + "/" + t.container() + query(req.params(), params);
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(t.host()).setPort(t.port()).setURI(path);
        if (downstream.subProtocol() != null) {
          o.addSubProtocol(downstream.subProtocol());
        }
        return ws.connect(o).recover(err -> Future.failedFuture(new Refused(503, "ServiceUnavailable",
            "cannot reach the kubelet of node " + t.pod().getSpec().getNodeName() + ": " + err.getMessage())));
      }).onComplete(ar -> {
        if (ar.failed()) {
          String message = ar.cause().getMessage();
          ObjectNode s = Json.MAPPER.createObjectNode();
          s.putObject("metadata");
          s.put("status", "Failure").put("message", message).put("reason", ar.cause() instanceof Refused r ? r.reason : "InternalError");
          byte[] json = Json.bytes(s);
          downstream.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(json.length + 1).appendByte((byte) 3).appendBytes(json));
          downstream.close();
          return;
        }
        io.vertx.core.http.WebSocket upstream = ar.result();
        downstream.frameHandler(f -> upstream.writeFrame(f));
        upstream.frameHandler(f -> downstream.writeFrame(f));
        downstream.closeHandler(v -> upstream.close());
        upstream.closeHandler(v -> downstream.close());
        downstream.exceptionHandler(e -> upstream.close());
        upstream.exceptionHandler(e -> downstream.close());
        downstream.resume();
      });
    });
  }

  private static String query(MultiMap params, List<String> names) {
    StringBuilder b = new StringBuilder();
    for (String n : names) {
      for (String v : params.getAll(n)) {
        b.append(b.length() == 0 ? '?' : '&').append(n).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
    }
    return b.toString();
  }

  private static final class Refused extends RuntimeException {
    final int code;
    final String reason;

    Refused(int code, String reason, String message) {
      super(message);
      this.code = code;
      this.reason = reason;
    }
  }

  private static void fail(RoutingContext ctx, Throwable err) {
    if (err instanceof Refused r) {
      fail(ctx, r.code, r.reason, r.getMessage());
    } else {
      fail(ctx, 503, "ServiceUnavailable", String.valueOf(err.getMessage()));
    }
  }

  private static void fail(RoutingContext ctx, int code, String reason, String message) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    ObjectNode s = Json.MAPPER.createObjectNode();
    s.put("kind", "Status").put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    ctx.response().setStatusCode(code).putHeader("Content-Type", "application/json").end(Json.string(s));
  }
}
