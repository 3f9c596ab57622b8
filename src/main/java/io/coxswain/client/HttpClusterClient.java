package io.coxswain.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.security.TlsEngine;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Status;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link ClusterClient} over the HTTP API. Knows several masters: a request that cannot reach one tries
 * the next, so a minion carries on when the master it joined through dies. Error answers become
 * {@link ApiException}s carrying the server's Status.
 */
public final class HttpClusterClient implements ClusterClient, AutoCloseable {
  private static final String JSON = "application/json";

  private final Vertx vertx;
  private final HttpClientAgent http;
  /** Watches hold their connection for as long as they run, so they get their own pool: in a shared pool of 16
   * the 17th watch (a minion with many hollow kubelets, a leader with many informers) left no connection for
   * ordinary requests, and heartbeats and writes queued forever. Its bound is far above the few watches one node
   * runs, and no higher: the pool allocates a slot for each up front (at 100,000, 400 KB per client, 400 MB in a
   * process of 1,000 hollow minions). */
  private final HttpClientAgent watchHttp;
  static final int WATCH_CONNECTIONS = 1024;
  private final List<String> servers;
  private final AtomicInteger current = new AtomicInteger();
  private final String bearerToken;

  /**
   * @param servers master API addresses as host:port; more can be added later with {@link #setServers}
   */
  public HttpClusterClient(Vertx vertx, List<String> servers, String bearerToken) {
    this(vertx, servers, bearerToken, null);
  }

  /**
   * @param servers     master API addresses as host:port; more can be added later with {@link #setServers}
   * @param credentials the cluster CA to trust and the client certificate to present over HTTPS (null: plain HTTP)
   */
  public HttpClusterClient(Vertx vertx, List<String> servers, String bearerToken,
                           io.coxswain.security.Credentials credentials) {
    this.vertx = vertx;
    this.servers = new CopyOnWriteArrayList<>(servers);
    this.bearerToken = bearerToken;
    this.http = vertx.createHttpClient(tls(new HttpClientOptions()
        .setConnectTimeout(2000)
        .setIdleTimeout(0)
        .setKeepAlive(true)
        .setTcpNoDelay(true), credentials),
        new PoolOptions().setHttp1MaxSize(16));
    this.watchHttp = vertx.createHttpClient(tls(new HttpClientOptions()
        .setConnectTimeout(2000)
        .setIdleTimeout(0)
        .setKeepAlive(false)
        .setTcpNoDelay(true), credentials),
        new PoolOptions().setHttp1MaxSize(WATCH_CONNECTIONS));
  }

  /** Presents {@code c} from now on (a renewed certificate); connections open later use it. */
  public Future<Boolean> updateCredentials(io.coxswain.security.Credentials c) {
    io.vertx.core.net.ClientSSLOptions ssl = new io.vertx.core.net.ClientSSLOptions().setTrustOptions(c.trustOptions())
        .setKeyCertOptions(c.keyCertOptions()).setHostnameVerificationAlgorithm("HTTPS");
    return http.updateSSLOptions(ssl).compose(x -> watchHttp.updateSSLOptions(ssl.copy()));
  }

  private static HttpClientOptions tls(HttpClientOptions o, io.coxswain.security.Credentials c) {
    return c == null ? o : TlsEngine.preferred(o.setSsl(true).setTrustOptions(c.trustOptions()).setKeyCertOptions(c.keyCertOptions()));
  }

  /** Replaces the known masters (keeps order; the first reachable one is used). */
  public void setServers(List<String> addresses) {
    if (addresses.isEmpty()) {
      return;
    }
    List<String> merged = new ArrayList<>(addresses);
    servers.clear();
    servers.addAll(merged);
    current.set(0);
  }

  public List<String> servers() {
    return List.copyOf(servers);
  }

  private String server(int attempt) {
    int n = servers.size();
    return servers.get(Math.floorMod(current.get() + attempt, n));
  }

