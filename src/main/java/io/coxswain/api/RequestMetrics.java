package io.coxswain.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API server's request meters, under the names and labels of Kubernetes' own API server, so the dashboards
 * and alerts written for it read a master as they read kube-apiserver:
 * <ul>
 *   <li>{@code apiserver_request_total{verb,group,version,resource,subresource,scope,component,code}}: every
 *       request answered, with kube-apiserver's verbs (GET of one object, LIST, WATCH, POST, PUT, PATCH, APPLY,
 *       DELETE, DELETECOLLECTION, and CONNECT for exec, attach and port forwarding) and scopes (cluster,
 *       namespace, resource);</li>
 *   <li>{@code apiserver_request_duration_seconds} (a histogram with kube-apiserver's buckets, 5 ms to 60 s):
 *       how long each answer took, watches and CONNECT sessions left out (they last as long as the client
 *       keeps them);</li>
 *   <li>{@code apiserver_current_inflight_requests{request_kind="readOnly"|"mutating"}} and
 *       {@code apiserver_longrunning_requests{verb="WATCH",...}}: requests under way, open watches and sessions apart.</li>
 * </ul>
 * Plain paths ({@code /healthz}, {@code /readyz}, {@code /version}, {@code /metrics}, discovery) are counted
 * with the path as their subresource, as Kubernetes counts them. A resource or path the server does not know
 * (what any client may send) is counted with empty labels, so no client can grow the label sets.
 */
public final class RequestMetrics {
  static final Duration[] BUCKETS = seconds(0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4,
      5, 6, 8, 10, 15, 20, 30, 45, 60);
  private static final Set<String> SUBRESOURCES = Set.of("status", "binding", "scale", "log", "exec", "attach",
      "portforward", "proxy", "finalize", "eviction", "ephemeralcontainers");
  private static final Set<String> STREAMS = Set.of("exec", "attach", "portforward", "proxy");
  private static final Set<String> PLAIN_PATHS = Set.of("/healthz", "/readyz", "/livez", "/version", "/metrics",
      "/api", "/apis", "/openapi/v2", "/openapi/v3");

  /** What a request is, in the labels of Kubernetes' request metrics. */
  record RequestInfo(String verb, String group, String version, String resource, String subresource, String scope) {
    /** A watch or a streaming session (exec, attach, port forwarding): open as long as the client keeps it. */
    boolean watch() {
      return verb.equals("WATCH") || verb.equals("CONNECT");
    }

    Tags tags() {
      return Tags.of("verb", verb, "group", group, "version", version, "resource", resource,
          "subresource", subresource, "scope", scope, "component", "apiserver");
    }
  }

  private record Outcome(RequestInfo info, int code) {}

  private final MeterRegistry registry;
  private final Set<String> known = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<Outcome, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<RequestInfo, Timer> timers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<RequestInfo, AtomicInteger> watches = new ConcurrentHashMap<>();
  private final AtomicInteger readOnly = new AtomicInteger();
  private final AtomicInteger mutating = new AtomicInteger();

  public RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("apiserver.current.inflight.requests", Tags.of("request_kind", "readOnly"), readOnly);
    registry.gauge("apiserver.current.inflight.requests", Tags.of("request_kind", "mutating"), mutating);
  }

  /**
   * Names a resource this server serves ({@code group} "" for the core group): its requests are labelled by it,
   * those of resources it does not name with empty labels.
   */
  public RequestMetrics serves(String group, String version, String resource) {
    known.add(group + "/" + version + "/" + resource);
    return this;
  }

  /** The handler that measures each request: the server's first (so refused requests are counted too). */
  public void measure(Router router) {
    router.route().handler(this::measure);
  }

  /**
   * {@code GET /metrics}: the registry's Prometheus text, gathered off the event loop (reading some gauges walks
   * the store). Mount it behind authentication.
   */
  public void serve(Router router) {
    router.get("/metrics").handler(ctx -> {
      if (!(registry instanceof PrometheusMeterRegistry prometheus)) {
        ctx.next();
        return;
      }
      ctx.vertx().executeBlocking(prometheus::scrape, false).onComplete(ar -> {
        if (ar.succeeded()) {
          ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
        } else {
          ctx.fail(ar.cause());
        }
      });
    });
  }

  private static final String UPGRADE_ENDED = "coxswain.metrics.upgradeEnded";

  /** For a handler that upgraded {@code ctx}'s request to a WebSocket: the WebSocket closed. */
  public static void upgradeEnded(RoutingContext ctx) {
    Runnable ended = ctx.get(UPGRADE_ENDED);
    if (ended != null) {
      ended.run();
    }
  }

  private void measure(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    long start = System.nanoTime();
    RequestInfo info = classify(req.method(), req.path(), req.getParam("watch"), req.getHeader("Content-Type"));
    AtomicInteger underWay = info.watch() ? watches.computeIfAbsent(info, this::watchGauge)
        : readOnly(req.method()) ? readOnly : mutating;
    underWay.incrementAndGet();
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    ctx.addEndHandler(ar -> {
      if (done.compareAndSet(false, true)) {
        underWay.decrementAndGet();
        record(info, ctx.response().getStatusCode(), System.nanoTime() - start);
      }
    });
    if ("websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
      // an upgraded request never ends as a response: its handler tells when its WebSocket closed (counted as
      // 101, as Kubernetes counts a session)
      ctx.put(UPGRADE_ENDED, (Runnable) () -> {
        if (done.compareAndSet(false, true)) {
          underWay.decrementAndGet();
          record(info, 101, System.nanoTime() - start);
        }
      });
    }
    ctx.next();
  }

  void record(RequestInfo info, int code, long nanos) {
    counters.computeIfAbsent(new Outcome(info, code), o -> Counter.builder("apiserver.request")
        .tags(o.info().tags()).tag("code", Integer.toString(o.code())).register(registry)).increment();
    if (!info.watch()) {
      timers.computeIfAbsent(info, i -> Timer.builder("apiserver.request.duration").tags(i.tags())
          .serviceLevelObjectives(BUCKETS).register(registry)).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  private AtomicInteger watchGauge(RequestInfo info) {
    AtomicInteger open = new AtomicInteger();
    registry.gauge("apiserver.longrunning.requests", info.tags(), open);
    return open;
  }

  private static boolean readOnly(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS;
  }

  /**
   * A request's labels from its method, path, {@code watch} parameter and content type, as kube-apiserver
   * names them: {@code /api/v1/namespaces/default/pods} is a LIST of pods in scope namespace,
   * {@code /api/v1/namespaces/default/pods/web/status} a GET of pods' status subresource in scope resource.
   */
  RequestInfo classify(HttpMethod method, String path, String watchParam, String contentType) {
    String[] seg = path.split("/");
    int i;
    String group;
    String version;
    if (seg.length >= 3 && seg[1].equals("api")) {
      group = "";
      version = seg[2];
      i = 3;
    } else if (seg.length >= 4 && seg[1].equals("apis")) {
      group = seg[2];
      version = seg[3];
      i = 4;
    } else {
      String plain = PLAIN_PATHS.contains(path) ? path
          : path.startsWith("/openapi/v3/") ? "/openapi/v3" : path.startsWith("/apis/") ? "/apis" : "";
      return new RequestInfo(method.name(), "", "", "", plain, "");
    }
    boolean watchPath = i < seg.length && seg[i].equals("watch");
    if (watchPath) {
      i++;
    }
    String namespace = null;
    if (i + 2 < seg.length && seg[i].equals("namespaces") && !SUBRESOURCES.contains(seg[i + 2])) {
      namespace = seg[i + 1];
      i += 2;
    }
    if (i >= seg.length) { // discovery: /api/v1, /apis/GROUP/VERSION
      return new RequestInfo(method.name(), "", "", "", "/" + seg[1], "");
    }
    String resource = seg[i];
    String name = i + 1 < seg.length ? seg[i + 1] : null;
    String sub = i + 2 < seg.length ? seg[i + 2] : "";
    if (!known.contains(group + "/" + version + "/" + resource)) {
      return new RequestInfo(method.name(), "", "", "", "", "");
    }
    String scope = name != null ? "resource" : namespace != null ? "namespace" : "cluster";
    boolean watch = watchPath || "true".equals(watchParam) || "1".equals(watchParam);
    String verb;
    if (STREAMS.contains(sub)) {
      verb = "CONNECT";
    } else if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
      verb = watch ? "WATCH" : name == null ? "LIST" : "GET";
    } else if (method == HttpMethod.DELETE) {
      verb = name == null ? "DELETECOLLECTION" : "DELETE";
    } else if (method == HttpMethod.PATCH && contentType != null
        && MediaTypes.bare(contentType).equals(Patches.APPLY)) {
      verb = "APPLY";
    } else {
      verb = method.name();
    }
    return new RequestInfo(verb, group, version, resource, SUBRESOURCES.contains(sub) ? sub : "", scope);
  }

  private static Duration[] seconds(double... s) {
    Duration[] out = new Duration[s.length];
    for (int i = 0; i < s.length; i++) {
      out[i] = Duration.ofNanos((long) (s[i] * 1e9));
    }
    return out;
  }
}
