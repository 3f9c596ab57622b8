package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.registry.Change;
import io.coxswain.api.registry.FieldError;
import io.coxswain.api.registry.ListQuery;
import io.coxswain.api.registry.ResourceRegistry;
import io.coxswain.model.Json;
import io.coxswain.store.CompactedException;
import io.coxswain.store.Store;
import io.coxswain.store.Watch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * One HTTP watch: newline-delimited {@code {"type":...,"object":...}} over a chunked response. Starts with
 * the current objects as ADDED when no resourceVersion (or 0) is given, else resumes after the given one;
 * filters old and new object like Kubernetes' watch cache; sends BOOKMARKs when allowed; ends at the
 * timeout; drops a client that does not read.
 */
final class WatchStream {
  private final ApiServerVerticle api;
  private final RoutingContext ctx;
  private final ResourceRegistry<?> registry;
  private final ObjectFilter filter;
  private final String name;
  private final String resource;
  private final boolean table;
  private final String includeObject;
  private final Context context;
  private final HttpServerResponse resp;
  private final boolean websocket;
  private io.vertx.core.http.ServerWebSocket socket;
  private boolean opened;
  private final java.util.ArrayDeque<Buffer> pending = new java.util.ArrayDeque<>();
  private Watch watch;
  private long lastRevision;
  private long bookmarkTimer = -1;
  private long timeoutTimer = -1;
  private int queuedWhileFull;
  /** Events sent but not yet written (chunked HTTP), and whether their flush is queued on the context. */
  private Buffer outgoing;
  private int outgoingEvents;
  private boolean flushQueued;
  private boolean columnsSent;
  private boolean done;

  private WatchStream(ApiServerVerticle api, RoutingContext ctx, ResourceRegistry<?> registry, ObjectFilter filter,
                      String name, String resource, boolean table, String includeObject) {
    this.api = api;
    this.ctx = ctx;
    this.registry = registry;
    this.filter = filter;
    this.name = name;
    this.resource = resource;
    this.table = table;
    this.includeObject = includeObject;
    this.context = api.vertxContext();
    this.resp = ctx.response();
    String upgrade = ctx.request().getHeader(HttpHeaders.UPGRADE);
    this.websocket = upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  static void start(ApiServerVerticle api, RoutingContext ctx, ApiServerVerticle.Target t, MultiMap q,
                    MediaTypes.Answer answer, String name) {
    ObjectFilter filter = ObjectFilter.parse(q.get("labelSelector"), q.get("fieldSelector"), t.resource());
    String rv = q.get("resourceVersion");
    long timeout = api.apiConfig().watchTimeout().toSeconds();
    String ts = q.get("timeoutSeconds");
    if (ts != null && !ts.isEmpty()) {
      try {
        timeout = Long.parseLong(ts);
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid timeoutSeconds \"" + ts + "\"");
      }
    }
    long after = rv == null || rv.isEmpty() ? -1 : parse(rv);
    Boolean initialEvents = initialEvents(q);
    WatchStream w = new WatchStream(api, ctx, t.registry(), filter, name, t.resource(), answer.table(), q.get("includeObject"));
    boolean bookmarks = ApiServerVerticle.truthy(q.get("allowWatchBookmarks"));
    if (initialEvents == null) {
      w.begin(t.namespace(), after, timeout, bookmarks);
    } else {
      w.beginWatchList(t.namespace(), rv, initialEvents, timeout, bookmarks);
    }
  }