  private RequestOptions options(String server, HttpMethod method, String path, String contentType) {
    int colon = server.lastIndexOf(':');
    RequestOptions o = new RequestOptions()
        .setMethod(method)
        .setHost(server.substring(0, colon))
        .setPort(Integer.parseInt(server.substring(colon + 1)))
        .setURI(path)
        .putHeader("Accept", JSON);
    if (contentType != null) {
      o.putHeader("Content-Type", contentType);
    }
    if (bearerToken != null) {
      o.putHeader("Authorization", "Bearer " + bearerToken);
    }
    return o;
  }

  /** Sends a request, moving to the next master when this one cannot be reached. */
  private Future<Buffer> send(HttpMethod method, String path, String contentType, Buffer body) {
    Promise<Buffer> promise = Promise.promise();
    attempt(method, path, contentType, body, 0, promise);
    return promise.future();
  }

  private void attempt(HttpMethod method, String path, String contentType, Buffer body, int attempt,
                       Promise<Buffer> promise) {
    String server = server(attempt);
    http.request(options(server, method, path, contentType))
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b)))
        .onSuccess(answer -> {
          if (attempt > 0) {
            current.set(Math.floorMod(current.get() + attempt, servers.size()));
          }
          if (answer.code >= 400) {
            promise.fail(toException(answer.code, answer.body));
          } else {
            promise.complete(answer.body);
          }
        })
        .onFailure(err -> {
          if (attempt + 1 < servers.size()) {
            attempt(method, path, contentType, body, attempt + 1, promise);
          } else {
            promise.fail(err);
          }
        });
  }

  private record Answer(int code, Buffer body) {}

  static ApiException toException(int code, Buffer body) {
    try {
      Status s = Json.read(body.getBytes(), Status.class);
      String reason = s.getReason() == null ? "Unknown" : s.getReason();
      String message = s.getMessage() == null ? "the server answered " + code : s.getMessage();
      return new ApiException(code, reason, message, s);
    } catch (RuntimeException e) {
      return new ApiException(code, "Unknown", "the server answered " + code + ": " + body.toString().strip(), null);
    }
  }

  private static <T> T decode(Buffer body, Class<T> type) {
    return Json.read(body.getBytes(), type);
  }

  @Override
  public <T extends HasMetadata> Future<T> get(ResourceKind<T> kind, String namespace, String name) {
    return send(HttpMethod.GET, kind.path(namespace, name), null, null).map(b -> decode(b, kind.type()));
  }

  @Override
  public <T extends HasMetadata> Future<ObjectList<T>> list(ResourceKind<T> kind, String namespace, ListOptions options) {
    return send(HttpMethod.GET, kind.path(namespace, null) + options.query(false), null, null).map(b -> {
      JsonNode tree = Json.tree(b.getBytes());
      List<T> items = new ArrayList<>();
      for (JsonNode item : tree.path("items")) {
        T obj = Json.MAPPER.convertValue(item, kind.type());
        items.add(obj);
      }
      JsonNode meta = tree.path("metadata");
      String cont = meta.path("continue").asText("");
      return new ObjectList<>(items, meta.path("resourceVersion").asText(""), cont.isEmpty() ? null : cont);
    });
  }

  @Override
  public <T extends HasMetadata> Future<T> create(ResourceKind<T> kind, T object) {
    String ns = object.getMetadata() == null ? null : object.getMetadata().getNamespace();
    return send(HttpMethod.POST, kind.path(ns, null), JSON, Buffer.buffer(Json.bytes(object)))
        .map(b -> decode(b, kind.type()));
  }

  @Override
  public <T extends HasMetadata> Future<T> update(ResourceKind<T> kind, T object, String subresource) {
    String path = kind.path(object.getMetadata().getNamespace(), object.getMetadata().getName())
        + (subresource == null ? "" : "/" + subresource);
    return send(HttpMethod.PUT, path, JSON, Buffer.buffer(Json.bytes(object))).map(b -> decode(b, kind.type()));
  }

  @Override
  public <T extends HasMetadata> Future<T> patch(ResourceKind<T> kind, String namespace, String name, String subresource,
                                                  String contentType, String patch) {
    String path = kind.path(namespace, name) + (subresource == null ? "" : "/" + subresource);
    return send(HttpMethod.PATCH, path, contentType, Buffer.buffer(patch)).map(b -> decode(b, kind.type()));
  }

  @Override
  public Future<Void> delete(ResourceKind<?> kind, String namespace, String name, Long gracePeriodSeconds,
                             String propagationPolicy) {
    ObjectNode options = Json.MAPPER.createObjectNode();
    options.put("kind", "DeleteOptions").put("apiVersion", "v1");
    if (gracePeriodSeconds != null) {
      options.put("gracePeriodSeconds", gracePeriodSeconds);
    }
    if (propagationPolicy != null) {
      options.put("propagationPolicy", propagationPolicy);
    }
    return send(HttpMethod.DELETE, kind.path(namespace, name), JSON, Buffer.buffer(Json.bytes(options))).mapEmpty();
  }

  @Override
  public Future<Void> bind(String namespace, String pod, String node) {
    return send(HttpMethod.POST, ResourceKind.PODS.path(namespace, pod) + "/binding", JSON,
        Buffer.buffer(Json.bytes(ClusterClient.binding(namespace, pod, node)))).mapEmpty();
  }

  @Override
  public Future<String> getText(String path) {
    return send(HttpMethod.GET, path, null, null).map(Buffer::toString);
  }

  @Override
  public <T extends HasMetadata> Future<WatchHandle> watch(ResourceKind<T> kind, String namespace, ListOptions options,
                                                            Handler<ObjectEvent<T>> handler, Handler<Throwable> onEnd) {
    Promise<WatchHandle> promise = Promise.promise();
    watchAttempt(kind, namespace, options, handler, onEnd, 0, promise);
    return promise.future();
  }

  private <T extends HasMetadata> void watchAttempt(ResourceKind<T> kind, String namespace, ListOptions options,
                                                     Handler<ObjectEvent<T>> handler, Handler<Throwable> onEnd,
                                                     int attempt, Promise<WatchHandle> promise) {
    String server = server(attempt);
    String path = kind.path(namespace, null) + options.query(true);
    watchHttp.request(options(server, HttpMethod.GET, path, null))
        .compose(req -> req.send())
        .onSuccess(resp -> {
          if (resp.statusCode() >= 400) {
            resp.body().onComplete(ar -> promise.fail(
                toException(resp.statusCode(), ar.succeeded() ? ar.result() : Buffer.buffer())));
            return;
          }
          if (attempt > 0) {
            current.set(Math.floorMod(current.get() + attempt, servers.size()));
          }
          promise.complete(stream(resp, kind, handler, onEnd));
        })
        .onFailure(err -> {
          if (attempt + 1 < servers.size()) {
            watchAttempt(kind, namespace, options, handler, onEnd, attempt + 1, promise);
          } else {
            promise.fail(err);
          }
        });
  }

  private <T extends HasMetadata> WatchHandle stream(HttpClientResponse resp, ResourceKind<T> kind,
                                                      Handler<ObjectEvent<T>> handler, Handler<Throwable> onEnd) {
    AtomicBoolean ended = new AtomicBoolean();
    Handler<Throwable> end = err -> {
      if (ended.compareAndSet(false, true)) {
        onEnd.handle(err);
      }
    };
    RecordParser parser = RecordParser.newDelimited("\n", line -> {
      if (ended.get() || line.length() == 0) {
        return;
      }
      try {
        WatchLine<T> event = WatchLine.parse(line.getBytes(), kind.type());
        if ("ERROR".equals(event.type())) {
          Status s = Json.MAPPER.convertValue(event.tree(), Status.class);
          int code = s.getCode() == null ? 500 : s.getCode();
          end.handle(new ApiException(code, s.getReason(), s.getMessage(), s));
          resp.request().connection().close();
          return;
        }
        handler.handle(new ObjectEvent<>(ObjectEvent.Type.valueOf(event.type()), event.object()));
      } catch (RuntimeException e) {
        end.handle(e);
        resp.request().connection().close();
      }
    });
    parser.maxRecordSize(16 * 1024 * 1024);
    resp.handler(parser);
    resp.exceptionHandler(end::handle);
    resp.endHandler(v -> end.handle(null));
    return () -> {
      if (ended.compareAndSet(false, true)) {
        resp.request().reset();
      }
    };
  }

  @Override
  public void close() {
    http.close();
    watchHttp.close();
  }
}
