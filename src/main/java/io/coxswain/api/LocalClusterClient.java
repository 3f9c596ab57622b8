package io.coxswain.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.registry.Change;
import io.coxswain.api.registry.DeleteRequest;
import io.coxswain.api.registry.ListQuery;
import io.coxswain.api.registry.ResourceRegistry;
import io.coxswain.client.ClusterClient;
import io.coxswain.client.ListOptions;
import io.coxswain.client.ObjectEvent;
import io.coxswain.client.ObjectList;
import io.coxswain.client.ResourceKind;
import io.coxswain.model.Json;
import io.coxswain.store.CompactedException;
import io.coxswain.store.Store;
import io.coxswain.store.Watch;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The master's own components' view of the cluster, in-process: the same registries (strategies,
 * validation, the store) as an HTTP request, without TLS, HTTP or the JSON text between them. A registry
 * call runs on the API server's thread for its components (a watch subscribes on the API server's context,
 * as an HTTP watch does); results come back on the caller's context as the model objects. Errors are the
 * {@link io.coxswain.client.ApiException}s an HTTP client would get. Components on a master act as the master
 * itself: no authentication or authorization applies.
 */
public final class LocalClusterClient implements ClusterClient {
  private final ApiServerVerticle api;
  private final Context apiContext;
  private final ClusterClient text;
  private final Store writes;
  private final java.util.Map<String, ResourceRegistry<?>> views = new java.util.concurrent.ConcurrentHashMap<>();

  /** {@code text} serves {@link #getText} (subresources relayed to kubelets, such as pods/log). */
  public LocalClusterClient(ApiServerVerticle api, ClusterClient text) {
    this(api, text, null);
  }

  /**
   * A client whose writes go to {@code writes} (the leader's components: a {@link io.coxswain.store.TermFencedStore}
   * of their term), or to the registries' store when null.
   */
  public LocalClusterClient(ApiServerVerticle api, ClusterClient text, Store writes) {
    this.api = api;
    this.apiContext = api.vertxContext();
    this.text = text;
    this.writes = writes;
  }

  private ResourceRegistry<?> registry(ResourceKind<?> kind) {
    ResourceRegistry<?> r = api.registry().resource(kind.resource());
    if (r == null) {
      throw ApiException.notFoundPath("/api/v1/" + kind.resource());
    }
    return writes == null ? r : views.computeIfAbsent(kind.resource(), k -> r.writingTo(writes));
  }

  /**
   * Runs a registry call on the API server's thread for its components (in the order the calls were made); its
   * result, or its error as the client's exception, comes back on the caller's context. The registries are
   * safe to call from any thread (their work continues on the store's threads anyway). On the API's one event
   * loop, the components' calls queued behind every HTTP request and watch event, and held the requests
   * behind them: under a burst of pod creations a task posted there waited 150-520 ms on average. On the
   * caller's own context, the replication manager's creations held the scheduler's batches back.
   */
  private <R> Future<R> callOffLoop(Supplier<CompletableFuture<R>> call) {
    Context caller = Vertx.currentContext() == null ? apiContext : Vertx.currentContext();
    CompletableFuture<R> done;
    try {
      done = CompletableFuture.supplyAsync(call, api.componentCalls()).thenCompose(f -> f);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      done = CompletableFuture.failedFuture(new io.coxswain.store.UnavailableException("the API server is stopping"));
    }
    return Future.fromCompletionStage(done, caller).recover(err -> Future.failedFuture(clientError(err)));
  }

