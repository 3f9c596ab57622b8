package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.registry.DeleteRequest;
import io.coxswain.api.registry.FieldError;
import io.coxswain.api.registry.ListPage;
import io.coxswain.api.registry.ListQuery;
import io.coxswain.api.registry.Registry;
import io.coxswain.api.registry.ResourceRegistry;
import io.coxswain.api.registry.ServedResource;
import io.coxswain.api.registry.ServiceAllocations;
import io.coxswain.model.Json;
import io.coxswain.security.Authorizer;
import io.coxswain.security.Identity;
import io.coxswain.security.RequestAttributes;
import io.coxswain.security.TlsEngine;
import io.coxswain.store.CompactedException;
import io.coxswain.store.Store;
import io.coxswain.store.StoreException;
import io.coxswain.store.UnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes core/v1 API over a {@link Store}: discovery, health, CRUD, patch, watch, server-side
 * tables, JSON and YAML. Deploy one per master:
 *
 * <pre>
 *   ApiServerVerticle api = new ApiServerVerticle(store, ApiServerConfig.from(nodeConfig));
 *   vertx.deployVerticle(api).await();   // api.actualPort() is then the bound port
 * </pre>
 */
public final class ApiServerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServerVerticle.class);
  private final UnknownFields unknownFields = new UnknownFields(Json.MAPPER);

  private final Store store;
  private final List<ServedResource> served;
  private final ApiServerConfig config;
  private final Clock clock;
  private final TableRenderer tables;
  private Registry registry;
  private HttpServer server;
  private volatile int actualPort;

  /** The core/v1 resources with their strategies and kubectl's table columns: what a master deploys. */
  public ApiServerVerticle(Store store, ApiServerConfig config) {
    this(store, ServedResource.of(new io.coxswain.api.registry.CoreResources(config.nodePortMin(), config.nodePortMax())),
        config, Clock.systemUTC(), new PrinterTables(Clock.systemUTC()));
  }

  public ApiServerVerticle(Store store, List<ServedResource> served, ApiServerConfig config) {
    this(store, served, config, Clock.systemUTC(), null);
  }

  /** @param tables how rows of server-side tables are printed (null: NAME and AGE only) */
  public ApiServerVerticle(Store store, List<ServedResource> served, ApiServerConfig config, Clock clock,
                           TableRenderer tables) {
    this.store = store;
    this.served = List.copyOf(served);
    this.config = config;
    this.clock = clock;
    this.tables = tables == null ? new NameAgeTable(clock) : tables;
  }

  private final List<java.util.function.Consumer<Router>> extraRoutes = new ArrayList<>();

  /** Adds routes beside core/v1 (the masters' own API), ahead of the server's own; call before deploying. */
  public ApiServerVerticle withRoutes(java.util.function.Consumer<Router> routes) {
    extraRoutes.add(routes);
    return this;
  }

  private RequestMetrics metrics;

  /** Measures every request and serves {@code GET /metrics}; call before deploying. */
  public ApiServerVerticle withMetrics(RequestMetrics metrics) {
    this.metrics = metrics;
    return this;
  }

  /** exec's and attach's channel protocols, then port forwarding's. */
  private static List<String> webSocketSubProtocols() {
    List<String> all = new ArrayList<>(KubeletRelay.SUBPROTOCOLS);
    all.add(PortForward.PROTOCOL);
    return all;
  }

  /** The names of the core/v1 resources this server serves. */
  public List<String> resourceNames() {
    return served.stream().map(r -> r.strategy().resource()).toList();
  }

  /** The registries this server writes through (available after start). */
  public Registry registry() {
    return registry;
  }

  /** The port the server listens on (after start). */
  public int actualPort() {
    return actualPort;
  }

  @Override
  public Future<?> start() {
    ServiceAllocations allocations = new ServiceAllocations(config.serviceCidr(), config.nodePortMin(),
        config.nodePortMax(), new SecureRandom());
    registry = new Registry(store, served, allocations, clock, new SecureRandom());
    Router router = Router.router(vertx);
    if (metrics != null) {
      served.forEach(r -> metrics.serves("", "v1", r.strategy().resource()));
      metrics.serves("", "v1", "bindings");
      metrics.measure(router);
    }
    if (config.security() != null) {
      router.route().handler(this::authenticate);
    }
    if (metrics != null) {
      metrics.serve(router);
    }
    // then: an extra API may also answer a discovery path (the metrics API names its group in /apis)
    extraRoutes.forEach(r -> r.accept(router));
    router.get("/version").handler(ctx -> send(ctx, 200, Discovery.version(config.gitVersion())));
    router.get("/version/").handler(ctx -> send(ctx, 200, Discovery.version(config.gitVersion())));
    router.get("/api").handler(ctx -> send(ctx, 200, Discovery.apiVersions(config.host() + ":" + actualPort)));
    router.get("/api/").handler(ctx -> send(ctx, 200, Discovery.apiVersions(config.host() + ":" + actualPort)));
    router.get("/api/v1").handler(ctx -> send(ctx, 200, Discovery.resources(served)));
    router.get("/api/v1/").handler(ctx -> send(ctx, 200, Discovery.resources(served)));
    router.get("/apis").handler(ctx -> send(ctx, 200, Discovery.apiGroups()));
    router.get("/apis/").handler(ctx -> send(ctx, 200, Discovery.apiGroups()));
    for (String group : List.of(ReviewApi.AUTHORIZATION, ReviewApi.AUTHENTICATION)) {
      router.get("/apis/" + group).handler(ctx -> send(ctx, 200, ReviewApi.group(group)));
      router.get("/apis/" + group + "/v1").handler(ctx -> send(ctx, 200, ReviewApi.resources(group)));
    }
    router.post(ReviewApi.ACCESS_REVIEWS).handler(ctx -> review(ctx,
        b -> ReviewApi.accessReview(caller(ctx), b, config.security() != null)));
    router.post(ReviewApi.SELF_REVIEWS).handler(ctx -> review(ctx, b -> ReviewApi.selfReview(caller(ctx), b)));
    router.post(ReviewApi.RULES_REVIEWS).handler(ctx -> review(ctx,
        b -> ReviewApi.rulesReview(caller(ctx), b, config.security() != null)));
    // made on the first request (kubectl's first apply, create or explain), not at start, and off the event
    // loop: its schemas are ~175 types read from the model (~0.5 s before the JIT has compiled Jackson's
    // introspection); then kept as the bytes it is sent as, named by their hash as kubectl caches it
    OpenApi.Lazy openApi = new OpenApi.Lazy(served, config.gitVersion());
    Handler<RoutingContext> openApiRoot = ctx -> withOpenApi(ctx, openApi, d -> send(ctx, 200, OpenApi.root(d.hash())));
    router.get("/openapi/v3").handler(openApiRoot);
    router.get("/openapi/v3/").handler(openApiRoot);
    router.get("/openapi/v3/api/v1").handler(ctx -> withOpenApi(ctx, openApi,
        d -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, MediaTypes.JSON).end(Buffer.buffer(d.bytes()))));
    router.get("/healthz").handler(ctx -> plain(ctx, 200, "ok"));
    router.get("/livez").handler(ctx -> plain(ctx, 200, "ok"));
    router.get("/readyz").handler(this::readyz);
    router.route("/api/v1/*").handler(this::resourceRequest);
    router.route().handler(ctx -> error(ctx, ApiException.notFoundPath(ctx.request().path())));
    HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
        .setCompressionSupported(true).setMaxChunkSize(64 * 1024)
        // HTTP/1.1 on cleartext, as Kubernetes' API server: a JDK client (fabric8's, the bench's) would
        // otherwise upgrade to h2c and funnel every request through one connection, several times slower
        .setHttp2ClearTextEnabled(false)
        .setWebSocketSubProtocols(webSocketSubProtocols());
    if (config.security() != null) {
      // HTTPS (HTTP/1.1: no ALPN), client certificates asked for and checked against the cluster CA
      TlsEngine.preferred(options.setSsl(true).setKeyCertOptions(config.security().keyCertOptions())
          .setTrustOptions(config.security().serving().trustOptions()).setClientAuth(ClientAuth.REQUEST));
    }
    return vertx.createHttpServer(options).requestHandler(router).listen().onSuccess(s -> {
      server = s;
      actualPort = s.actualPort();
      LOG.info("API server listening on {}:{}{}", config.host(), actualPort,
          config.security() == null ? "" : " (TLS: " + TlsEngine.name() + ")");
      ensureNamespaces(0);
    });
  }

  @Override
  public Future<?> stop() {
    componentCalls.shutdown();
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** Creates default and kube-system once the store takes writes; retried until it does. */
  private void ensureNamespaces(int attempt) {
    if (registry.resource("namespaces") == null) {
      return;
    }
    Future.fromCompletionStage(registry.ensureNamespace("default")
        .thenCompose(v -> registry.ensureNamespace("kube-system")), context)
        .onFailure(e -> {
          if (attempt % 10 == 0) {
            LOG.info("default namespaces not created yet: {}", unwrap(e).getMessage());
          }
          vertx.setTimer(Math.min(5000, 200L * (attempt + 1)), t -> ensureNamespaces(attempt + 1));
        });
  }

  // ---------------------------------------------------------------- health

  private void readyz(RoutingContext ctx) {
    CompletableFuture<?> probe = store.get("/registry/health", Store.Consistency.LINEARIZABLE)
        .orTimeout(2, java.util.concurrent.TimeUnit.SECONDS);
    Future.fromCompletionStage(probe, context).onComplete(ar -> {
      if (ar.succeeded()) {
        plain(ctx, 200, "ok");
      } else {
        plain(ctx, 503, "[-]store failed: " + unwrap(ar.cause()).getMessage() + "\nreadyz check failed");
      }
    });
  }

  private static void plain(RoutingContext ctx, int code, String text) {
    ctx.response().setStatusCode(code).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end(text);
  }

  // ---------------------------------------------------------------- dispatch

  /** A request under /api/v1 taken apart. */
  record Target(ResourceRegistry<?> registry, String resource, String namespace, String name, String sub, boolean watchPath) {}

  private Target parse(String path) {
    String rest = path.substring("/api/v1".length());
    List<String> seg = new ArrayList<>(Arrays.asList(rest.split("/")));
    seg.removeIf(String::isEmpty);
    boolean watchPath = false;
    if (!seg.isEmpty() && seg.get(0).equals("watch")) {
      watchPath = true;
      seg.remove(0);
    }
    if (seg.isEmpty()) {
      throw ApiException.notFoundPath(path);
    }
    String ns = null;
    if (seg.get(0).equals("namespaces") && seg.size() >= 3 && isNamespacedResource(seg.get(2))) {
      ns = seg.get(1);
      seg = seg.subList(2, seg.size());
    }
    String resource = seg.get(0);
    String name = seg.size() > 1 ? seg.get(1) : null;
    String sub = seg.size() > 2 ? seg.get(2) : null;
    if (seg.size() > 3) {
      throw ApiException.notFoundPath(path);
    }
    if (resource.equals("bindings")) {
      if (ns == null || name != null) {
        throw ApiException.notFoundPath(path);
      }
      return new Target(registry.resource("pods"), "bindings", ns, null, null, watchPath);
    }
    ResourceRegistry<?> r = registry.resource(resource);
    if (r == null) {
      throw ApiException.of(404, "NotFound", "the server could not find the requested resource (" + resource + ")",
          null, null, null, null);
    }
    if (r.namespaced() && ns == null && name != null) {
      throw ApiException.notFoundPath(path);
    }
    if (sub != null && !r.served().has(sub)) {
      throw ApiException.of(404, "NotFound", "the server could not find the requested resource (" + resource + "/" + sub + ")",
          null, null, null, null);
    }
    return new Target(r, resource, r.namespaced() ? ns : null, name, sub, watchPath);
  }

  private boolean isNamespacedResource(String name) {
    if (name.equals("bindings")) {
      return true;
    }
    ResourceRegistry<?> r = registry.resource(name);
    return r != null && r.namespaced();
  }

  private void resourceRequest(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    Target t;
    try {
      t = parse(req.path());
    } catch (ApiException e) {
      error(ctx, e);
      return;
    }
    HttpMethod m = req.method();
    if (m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH
        || (m == HttpMethod.DELETE && hasBody(req))) {
      readBody(ctx, body -> handle(ctx, t, body));
    } else {
      handle(ctx, t, null);
    }
  }

  private static boolean hasBody(HttpServerRequest req) {
    String len = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    return (len != null && !len.equals("0")) || req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
  }

  // ---------------------------------------------------------------- authentication and authorization

  static final String BODY_KEY = "coxswain.body";
  /** Where the identity of an authenticated request is kept in its routing context. */
  public static final String IDENTITY_KEY = "coxswain.identity";

  /** Finds who sends the request (client certificate, then bearer token) and whether they may; 401/403 if not. */
  private void authenticate(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (Authorizer.isPublic(req.method().name(), req.path())) {
      ctx.next();
      return;
    }
    if (!req.isEnded()) {
      req.pause(); // the body waits until the request is let through (deciding may look things up first)
    }
    Identity fromCertificate = certificateIdentity(req);
    if (fromCertificate != null) {
      authorize(ctx, fromCertificate);
      return;
    }
    String auth = req.getHeader(HttpHeaders.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && config.security().bearer() != null) {
      Future.fromCompletionStage(config.security().bearer().apply(auth.substring(7).trim()), context)
          .onComplete(ar -> {
            if (ar.succeeded() && ar.result() != null) {
              authorize(ctx, ar.result());
            } else {
              refuse(ctx, unauthorized());
            }
          });
      return;
    }
    refuse(ctx, unauthorized());
  }

  private static ApiException unauthorized() {
    return ApiException.of(401, "Unauthorized", "Unauthorized", null, null, null, null);
  }

  /**
   * The identities of the client certificates seen lately (a certificate's equality is its encoded form):
   * each request on a connection presents the same certificate, and parsing its subject's names again took
   * ~4 % of a member's API event loop under a stream of creates. TLS verified the certificate before any request.
   */
  private static final Map<java.security.cert.Certificate, Identity> CERTIFICATE_IDENTITIES =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static Identity certificateIdentity(HttpServerRequest req) {
    if (!req.isSSL()) {
      return null;
    }
    try {
      List<java.security.cert.Certificate> chain = req.connection().peerCertificates();
      if (chain != null && !chain.isEmpty() && chain.get(0) instanceof java.security.cert.X509Certificate x) {
        Identity known = CERTIFICATE_IDENTITIES.get(x);
        if (known == null) {
          known = Identity.of(x);
          if (CERTIFICATE_IDENTITIES.size() >= 1024) {
            CERTIFICATE_IDENTITIES.clear();
          }
          CERTIFICATE_IDENTITIES.put(x, known);
        }
        return known;
      }
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      // no client certificate
    }
    return null;
  }

  private void authorize(RoutingContext ctx, Identity who) {
    HttpServerRequest req = ctx.request();
    ctx.put(IDENTITY_KEY, who);
    RequestAttributes a = RequestAttributes.of(req.method().name(), req.path(), truthy(req.getParam("watch")));
    if (who.isAdmin()) {
      req.resume();
      ctx.next();
      return;
    }
    if (Authorizer.needsBoundNode(who, a) && registry.resource("pods") != null && a.namespace() != null) {
      Future.fromCompletionStage(registry.resource("pods").get(a.namespace(), a.name(), Store.Consistency.LINEARIZABLE),
          context).onComplete(ar -> {
            if (ar.failed() && unwrap(ar.cause()) instanceof ApiException e && e.code() == 404) {
              decided(ctx, who, a, Authorizer.decideMissingPod(who, a));
              return;
            }
            String bound = ar.succeeded() ? ar.result().path("spec").path("nodeName").asText(null) : null;
            decided(ctx, who, a, Authorizer.decide(who, a, bound, null));
          });
      return;
    }
    if (who.nodeName() != null && "nodes".equals(a.resource()) && a.verb().equals("create")) {
      readBody(ctx, body -> {
        ctx.put(BODY_KEY, body);
        String name;
        try {
          name = Json.MAPPER.readTree(body.getBytes()).path("metadata").path("name").asText("");
        } catch (java.io.IOException | RuntimeException e) {
          name = "";
        }
        decided(ctx, who, a, Authorizer.decide(who, a, null, name));
      });
      return;
    }
    decided(ctx, who, a, Authorizer.decide(who, a, null, null));
  }

  private void decided(RoutingContext ctx, Identity who, RequestAttributes a, Authorizer.Decision d) {
    if (d.allowed()) {
      if (ctx.get(BODY_KEY) == null) {
        ctx.request().resume();
      }
      ctx.next();
      return;
    }
    String what = a.isResource()
        ? (a.name() == null ? a.resourcePath() : a.resource() + " \"" + a.name() + "\"") + " is forbidden: User \""
            + who.user() + "\" cannot " + a.verb() + " resource \"" + a.resourcePath() + "\" in API group \"\""
            + (a.namespace() == null ? " at the cluster scope" : " in the namespace \"" + a.namespace() + "\"")
        : "forbidden: User \"" + who.user() + "\" cannot " + a.verb() + " path \"" + a.path() + "\"";
    refuse(ctx, ApiException.of(403, "Forbidden", what + ": " + d.reason(), null, a.resource(), a.name(), null));
  }

  /** Who the request is from: its authenticated identity, or anonymous on a server that checks none. */
  private static Identity caller(RoutingContext ctx) {
    Identity who = ctx.get(IDENTITY_KEY);
    return who == null ? ReviewApi.ANONYMOUS : who;
  }

  /** A self review: the body (JSON, YAML or protobuf) read, answered with 201 as Kubernetes answers a review. */
  private void review(RoutingContext ctx, java.util.function.Function<JsonNode, ObjectNode> answer) {
    readBody(ctx, body -> {
      try {
        send(ctx, 201, answer.apply(parseBody(ctx.request(), body)));
      } catch (RuntimeException e) {
        error(ctx, e);
      }
    });
  }

  /** Answers a refused request, letting its (unread) body go. */
  private void refuse(RoutingContext ctx, ApiException e) {
    if (ctx.get(BODY_KEY) == null) {
      ctx.request().resume();
    }
    error(ctx, e);
  }

  /** Collects the body, answering 413 (without keeping the excess) when it is larger than allowed. */
  private void readBody(RoutingContext ctx, java.util.function.Consumer<Buffer> then) {
    Buffer already = ctx.get(BODY_KEY);
    if (already != null) {
      then.accept(already);
      return;
    }
    HttpServerRequest req = ctx.request();
    long limit = config.maxBodyBytes();
    String len = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    boolean[] tooLarge = {false};
    if (len != null) {
      try {
        tooLarge[0] = Long.parseLong(len.trim()) > limit;
      } catch (NumberFormatException e) {
        error(ctx, ApiException.badRequest("invalid Content-Length"));
        return;
      }
    }
    Buffer body = Buffer.buffer();
    long[] seen = {0};
    req.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > limit) {
        tooLarge[0] = true;
      }
      if (!tooLarge[0]) {
        body.appendBuffer(chunk);
      } else if (seen[0] > 16 * limit) {
        req.connection().close();
      }
    });
    req.exceptionHandler(e -> LOG.debug("request body failed: {}", e.toString()));
    req.endHandler(v -> {
      if (tooLarge[0]) {
        error(ctx, ApiException.tooLarge(limit));
      } else {
        then.accept(body);
      }
    });
    req.resume();
  }

  private void handle(RoutingContext ctx, Target t, Buffer body) {
    try {
      HttpServerRequest req = ctx.request();
      MultiMap q = req.params();
      MediaTypes.Answer answer = MediaTypes.negotiate(req.getHeader(HttpHeaders.ACCEPT), true);
      if (answer == null) {
        throw ApiException.notAcceptable(req.getHeader(HttpHeaders.ACCEPT));
      }
      HttpMethod m = req.method();
      ResourceRegistry<?> r = dryRun(t.registry(), dryRunValues(req, body), m);
      if (t.resource().equals("bindings")) {
        if (m != HttpMethod.POST) {
          throw ApiException.methodNotAllowed("bindings only accept create (POST)");
        }
        JsonNode b = parseBody(req, body);
        String pod = b.path("metadata").path("name").asText("");
        if (pod.isEmpty()) {
          throw ApiException.invalid("Binding", "", List.of(io.coxswain.api.registry.FieldError.required("metadata.name", "")));
        }
        reply(ctx, answer, () -> r.bind(t.namespace(), pod, b).thenApply(x -> success(201)), 201, t);
        return;
      }
      boolean watch = t.watchPath() || truthy(q.get("watch"));
      if (m == HttpMethod.GET) {
        if (watch) {
          if (t.name() != null) {
            WatchStream.start(this, ctx, t, q, answer, t.name());
          } else {
            WatchStream.start(this, ctx, t, q, answer, null);
          }
          return;
        }
        if (t.name() == null) {
          list(ctx, t, q, answer);
        } else if ("scale".equals(t.sub())) {
          reply(ctx, answer, () -> r.get(t.namespace(), t.name(), Store.Consistency.LINEARIZABLE)
              .thenApply(ResourceRegistry::scaleOf), 200, null);
        } else if (t.sub() == null || t.sub().equals("status")) {
          Store.Consistency c = "0".equals(q.get("resourceVersion")) ? Store.Consistency.LOCAL : Store.Consistency.LINEARIZABLE;
          reply(ctx, answer, () -> r.get(t.namespace(), t.name(), c), 200, t);
        } else {
          throw ApiException.of(404, "NotFound", t.resource() + "/" + t.sub() + " is not served by this API server",
              null, null, null, null);
        }
        return;
      }
      if (watch) {
        throw ApiException.methodNotAllowed("watch only works with GET");
      }
      if (m == HttpMethod.POST) {
        if (t.name() != null) {
          if ("binding".equals(t.sub())) {
            JsonNode b = parseBody(req, body);
            reply(ctx, answer, () -> r.bind(t.namespace(), t.name(), b).thenApply(x -> success(201)), 201, t);
            return;
          }
          throw ApiException.methodNotAllowed("POST is not supported on " + req.path() + "; use PUT or PATCH");
        }
        JsonNode b = parseBody(req, body);
        checkFields(ctx, r, b, q);
        if (answer.yaml() || answer.table()) {
          reply(ctx, answer, () -> r.create(t.namespace(), b), 201, t);
        } else {
          replyJson(ctx, () -> r.createEncoded(t.namespace(), b).thenApply(ResourceRegistry.Created::json), 201);
        }
        return;
      }
      if (t.name() == null && m != HttpMethod.DELETE) {
        throw ApiException.methodNotAllowed(m.name() + " needs an object name in the path");
      }
      if (m == HttpMethod.PUT) {
        JsonNode b = parseBody(req, body);
        if (!"scale".equals(t.sub())) {
          checkFields(ctx, r, b, q);
        }
        if ("scale".equals(t.sub())) {
          reply(ctx, answer, () -> r.updateScale(t.namespace(), t.name(), s -> (ObjectNode) b.deepCopy()), 200, null);
        } else {
          reply(ctx, answer, () -> r.update(t.namespace(), t.name(), b, t.sub()), 200, t);
        }
        return;
      }
      if (m == HttpMethod.PATCH) {
        String type = MediaTypes.bare(req.getHeader(HttpHeaders.CONTENT_TYPE));
        if (type.equals(Patches.APPLY)) {
          serverSideApply(ctx, r, t, q, body, answer);
          return;
        }
        if (!type.equals(Patches.JSON) && !type.equals(Patches.MERGE) && !type.equals(Patches.STRATEGIC)) {
          throw ApiException.unsupportedMediaType(type, List.of(Patches.JSON, Patches.MERGE, Patches.STRATEGIC, Patches.APPLY));
        }
        if (q.get("force") != null) {
          throw ApiException.invalid("PatchOptions.meta.k8s.io", "",
              List.of(FieldError.forbidden("force", "may not be specified for non-apply patch")));
        }
        JsonNode patch = parseJson(body, "patch");
        if (!"scale".equals(t.sub()) && !type.equals(Patches.JSON)) {
          checkFields(ctx, r, patch, q); // a merge or strategic patch has the object's shape
        }
        if ("scale".equals(t.sub())) {
          ResourceRegistry<?> rr = r;
          reply(ctx, answer, () -> r.updateScale(t.namespace(), t.name(), s -> patchScale(rr, s, type, patch)), 200, null);
        } else {
          reply(ctx, answer, () -> r.patch(t.namespace(), t.name(), type, patch, t.sub()), 200, t);
        }
        return;
      }
      if (m == HttpMethod.DELETE) {
        DeleteRequest opts = deleteOptions(req, body);
        if (t.name() == null) {
          ListQuery lq = listQuery(t, q);
          reply(ctx, answer, () -> r.deleteCollection(t.namespace(), lq, opts).thenApply(items -> listOf(r, items, null, null)), 200, null);
        } else if (t.sub() != null) {
          throw ApiException.methodNotAllowed("DELETE is not supported on a subresource");
        } else {
          reply(ctx, answer, () -> r.delete(t.namespace(), t.name(), opts), 200, t);
        }
        return;
      }
      throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
    } catch (RuntimeException e) {
      error(ctx, e);
    }
  }

  /** The dryRun values asked: the query's, and a DELETE's in its DeleteOptions body (where kubectl puts them). */
  private List<String> dryRunValues(HttpServerRequest req, Buffer body) {
    List<String> values = new ArrayList<>(req.params().getAll("dryRun"));
    if (req.method() == HttpMethod.DELETE && body != null && body.length() > 0) {
      JsonNode asked = parseBody(req, body).path("dryRun");
      if (asked.isArray()) {
        asked.forEach(v -> values.add(v.asText()));
      } else if (!asked.isMissingNode() && !asked.isNull()) {
        throw ApiException.badRequest("dryRun in DeleteOptions must be a list");
      }
    }
    return values;
  }

  /**
   * The registry a request writes through: for {@code dryRun=All} (kubectl's {@code --dry-run=server} and
   * {@code diff}) one whose writes are judged and answered but never made; any other dryRun value is refused.
   */
  private ResourceRegistry<?> dryRun(ResourceRegistry<?> r, List<String> values, HttpMethod m) {
    if (values.isEmpty() || m == HttpMethod.GET) {
      return r;
    }
    for (String v : values) {
      if (!v.equals("All")) {
        throw ApiException.badRequest("invalid dryRun \"" + v + "\": the only supported value is All");
      }
    }
    return r.writingTo(new io.coxswain.store.DryRunStore(store));
  }

  private static ObjectNode patchScale(ResourceRegistry<?> r, ObjectNode scale, String type, JsonNode patch) {
    JsonNode out = switch (type) {
      case Patches.JSON -> Patches.jsonPatch(scale, patch);
      default -> Patches.mergePatch(scale, patch);
    };
    if (!(out instanceof ObjectNode o)) {
      throw ApiException.badRequest("the patched Scale is not an object");
    }
    return o;
  }

  static boolean truthy(String v) {
    return v != null && (v.equals("true") || v.equals("1") || v.equalsIgnoreCase("True"));
  }

  private static ObjectNode success(int code) {
    ObjectNode s = Json.MAPPER.createObjectNode();
    s.put("kind", "Status").put("apiVersion", "v1").put("status", "Success").put("code", code);
    s.putObject("metadata");
    return s;
  }

  ListQuery listQuery(Target t, MultiMap q) {
    if (q.get("sendInitialEvents") != null) {
      throw ApiException.invalid(WatchStream.LIST_OPTIONS, "",
          List.of(FieldError.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list")));
    }
    ObjectFilter filter = ObjectFilter.parse(q.get("labelSelector"), q.get("fieldSelector"), t.resource());
    int limit = 0;
    String l = q.get("limit");
    if (l != null && !l.isEmpty()) {
      try {
        limit = Integer.parseInt(l);
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid limit \"" + l + "\": must be an integer");
      }
      if (limit < 0) {
        throw ApiException.badRequest("invalid limit \"" + l + "\": must not be negative");
      }
    }
    return new ListQuery(filter, limit, q.get("continue"), q.get("resourceVersion"), q.get("resourceVersionMatch"));
  }

  private void list(RoutingContext ctx, Target t, MultiMap q, MediaTypes.Answer answer) {
    ListQuery lq = listQuery(t, q);
    ResourceRegistry<?> r = t.registry();
    if (answer.table()) {
      String include = q.get("includeObject");
      reply(ctx, answer, () -> r.list(t.namespace(), lq).thenApply(page -> TableRenderer.table(tables, t.resource(),
          page.items(), include, Long.toString(page.revision()), page.continueToken(), true)), 200, null);
      return;
    }
    reply(ctx, answer, () -> r.list(t.namespace(), lq).thenApply(page -> listOf(r, page.items(),
        Long.toString(page.revision()), page.continueToken())), 200, null);
  }

  static ObjectNode listOf(ResourceRegistry<?> r, List<ObjectNode> items, String resourceVersion, String continueToken) {
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("kind", r.kind() + "List");
    list.put("apiVersion", "v1");
    ObjectNode meta = list.putObject("metadata");
    if (resourceVersion != null) {
      meta.put("resourceVersion", resourceVersion);
    }
    if (continueToken != null) {
      meta.put("continue", continueToken);
    }
    ArrayNode arr = list.putArray("items");
    items.forEach(arr::add);
    return list;
  }

  private DeleteRequest deleteOptions(HttpServerRequest req, Buffer body) {
    Long grace = null;
    String propagation = null;
    String uid = null;
    String rv = null;
    if (body != null && body.length() > 0) {
      JsonNode b = parseBody(req, body);
      String kind = b.path("kind").asText("DeleteOptions");
      if (!kind.equals("DeleteOptions")) {
        throw ApiException.badRequest("the body of a DELETE must be DeleteOptions, not " + kind);
      }
      if (b.has("gracePeriodSeconds") && !b.get("gracePeriodSeconds").isNull()) {
        grace = b.get("gracePeriodSeconds").asLong();
      }
      if (b.path("propagationPolicy").isTextual()) {
        propagation = b.get("propagationPolicy").asText();
      } else if (b.path("orphanDependents").isBoolean()) {
        propagation = b.get("orphanDependents").asBoolean() ? "Orphan" : "Background";
      }
      uid = textOrNull(b.path("preconditions").path("uid"));
      rv = textOrNull(b.path("preconditions").path("resourceVersion"));
    }
    MultiMap q = req.params();
    if (q.get("gracePeriodSeconds") != null) {
      try {
        grace = Long.parseLong(q.get("gracePeriodSeconds"));
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid gracePeriodSeconds \"" + q.get("gracePeriodSeconds") + "\"");
      }
    }
    if (q.get("propagationPolicy") != null) {
      propagation = q.get("propagationPolicy");
    } else if (q.get("orphanDependents") != null) {
      propagation = truthy(q.get("orphanDependents")) ? "Orphan" : "Background";
    }
    if (q.get("preconditions.uid") != null) {
      uid = q.get("preconditions.uid");
    }
    if (q.get("preconditions.resourceVersion") != null) {
      rv = q.get("preconditions.resourceVersion");
    }
    if (propagation != null && !List.of("Orphan", "Background", "Foreground").contains(propagation)) {
      throw ApiException.of(422, "Invalid", "DeleteOptions is invalid: propagationPolicy: Unsupported value: \""
          + propagation + "\": supported values: \"Foreground\", \"Background\", \"Orphan\"", "", "DeleteOptions", null, null);
    }
    return new DeleteRequest(grace, propagation, uid, rv);
  }

  private static String textOrNull(JsonNode n) {
    return n.isTextual() && !n.asText().isEmpty() ? n.asText() : null;
  }

  /** The request body as a JSON tree, from JSON or YAML; malformed input is a 400. */
  JsonNode parseBody(HttpServerRequest req, Buffer body) {
    String type = MediaTypes.bare(req.getHeader(HttpHeaders.CONTENT_TYPE));
    if (MediaTypes.isYaml(type)) {
      try {
        JsonNode n = Json.YAML.readTree(body == null ? new byte[0] : body.getBytes());
        if (n == null || !n.isObject()) {
          throw ApiException.badRequest("the YAML body must be one object");
        }
        return n;
      } catch (java.io.IOException e) {
        throw ApiException.badRequest("the YAML body could not be parsed: " + firstLine(e.getMessage()));
      }
    }
    if (type.equals(ProtobufBody.MEDIA_TYPE)) {
      return ProtobufBody.decode(body == null ? new byte[0] : body.getBytes());
    }
    if (!type.equals(MediaTypes.JSON) && !type.equals("*/*")) {
      throw ApiException.unsupportedMediaType(type, List.of(MediaTypes.JSON, MediaTypes.YAML));
    }
    JsonNode n = parseJson(body, "body");
    if (!n.isObject()) {
      throw ApiException.badRequest("the JSON body must be an object");
    }
    return n;
  }

  /**
   * Server-side apply: the configuration (YAML or JSON) merged in by the manager {@code fieldManager} names,
   * 201 when it created the object.
   */
  private void serverSideApply(RoutingContext ctx, ResourceRegistry<?> r, Target t, MultiMap q, Buffer body,
                               MediaTypes.Answer answer) {
    if (t.sub() != null) {
      throw ApiException.unsupportedMediaType(Patches.APPLY + " of the " + t.sub() + " subresource (apply the object itself)",
          List.of(Patches.JSON, Patches.MERGE, Patches.STRATEGIC));
    }
    String manager = q.get("fieldManager");
    List<FieldError> errors = new ArrayList<>();
    if (manager == null || manager.isEmpty()) {
      errors.add(FieldError.required("fieldManager", "is required for apply requests"));
    } else if (manager.length() > 128) {
      errors.add(FieldError.invalid("fieldManager", manager, "must be no more than 128 characters"));
    }
    String force = q.get("force");
    if (force != null && !force.equalsIgnoreCase("true") && !force.equalsIgnoreCase("false")) {
      throw ApiException.badRequest("invalid force \"" + force + "\": must be true or false");
    }
    if (!errors.isEmpty()) {
      throw ApiException.invalid("PatchOptions.meta.k8s.io", "", errors);
    }
    JsonNode config;
    try {
      config = Json.YAML.readTree(body == null ? new byte[0] : body.getBytes());
    } catch (java.io.IOException e) {
      throw ApiException.badRequest("the applied configuration could not be parsed: " + firstLine(e.getMessage()));
    }
    if (config == null || !config.isObject()) {
      throw ApiException.badRequest("the applied configuration must be one object");
    }
    checkFields(ctx, r, config, q);
    boolean forced = "true".equalsIgnoreCase(force);
    // an apply that finds no object creates it: only for a caller that may create one (it was let through
    // as a patch, which a node may make of a missing pod to get its 404)
    Identity who = ctx.get(IDENTITY_KEY);
    boolean mayCreate = who == null || Authorizer.decide(who, new RequestAttributes("create", t.resource(), null,
        t.namespace(), null, ctx.request().path()), null, config.path("metadata").path("name").asText(t.name())).allowed();
    whenDone(ctx, () -> r.apply(t.namespace(), t.name(), config, manager, forced, mayCreate), applied -> {
      JsonNode out = applied.object();
      if (answer.table()) {
        out = TableRenderer.table(tables, t.resource(), List.of(applied.object()), ctx.request().getParam("includeObject"),
            applied.object().path("metadata").path("resourceVersion").asText(null), null, true);
      }
      send(ctx, applied.created() ? 201 : 200, out, answer);
    });
  }

  static JsonNode parseJson(Buffer body, String what) {
    if (body == null || body.length() == 0) {
      throw ApiException.badRequest("the request " + what + " is empty");
    }
    try {
      JsonNode n = Json.MAPPER.readTree(body.getBytes());
      if (n == null) {
        throw ApiException.badRequest("the request " + what + " is empty");
      }
      return n;
    } catch (java.io.IOException e) {
      throw ApiException.badRequest("the request " + what + " is not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) : line;
  }

  // ---------------------------------------------------------------- answering

  /**
   * Applies the request's {@code fieldValidation} to fields the kind does not have: drops them (with a
   * {@code Warning} header each under Warn, the default), or refuses the request under Strict.
   */
  private void checkFields(RoutingContext ctx, ResourceRegistry<?> r, JsonNode body, MultiMap q) {
    UnknownFields.Mode mode = UnknownFields.Mode.parse(q.get("fieldValidation"));
    List<String> unknown = unknownFields.strip(body, r.modelType());
    if (unknown.isEmpty()) {
      return;
    }
    if (mode == UnknownFields.Mode.STRICT) {
      StringBuilder why = new StringBuilder();
      for (String f : unknown) {
        why.append(why.length() == 0 ? "" : ", ").append("unknown field \"").append(f).append('"');
      }
      throw ApiException.badRequest(r.kind() + " in version \"v1\" cannot be handled as a " + r.kind()
          + ": strict decoding error: " + why);
    }
    if (mode == UnknownFields.Mode.WARN) {
      for (String f : unknown) {
        ctx.response().headers().add("Warning", "299 - \"unknown field \\\"" + f + "\\\"\"");
      }
    }
  }

  private void reply(RoutingContext ctx, MediaTypes.Answer answer, Supplier<CompletableFuture<? extends JsonNode>> call,
                     int code, Target tableTarget) {
    whenDone(ctx, call, result -> {
      JsonNode out = result;
      if (answer.table() && tableTarget != null && out instanceof ObjectNode o && !"Status".equals(o.path("kind").asText())) {
        out = TableRenderer.table(tables, tableTarget.resource(), List.of(o), ctx.request().getParam("includeObject"),
            o.path("metadata").path("resourceVersion").asText(null), null, true);
      }
      send(ctx, code, out, answer);
    });
  }

  /** As {@link #reply}, for an answer already encoded as JSON. */
  private void replyJson(RoutingContext ctx, Supplier<CompletableFuture<byte[]>> call, int code) {
    whenDone(ctx, call, bytes -> {
      HttpServerResponse resp = ctx.response();
      if (!resp.ended() && !resp.closed()) {
        resp.setStatusCode(code).putHeader(HttpHeaders.CONTENT_TYPE, MediaTypes.JSON).end(Buffer.buffer(bytes));
      }
    });
  }

  /** Runs the call and, back on this verticle's context, hands its result on, or answers its failure. */
  private <R> void whenDone(RoutingContext ctx, Supplier<? extends CompletableFuture<? extends R>> call,
                            java.util.function.Consumer<R> then) {
    CompletableFuture<? extends R> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      error(ctx, e);
      return;
    }
    Future.fromCompletionStage(f, context).onComplete(ar -> {
      if (ar.failed()) {
        error(ctx, ar.cause());
        return;
      }
      then.accept(ar.result());
    });
  }

  private void withOpenApi(RoutingContext ctx, OpenApi.Lazy docs, Consumer<OpenApi.Encoded> then) {
    OpenApi.Encoded made = docs.ifMade();
    if (made != null) {
      then.accept(made);
      return;
    }
    vertx.executeBlocking(docs::get, false).onComplete(ar -> {
      if (ar.failed()) {
        error(ctx, ar.cause());
      } else {
        then.accept(ar.result());
      }
    });
  }

  void send(RoutingContext ctx, int code, JsonNode body) {
    MediaTypes.Answer a = MediaTypes.negotiate(ctx.request().getHeader(HttpHeaders.ACCEPT), false);
    send(ctx, code, body, a == null ? new MediaTypes.Answer(false, false) : a);
  }

  void send(RoutingContext ctx, int code, JsonNode body, MediaTypes.Answer answer) {
    HttpServerResponse resp = ctx.response();
    if (resp.ended() || resp.closed()) {
      return;
    }
    try {
      byte[] bytes = answer.yaml() ? Json.YAML.writeValueAsBytes(body) : Json.MAPPER.writeValueAsBytes(body);
      resp.setStatusCode(code)
          .putHeader(HttpHeaders.CONTENT_TYPE, answer.yaml() ? MediaTypes.YAML : MediaTypes.JSON)
          .end(Buffer.buffer(bytes));
    } catch (java.io.IOException e) {
      LOG.warn("could not write a response", e);
      resp.setStatusCode(500).end();
    }
  }

  void error(RoutingContext ctx, Throwable t) {
    ApiException e = toApiException(t);
    if (e.code() == 500) {
      LOG.warn("internal error on {} {}", ctx.request().method(), ctx.request().uri(), unwrap(t));
    }
    send(ctx, e.code(), Json.MAPPER.valueToTree(e.status()), new MediaTypes.Answer(false, false));
  }

  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  static ApiException toApiException(Throwable t) {
    Throwable c = unwrap(t);
    if (c instanceof ApiException a) {
      return a;
    }
    if (c instanceof UnavailableException u) {
      return ApiException.unavailable("the store is unavailable: " + u.getMessage());
    }
    if (c instanceof CompactedException x) {
      return ApiException.gone("too old resource version: " + x.getMessage());
    }
    if (c instanceof java.util.concurrent.TimeoutException) {
      return ApiException.timeout("the request timed out waiting for the store");
    }
    if (c instanceof io.coxswain.store.TooLargeException x) {
      return ApiException.tooLarge(x.getMessage());
    }
    if (c instanceof StoreException s) {
      return ApiException.internal("store failure: " + s.getMessage());
    }
    return ApiException.internal(c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + firstLine(c.getMessage())));
  }

  private final EncodedEvents watchEvents = new EncodedEvents();
  private final java.util.concurrent.ExecutorService componentCalls = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "api-components");
    t.setDaemon(true);
    return t;
  });

  // for WatchStream
  ApiServerConfig apiConfig() {
    return config;
  }

  TableRenderer tables() {
    return tables;
  }

  io.vertx.core.Context vertxContext() {
    return context;
  }

  EncodedEvents watchEvents() {
    return watchEvents;
  }

  /**
   * The thread on which the master's own components' registry calls run, in the order they were made: off the
   * API's event loop, where a burst of them queued HTTP requests behind it, and off the components' own, where
   * the replication manager's creations held the scheduler's batches back.
   */
  java.util.concurrent.Executor componentCalls() {
    return componentCalls;
  }

  io.vertx.core.Vertx vertxInstance() {
    return vertx;
  }
}