  /**
   * A watch's {@code sendInitialEvents} (a watch-list, client-go's streaming list): null when not asked. As
   * Kubernetes validates it: it needs {@code resourceVersionMatch=NotOlderThan}, which a watch may give only
   * with it.
   */
  static Boolean initialEvents(MultiMap q) {
    String asked = q.get("sendInitialEvents");
    String match = q.get("resourceVersionMatch");
    List<FieldError> errors = new ArrayList<>();
    Boolean initial = null;
    if (asked != null) {
      if (!asked.equalsIgnoreCase("true") && !asked.equalsIgnoreCase("false")) {
        throw ApiException.badRequest("invalid sendInitialEvents \"" + asked + "\": must be true or false");
      }
      initial = Boolean.parseBoolean(asked.toLowerCase(java.util.Locale.ROOT));
      if (!NOT_OLDER_THAN.equals(match)) {
        errors.add(FieldError.forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
      }
    }
    if (match != null && !match.isEmpty()) {
      if (asked == null) {
        errors.add(FieldError.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
      }
      if (!NOT_OLDER_THAN.equals(match)) {
        errors.add(FieldError.notSupported("resourceVersionMatch", match, List.of(NOT_OLDER_THAN)));
      }
    }
    if (!errors.isEmpty()) {
      throw ApiException.invalid(LIST_OPTIONS, "", errors);
    }
    return initial;
  }

  static final String NOT_OLDER_THAN = "NotOlderThan";
  static final String LIST_OPTIONS = "ListOptions.meta.k8s.io";
  /** The annotation of the bookmark that ends a watch-list's initial events. */
  static final String INITIAL_EVENTS_END = "k8s.io/initial-events-end";

  private static long parse(String rv) {
    try {
      long v = Long.parseLong(rv);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid resourceVersion \"" + rv + "\": must be a non-negative integer");
    }
  }

  private boolean matches(JsonNode o) {
    return o != null && filter.matches(o) && (name == null || name.equals(o.path("metadata").path("name").asText()));
  }

  private void begin(String ns, long after, long timeoutSeconds, boolean bookmarks) {
    resp.closeHandler(v -> finish());
    resp.exceptionHandler(e -> finish());
    if (after > 0) {
      if (!subscribe(ns, after, true)) {
        return;
      }
      open();
    } else {
      Store.Consistency c = after == 0 ? Store.Consistency.LOCAL : Store.Consistency.LINEARIZABLE;
      String rv = after == 0 ? "0" : null;
      Future.fromCompletionStage(registry.list(ns, new ListQuery(ObjectFilter.EVERYTHING, 0, null, rv, null)), context)
          .onComplete(ar -> {
            if (ar.failed()) {
              api.error(ctx, ar.cause());
              return;
            }
            if (resp.closed()) {
              return;
            }
            lastRevision = ar.result().revision();
            if (!subscribe(ns, lastRevision, false)) {
              return;
            }
            open();
            for (ObjectNode o : ar.result().items()) {
              if (matches(o)) {
                write("ADDED", o, false);
              }
            }
          });
    }
    if (timeoutSeconds > 0) {
      timeoutTimer = api.vertxInstance().setTimer(timeoutSeconds * 1000, id -> end());
    }
    if (bookmarks) {
      long every = Math.max(1, api.apiConfig().bookmarkInterval().toMillis());
      bookmarkTimer = api.vertxInstance().setPeriodic(every, every, id -> bookmark());
    }
  }

  /**
   * A watch-list: the state at the resourceVersion or newer (any, for 0; the latest, when none is given) as
   * ADDED events when {@code initial}, then a BOOKMARK at that state's revision annotated as the end of the
   * initial events (when bookmarks are allowed), then the changes after it.
   */
  private void beginWatchList(String ns, String rv, boolean initial, long timeoutSeconds, boolean bookmarks) {
    resp.closeHandler(v -> finish());
    resp.exceptionHandler(e -> finish());
    String floor = rv == null || rv.isEmpty() ? null : rv;
    Future.fromCompletionStage(registry.list(ns, new ListQuery(ObjectFilter.EVERYTHING, 0, null, floor,
        floor == null ? null : NOT_OLDER_THAN)), context).onComplete(ar -> {
          if (ar.failed()) {
            cancelTimers();
            done = true;
            api.error(ctx, ar.cause());
            return;
          }
          if (resp.closed()) {
            return;
          }
          long at = ar.result().revision();
          lastRevision = at;
          if (!subscribe(ns, at, false)) {
            return;
          }
          open();
          if (initial) {
            for (ObjectNode o : ar.result().items()) {
              if (matches(o)) {
                write("ADDED", o, false);
              }
            }
            if (bookmarks) {
              ObjectNode end = bookmarkObject(at);
              end.with("metadata").putObject("annotations").put(INITIAL_EVENTS_END, "true");
              writeRaw("BOOKMARK", end);
            }
          }
        });
    if (timeoutSeconds > 0) {
      timeoutTimer = api.vertxInstance().setTimer(timeoutSeconds * 1000, id -> end());
    }
    if (bookmarks) {
      long every = Math.max(1, api.apiConfig().bookmarkInterval().toMillis());
      bookmarkTimer = api.vertxInstance().setPeriodic(every, every, id -> bookmark());
    }
  }

  /** Subscribes to the store; false (and an answer sent) when the revision is too old. */
  private boolean subscribe(String ns, long after, boolean fresh) {
    lastRevision = Math.max(lastRevision, after);
    try {
      watch = registry.watch(ns, after, filter.fields().exact("spec.nodeName"), change -> context.runOnContext(v -> onChange(change)),
          cause -> context.runOnContext(v -> onStoreClose(cause)));
      return true;
    } catch (CompactedException e) {
      cancelTimers();
      done = true;
      api.error(ctx, ApiException.gone("too old resource version: " + after + " (" + e.compactedRevision() + ")"));
      return false;
    } catch (RuntimeException e) {
      cancelTimers();
      done = true;
      api.error(ctx, e);
      return false;
    }
  }

  /** Starts the answer: a WebSocket (one event per text message) when the client asked for one, else chunked HTTP. */
  private void open() {
    if (websocket) {
      ctx.request().toWebSocket().onComplete(ar -> {
        if (ar.failed()) {
          finish();
          return;
        }
        socket = ar.result();
        socket.closeHandler(v -> finish());
        socket.exceptionHandler(e -> finish());
        socket.drainHandler(v -> queuedWhileFull = 0);
        socket.handler(b -> { });
        opened = true;
        while (!pending.isEmpty() && !done) {
          send(pending.poll());
        }
        if (done) {
          socket.close();
        }
      });
      return;
    }
    opened = true;
    resp.setStatusCode(200);
    resp.setChunked(true);
    resp.putHeader(HttpHeaders.CONTENT_TYPE, MediaTypes.JSON);
    resp.putHeader("Cache-Control", "no-cache, private");
    resp.writeHead();
    resp.drainHandler(v -> queuedWhileFull = 0);
  }

  private void onChange(Change c) {
    if (done) {
      return;
    }
    lastRevision = Math.max(lastRevision, c.revision());
    String type = ObjectFilter.eventType(c.type(), matches(c.previous()), matches(c.object()));
    if (type == null) {
      return;
    }
    if (type.equals("DELETED") && !c.type().equals("DELETED")) {
      write(type, withRevision(c.previous(), c.revision()), false);
    } else {
      write(type, c.object(), true);
    }
  }

  private static ObjectNode withRevision(ObjectNode o, long revision) {
    ObjectNode copy = o.deepCopy();
    copy.with("metadata").put("resourceVersion", Long.toString(revision));
    return copy;
  }

  private void onStoreClose(Throwable cause) {
    if (done) {
      return;
    }
    if (ApiServerVerticle.unwrap(cause) instanceof CompactedException) {
      ObjectNode status = Json.MAPPER.valueToTree(ApiException.gone("too old resource version: " + lastRevision).status());
      writeRaw("ERROR", status);
    }
    end();
  }

  private void bookmark() {
    if (done || !opened) {
      return;
    }
    writeRaw("BOOKMARK", bookmarkObject(lastRevision));
  }

  private ObjectNode bookmarkObject(long revision) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("kind", registry.kind());
    o.put("apiVersion", "v1");
    o.putObject("metadata").put("resourceVersion", Long.toString(revision));
    return o;
  }