  /**
   * Runs {@code call} on the API's context (a watch's subscription, which must come in order with the API's
   * watch events); its result, or its error as the client's exception, on the caller's.
   */
  private <R> Future<R> call(Supplier<CompletableFuture<R>> call) {
    Context caller = Vertx.currentContext() == null ? apiContext : Vertx.currentContext();
    CompletableFuture<R> done = new CompletableFuture<>();
    Runnable run = () -> {
      try {
        call.get().whenComplete((r, err) -> {
          if (err != null) {
            done.completeExceptionally(err);
          } else {
            done.complete(r);
          }
        });
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    };
    if (Vertx.currentContext() == apiContext) {
      run.run();
    } else {
      try {
        apiContext.runOnContext(v -> run.run());
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        // the node is stopping (a component still starting called in): the call fails, nothing is logged
        done.completeExceptionally(new io.coxswain.store.UnavailableException("the API server is stopping"));
      }
    }
    return Future.fromCompletionStage(done, caller).recover(err -> Future.failedFuture(clientError(err)));
  }

  static io.coxswain.client.ApiException clientError(Throwable err) {
    ApiException e = ApiServerVerticle.toApiException(err);
    io.fabric8.kubernetes.api.model.Status s = e.status();
    return new io.coxswain.client.ApiException(e.code(), e.reason(), s.getMessage(), s);
  }

  private static <T> T decode(JsonNode node, Class<T> type) {
    try {
      return Json.MAPPER.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the registry gave a " + type.getSimpleName() + " that does not decode", e);
    }
  }

  private static String namespaceOf(HasMetadata o) {
    return o.getMetadata() == null ? null : o.getMetadata().getNamespace();
  }

  private static String nsFor(ResourceKind<?> kind, String namespace) {
    return kind.namespaced() && namespace != null && !namespace.isEmpty() ? namespace : null;
  }

  @Override
  public <T extends HasMetadata> Future<T> get(ResourceKind<T> kind, String namespace, String name) {
    return this.<ObjectNode>callOffLoop(() -> cast(registry(kind).get(nsFor(kind, namespace), name, Store.Consistency.LINEARIZABLE)))
        .map(o -> decode(o, kind.type()));
  }

  @Override
  public <T extends HasMetadata> Future<ObjectList<T>> list(ResourceKind<T> kind, String namespace, ListOptions options) {
    return callOffLoop(() -> {
      ResourceRegistry<?> r = registry(kind);
      ListQuery q = new ListQuery(ObjectFilter.parse(options.labelSelector(), options.fieldSelector(), kind.resource()),
          options.limit() == null ? 0 : options.limit(), options.continueToken(), options.resourceVersion(), null);
      return r.list(nsFor(kind, namespace), q);
    }).map(page -> {
      List<T> items = new ArrayList<>(page.items().size());
      for (ObjectNode o : page.items()) {
        items.add(decode(o, kind.type()));
      }
      return new ObjectList<>(items, Long.toString(page.revision()), page.continueToken());
    });
  }

  @Override
  public <T extends HasMetadata> Future<T> create(ResourceKind<T> kind, T object) {
    ObjectNode body = Json.MAPPER.valueToTree(object);
    return this.<ObjectNode>callOffLoop(() -> cast(registry(kind).create(nsFor(kind, namespaceOf(object)), body)))
        .map(o -> decode(o, kind.type()));
  }

  @Override
  public <T extends HasMetadata> Future<T> update(ResourceKind<T> kind, T object, String subresource) {
    ObjectNode body = Json.MAPPER.valueToTree(object);
    String name = object.getMetadata().getName();
    return this.<ObjectNode>callOffLoop(() -> cast(registry(kind).update(nsFor(kind, namespaceOf(object)), name, body, subresource)))
        .map(o -> decode(o, kind.type()));
  }

  @Override
  public <T extends HasMetadata> Future<T> patch(ResourceKind<T> kind, String namespace, String name, String subresource,
                                                  String contentType, String patch) {
    return this.<ObjectNode>callOffLoop(() -> {
      JsonNode p = ApiServerVerticle.parseJson(io.vertx.core.buffer.Buffer.buffer(patch), "patch");
      return cast(registry(kind).patch(nsFor(kind, namespace), name, contentType, p, subresource));
    }).map(o -> decode(o, kind.type()));
  }

  @Override
  public Future<Void> delete(ResourceKind<?> kind, String namespace, String name, Long gracePeriodSeconds,
                             String propagationPolicy) {
    DeleteRequest opts = new DeleteRequest(gracePeriodSeconds, propagationPolicy, null, null);
    return this.<ObjectNode>callOffLoop(() -> cast(registry(kind).delete(nsFor(kind, namespace), name, opts))).mapEmpty();
  }

  @Override
  public Future<Void> bind(String namespace, String pod, String node) {
    ObjectNode binding = ClusterClient.binding(namespace, pod, node);
    return this.<ObjectNode>callOffLoop(() -> cast(registry(ResourceKind.PODS).bind(namespace, pod, binding))).mapEmpty();
  }

  @Override
  public Future<String> getText(String path) {
    return text.getText(path);
  }

  @SuppressWarnings("unchecked")
  private static CompletableFuture<ObjectNode> cast(CompletableFuture<? extends JsonNode> f) {
    return (CompletableFuture<ObjectNode>) f;
  }

  @Override
  public <T extends HasMetadata> Future<WatchHandle> watch(ResourceKind<T> kind, String namespace, ListOptions options,
                                                            Handler<ObjectEvent<T>> handler, Handler<Throwable> onEnd) {
    Context caller = Vertx.currentContext() == null ? apiContext : Vertx.currentContext();
    LocalWatch<T> w = new LocalWatch<>(kind, caller, options, handler, onEnd);
    String rv = options.resourceVersion();
    long after;
    try {
      after = rv == null || rv.isEmpty() ? -1 : Long.parseLong(rv);
    } catch (NumberFormatException e) {
      return Future.failedFuture(new io.coxswain.client.ApiException(400, "BadRequest",
          "invalid resourceVersion \"" + rv + "\": must be a non-negative integer", null));
    }
    if (after > 0) {
      return call(() -> CompletableFuture.completedFuture(w.subscribe(nsFor(kind, namespace), after)))
          .map(v -> w.started());
    }
    // no revision (or 0): the current objects first, as ADDED, then what follows them
    // (subscribed on the API's context, as an HTTP watch is; changes wait until the listed objects are out)
    return call(() -> registry(kind).list(nsFor(kind, namespace), new ListQuery(ObjectFilter.EVERYTHING, 0, null,
        after == 0 ? "0" : null, null)).thenApplyAsync(page -> {
          w.subscribe(nsFor(kind, namespace), page.revision());
          return page;
        }, task -> apiContext.runOnContext(v -> task.run())))
        .map(page -> {
          for (ObjectNode o : page.items()) {
            if (w.matches(o)) {
              w.deliver("ADDED", o);
            }
          }
          return w.started();
        });
  }

  /** One in-process watch: the registry's changes, filtered as the HTTP watch filters them, on the caller's context. */
  private final class LocalWatch<T extends HasMetadata> implements WatchHandle {
    private final ResourceKind<T> kind;
    private final Context caller;
    private final ObjectFilter filter;
    private final ListOptions options;
    private final Handler<ObjectEvent<T>> handler;
    private final Handler<Throwable> onEnd;
    private volatile Watch watch;
    private long lastRevision;
    private long bookmarkTimer = -1;
    private long timeoutTimer = -1;
    private boolean ended;
    /** Changes that came before the watch was handed out (null once it was): delivered right after. */
    private List<Change> early = new ArrayList<>();

    LocalWatch(ResourceKind<T> kind, Context caller, ListOptions options, Handler<ObjectEvent<T>> handler,
               Handler<Throwable> onEnd) {
      this.kind = kind;
      this.caller = caller;
      this.options = options;
      this.filter = ObjectFilter.parse(options.labelSelector(), options.fieldSelector(), kind.resource());
      this.handler = handler;
      this.onEnd = onEnd;
    }

    /** On the API's context: subscribes after {@code after}; a compacted revision is the 410 an HTTP watch answers. */
    Void subscribe(String ns, long after) {
      lastRevision = after;
      try {
        watch = registry(kind).watch(ns, after, filter.fields().exact("spec.nodeName"), c -> caller.runOnContext(v -> onChange(c)),
            cause -> caller.runOnContext(v -> end(cause == null ? null : clientError(cause))));
      } catch (CompactedException e) {
        throw ApiException.gone("too old resource version: " + after + " (" + e.compactedRevision() + ")");
      }
      return null;
    }

    /** On the caller's context, once subscribed: the timeout and bookmarks asked for. */
    WatchHandle started() {
      List<Change> before = early;
      early = null;
      before.forEach(this::onChange);
      if (ended) {
        return this; // ended before it was handed out: no timers to leave behind
      }
      Integer timeout = options.timeoutSeconds();
      if (timeout != null && timeout > 0) {
        timeoutTimer = caller.owner().setTimer(timeout * 1000L, id -> end(null));
      }
      if (options.allowBookmarks()) {
        long every = Math.max(1, api.apiConfig().bookmarkInterval().toMillis());
        bookmarkTimer = caller.owner().setPeriodic(every, every, id -> bookmark());
      }
      return this;
    }

    boolean matches(ObjectNode o) {
      return o != null && filter.matches(o);
    }

    private void onChange(Change c) {
      if (ended) {
        return;
      }
      if (early != null) {
        early.add(c);
        return;
      }
      lastRevision = Math.max(lastRevision, c.revision());
      String type = ObjectFilter.eventType(c.type(), matches(c.previous()), matches(c.object()));
      if (type == null) {
        return;
      }
      ObjectNode o = c.object();
      if (type.equals("DELETED") && !c.type().equals("DELETED")) {
        o = c.previous().deepCopy();
        o.with("metadata").put("resourceVersion", Long.toString(c.revision()));
      }
      deliver(type, o);
    }

    void deliver(String type, ObjectNode o) {
      if (ended) {
        return;
      }
      T obj;
      try {
        obj = decode(o, kind.type());
      } catch (RuntimeException e) {
        end(e);
        return;
      }
      handler.handle(new ObjectEvent<>(ObjectEvent.Type.valueOf(type), obj));
    }

    private void bookmark() {
      if (ended) {
        return;
      }
      T marker;
      try {
        marker = kind.type().getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        return;
      }
      marker.setMetadata(new ObjectMeta());
      marker.getMetadata().setResourceVersion(Long.toString(lastRevision));
      handler.handle(new ObjectEvent<>(ObjectEvent.Type.BOOKMARK, marker));
    }

    private void end(Throwable cause) {
      if (ended) {
        return;
      }
      stopTimersAndWatch();
      onEnd.handle(cause);
    }

    private void stopTimersAndWatch() {
      ended = true;
      if (timeoutTimer >= 0) {
        caller.owner().cancelTimer(timeoutTimer);
      }
      if (bookmarkTimer >= 0) {
        caller.owner().cancelTimer(bookmarkTimer);
      }
      Watch w = watch;
      if (w != null) {
        w.close();
      }
    }

    @Override
    public void cancel() {
      if (Vertx.currentContext() == caller) {
        if (!ended) {
          stopTimersAndWatch();
        }
      } else {
        caller.runOnContext(v -> cancel());
      }
    }
  }
}