  /**
   * Sends an object as an event; {@code shared}: the change's own object, the instance every watcher of the
   * change is handed, whose encoding the watchers then share (as Kubernetes' watch cache serializes an
   * object once for all its watchers).
   */
  private void write(String type, ObjectNode object, boolean shared) {
    if (table) {
      writeRaw(type, TableRenderer.table(api.tables(), resource, List.of(object), includeObject,
          object.path("metadata").path("resourceVersion").asText(null), null, !columnsSent));
      columnsSent = true;
      return;
    }
    if (!done) {
      send(shared ? api.watchEvents().encoded(type, object, WatchStream::encode) : encode(type, object));
    }
  }

  private void writeRaw(String type, JsonNode object) {
    if (!done) {
      send(encode(type, object));
    }
  }

  static byte[] encode(String type, JsonNode object) {
    ObjectNode event = Json.MAPPER.createObjectNode();
    event.put("type", type);
    event.set("object", object);
    return Json.bytes(event);
  }

  /** Sends an encoded event ({@code {"type":...,"object":...}}), or keeps it until the answer starts. */
  private void send(byte[] event) {
    Buffer line = Buffer.buffer(event.length + 1).appendBytes(event).appendByte((byte) '\n');
    if (!opened) {
      pending.add(line);
      if (pending.size() > api.apiConfig().maxQueuedEvents()) {
        drop();
      }
      return;
    }
    send(line);
  }

  private void send(Buffer line) {
    if (websocket) {
      if (socket.writeQueueFull() && ++queuedWhileFull > api.apiConfig().maxQueuedEvents()) {
        drop();
        return;
      }
      socket.writeTextMessage(line.toString(java.nio.charset.StandardCharsets.UTF_8));
      return;
    }
    // the events of one burst (a batch of writes applied together reaches every watcher as queued tasks)
    // go out as one write: one TLS record and one flush, not one of each per event
    if (outgoing == null) {
      outgoing = Buffer.buffer(line.length() * 2);
    }
    outgoing.appendBuffer(line);
    outgoingEvents++;
    if (!flushQueued) {
      flushQueued = true;
      context.runOnContext(v -> flush());
    }
  }

  /** Writes the events gathered since the last flush. */
  private void flush() {
    flushQueued = false;
    Buffer out = outgoing;
    int events = outgoingEvents;
    outgoing = null;
    outgoingEvents = 0;
    if (out == null || resp.closed() || resp.ended()) {
      return;
    }
    if (resp.writeQueueFull()) {
      queuedWhileFull += events;
      if (queuedWhileFull > api.apiConfig().maxQueuedEvents()) {
        drop();
        return;
      }
    }
    resp.write(out);
  }

  /** A client that does not read is dropped instead of buffering without bound. */
  private void drop() {
    done = true;
    cancelTimers();
    closeStoreWatch();
    ctx.request().connection().close();
  }

  private void end() {
    if (done) {
      return;
    }
    done = true;
    cancelTimers();
    closeStoreWatch();
    if (websocket) {
      if (socket != null && !socket.isClosed()) {
        socket.close();
      }
      return;
    }
    if (!resp.ended() && !resp.closed()) {
      if (!resp.headWritten()) {
        open();
      }
      flush();
      resp.end();
    }
  }

  private void finish() {
    done = true;
    cancelTimers();
    closeStoreWatch();
  }

  private void cancelTimers() {
    if (timeoutTimer >= 0) {
      api.vertxInstance().cancelTimer(timeoutTimer);
      timeoutTimer = -1;
    }
    if (bookmarkTimer >= 0) {
      api.vertxInstance().cancelTimer(bookmarkTimer);
      bookmarkTimer = -1;
    }
  }

  private void closeStoreWatch() {
    if (watch != null) {
      try {
        watch.close();
      } catch (RuntimeException e) {
        // already closed
      }
      watch = null;
    }
  }
}
