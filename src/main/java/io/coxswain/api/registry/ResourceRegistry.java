package io.coxswain.api.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.ApiException;
import io.coxswain.api.ContinueToken;
import io.coxswain.api.ObjectFilter;
import io.coxswain.model.Json;
import io.coxswain.model.ServerSideApply;
import io.coxswain.store.CompactedException;
import io.coxswain.store.Compare;
import io.coxswain.store.KeyValue;
import io.coxswain.store.Op;
import io.coxswain.store.RangeResult;
import io.coxswain.store.Store;
import io.coxswain.store.Txn;
import io.coxswain.store.TxnResult;
import io.coxswain.store.Watch;
import io.coxswain.store.WatchEvent;
import io.coxswain.store.WatchListener;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The store-backed registry of one resource: keys {@code /registry/{resource}/{ns}/{name}} (cluster-scoped
 * {@code /registry/{resource}/{name}}), values the object JSON without resourceVersion; every object read
 * carries {@code metadata.resourceVersion} = the key's modRevision. Every write passes the resource's
 * strategy and is a compare-and-swap transaction, so a failed request changes nothing.
 */
public final class ResourceRegistry<T extends HasMetadata> {
  private static final int CAS_RETRIES = 8;
  /** Changes of a resource kept for watchers that resume (a watcher from before them gets its own store watch). */
  private static final int FANOUT_WINDOW = 1024;
  /**
   * Slots of {@link #recentlyDecoded}. Few: the store hands an event to its watchers of a prefix one after
   * the other, and each slot holds the trees of a change, which under load would otherwise outlive a young
   * collection by the thousand.
   */
  private static final int RECENTLY_DECODED = 64;
  private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private final Registry registry;
  private final ServedResource served;
  private final Strategy<T> strategy;
  private final Store store;
  /** Where transactions go: the store, or (a leader's components' view) one that guards them by a term. */
  private final Store writes;
  private final WatchFanout fanout;

  @SuppressWarnings("unchecked")
  ResourceRegistry(Registry registry, ServedResource served) {
    this.registry = registry;
    this.served = served;
    this.strategy = (Strategy<T>) served.strategy();
    this.store = registry.store();
    this.writes = store;
    this.fanout = new WatchFanout(this::fanoutWatch,
        "pods".equals(served.resource()) ? o -> o.path("spec").path("nodeName").asText("") : null, FANOUT_WINDOW);
    this.recentlyDecoded = new AtomicReferenceArray<>(RECENTLY_DECODED);
  }

  private ResourceRegistry(ResourceRegistry<T> of, Store writes) {
    this.registry = of.registry;
    this.served = of.served;
    this.strategy = of.strategy;
    this.store = of.store;
    this.writes = writes;
    this.fanout = of.fanout;
    this.recentlyDecoded = of.recentlyDecoded;
  }

  /**
   * This registry with its transactions sent to {@code writes} (reads, watches and everything else shared):
   * the view of a leader's scheduler and controllers, whose writes carry their leader's term.
   */
  public ResourceRegistry<T> writingTo(Store writes) {
    return new ResourceRegistry<>(this, writes);
  }

  public ServedResource served() {
    return served;
  }

  public String resource() {
    return served.resource();
  }

  /** The v1 model class of the served objects (what a body is checked against). */
  public Class<?> modelType() {
    return strategy.type();
  }

  public String kind() {
    return served.kind();
  }

  public boolean namespaced() {
    return served.namespaced();
  }

  public String key(String ns, String name) {
    return namespaced() ? "/registry/" + resource() + "/" + ns + "/" + name : "/registry/" + resource() + "/" + name;
  }

  /** Keys of the whole resource ({@code ns} null or cluster-scoped) or of one namespace. */
  public String prefix(String ns) {
    return namespaced() && ns != null && !ns.isEmpty()
        ? "/registry/" + resource() + "/" + ns + "/" : "/registry/" + resource() + "/";
  }

  // ---------------------------------------------------------------- reading

  static ObjectNode decode(byte[] value, long revision) {
    JsonNode n = Json.tree(value);
    if (!(n instanceof ObjectNode o)) {
      throw ApiException.internal("stored value is not a JSON object");
    }
    o.with("metadata").put("resourceVersion", Long.toString(revision));
    return o;
  }

  static ObjectNode decode(KeyValue kv) {
    return decode(kv.value(), kv.modRevision());
  }

  public CompletableFuture<ObjectNode> get(String ns, String name, Store.Consistency consistency) {
    return store.get(key(ns, name), consistency).thenApply(o -> decode(o.orElseThrow(() -> notFound(name))));
  }

  private ApiException notFound(String name) {
    return ApiException.notFound(resource(), name);
  }

  public CompletableFuture<ListPage> list(String ns, ListQuery q) {
    String prefix = prefix(ns);
    String startAfter = null;
    Long tokenRevision = null;
    if (q.continueToken() != null && !q.continueToken().isEmpty()) {
      ContinueToken t = ContinueToken.decode(q.continueToken());
      if (!t.lastKey().startsWith(prefix)) {
        throw ApiException.badRequest("invalid continue token: it belongs to another list");
      }
      startAfter = t.lastKey();
      tokenRevision = t.revision();
    }
    Store.Consistency consistency = Store.Consistency.LINEARIZABLE;
    long minRevision = 0;
    String rv = q.resourceVersion();
    String match = q.resourceVersionMatch();
    if (rv != null && !rv.isEmpty()) {
      long parsed = parseRevision(rv);
      if (parsed == 0 && "Exact".equals(match)) {
        throw ApiException.badRequest("resourceVersionMatch: Exact requires a resourceVersion other than 0");
      }
      if (parsed == 0 || "NotOlderThan".equals(match) || match == null || match.isEmpty()) {
        consistency = Store.Consistency.LOCAL;
        minRevision = parsed;
      }
      if ("Exact".equals(match) || (match == null && parsed > 0 && q.limit() > 0)) {
        consistency = Store.Consistency.LINEARIZABLE;
        minRevision = parsed;
      }
    } else if (match != null && !match.isEmpty()) {
      throw ApiException.badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
    }
    List<ObjectNode> items = new ArrayList<>();
    Store.Consistency chosen = consistency;
    long floor = minRevision;
    boolean exact = floor > 0 && ("Exact".equals(match) || ((match == null || match.isEmpty()) && q.limit() > 0));
    Long fixed = tokenRevision != null ? tokenRevision : exact ? Long.valueOf(floor) : null;
    boolean continuing = tokenRevision != null;
    if (fixed != null) {
      // a later page, or a list at an exact revision: the keys as they were then, as Kubernetes' lists are
      return readPages(prefix, startAfter, q, chosen, items, fixed).handle((page, error) -> {
        if (error == null && page.revision() == fixed.longValue()) {
          return new ListPage(page.items(), fixed,
              page.continueToken() == null ? null : new ContinueToken(page.continueToken(), fixed).encode());
        }
        if (error == null || compacted(error)) {
          throw ApiException.gone(continuing
              ? "The provided continue parameter is too old to display a consistent list result: the changes since"
                  + " its resource version " + fixed + " are no longer retained. Start a new list without the"
                  + " continue parameter."
              : "too old resource version: " + fixed + (error == null ? " (" + page.revision() + ")" : ""));
        }
        throw error instanceof CompletionException c ? c : new CompletionException(error);
      });
    }
    return readPages(prefix, startAfter, q, chosen, items, null).thenCompose(page -> {
      if (chosen == Store.Consistency.LOCAL && page.revision() < floor) {
        items.clear();
        return readPages(prefix, null, q, Store.Consistency.LINEARIZABLE, items, null);
      }
      return CompletableFuture.completedFuture(page);
    }).thenApply(page -> {
      if (page.revision() < floor) {
        // not even a linearizable read has it: no write made that revision yet
        throw ApiException.resourceVersionTooLarge(floor, page.revision());
      }
      long revision = page.revision();
      String token = page.continueToken() == null ? null : new ContinueToken(page.continueToken(), revision).encode();
      return new ListPage(page.items(), revision, token);
    });
  }

  private static boolean compacted(Throwable error) {
    Throwable c = error;
    while (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    return c instanceof CompactedException;
  }

  /**
   * Reads until {@code limit} items match or the keys end; the page's continueToken is the last key read.
   * With {@code firstRevision}, every read is of the keys as they were at that revision.
   */
  private CompletableFuture<ListPage> readPages(String prefix, String startAfter, ListQuery q, Store.Consistency c,
                                               List<ObjectNode> items, Long firstRevision) {
    int limit = q.limit();
    int want = limit <= 0 ? 0 : limit - items.size();
    CompletableFuture<RangeResult> read = firstRevision == null ? store.range(prefix, startAfter, want, c)
        : store.rangeAt(prefix, startAfter, want, firstRevision);
    return read.thenCompose(r -> {
      if (firstRevision != null && r.revision() < firstRevision) {
        // the keys as they were at a revision the store has not reached: no write has made it yet
        throw ApiException.resourceVersionTooLarge(firstRevision, r.revision());
      }
      long revision = firstRevision == null ? r.revision() : firstRevision;
      String lastKey = null;
      for (KeyValue kv : r.items()) {
        if (limit > 0 && items.size() >= limit) {
          break;
        }
        lastKey = kv.key();
        ObjectNode o = decode(kv);
        if (q.filter().matches(o)) {
          items.add(o);
        }
      }
      boolean more = r.more() || (lastKey != null && !r.items().isEmpty()
          && !lastKey.equals(r.items().get(r.items().size() - 1).key()));
      if (limit > 0 && more && items.size() < limit && lastKey != null) {
        return readPages(prefix, lastKey, q, c, items, revision);
      }
      return CompletableFuture.completedFuture(new ListPage(items, revision, limit > 0 && more ? lastKey : null));
    });
  }

  static long parseRevision(String rv) {
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

  // ---------------------------------------------------------------- watching

  /**
   * Streams every change after {@code afterRevision} in the namespace (or everywhere). Callbacks come on a
   * store thread.
   */
  public Watch watch(String ns, long afterRevision, Consumer<Change> onChange, Consumer<Throwable> onClose)
      throws CompactedException {
    return watch(ns, afterRevision, null, onChange, onClose);
  }

  /**
   * As {@link #watch(String, long, Consumer, Consumer)}, for a watcher that keeps only objects whose
   * {@code spec.nodeName} is {@code nodeName} (when not null; pods only): it is handed only the changes of
   * such objects. Watchers resuming from a recent revision share one store watch.
   */
  public Watch watch(String ns, long afterRevision, String nodeName, Consumer<Change> onChange,
                     Consumer<Throwable> onClose) throws CompactedException {
    Watch shared = fanout.subscribe(namespaced() && ns != null && !ns.isEmpty() ? ns : null, nodeName, afterRevision,
        onChange, onClose);
    return shared != null ? shared : storeWatch(ns, afterRevision, (e, c) -> onChange.accept(c), onClose);
  }

  /** The store watch of the whole resource that {@link #fanout} shares among its watchers. */
  private Watch fanoutWatch(long afterRevision, Consumer<WatchFanout.Delivered> onChange, Consumer<Throwable> onClose)
      throws CompactedException {
    return storeWatch(null, afterRevision, (e, c) -> onChange.accept(new WatchFanout.Delivered(c, () -> changeOf(e))),
        onClose);
  }

  private Watch storeWatch(String ns, long afterRevision, BiConsumer<WatchEvent, Change> onChange,
                           Consumer<Throwable> onClose) throws CompactedException {
    return store.watch(prefix(ns), afterRevision, new WatchListener() {
      @Override
      public void onEvent(WatchEvent e) {
        Change c = changeOf(e);
        if (c != null) {
          onChange.accept(e, c);
        }
      }

      @Override
      public void onClose(Throwable cause) {
        onClose.accept(cause);
      }
    });
  }

  /** A store event decoded, with the event it came from (the same instance goes to every watcher). */
  private record Decoded(WatchEvent event, Change change) {}

  /**
   * The store hands every watcher of a prefix the same event instance: each is decoded once here and its
   * trees shared (watchers only read them), not once per watcher. With a kubelet watch per node, every pod
   * change otherwise went through the JSON parser once per node.
   */
  private final AtomicReferenceArray<Decoded> recentlyDecoded;

  private Change changeOf(WatchEvent e) {
    int slot = (int) (e.revision() * 31 + e.key().hashCode()) & (recentlyDecoded.length() - 1);
    Decoded d = recentlyDecoded.get(slot);
    if (d != null && d.event() == e) {
      return d.change();
    }
    ObjectNode previous = e.previous() == null ? null : decode(e.previous(), e.revision());
    Change c;
    if (e.type() == WatchEvent.Type.DELETE) {
      c = previous == null ? null : new Change("DELETED", previous, previous, e.revision());
    } else {
      ObjectNode object = decode(e.value(), e.revision());
      c = new Change(previous == null ? "ADDED" : "MODIFIED", object, previous, e.revision());
    }
    recentlyDecoded.set(slot, new Decoded(e, c));
    return c;
  }

  // ---------------------------------------------------------------- creating

  private void checkKind(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest("the request body must be a JSON or YAML object of kind " + kind());
    }
    String k = body.path("kind").asText("");
    String v = body.path("apiVersion").asText("");
    if (!k.isEmpty() && !k.equals(kind())) {
      throw ApiException.badRequest("the kind in the data (" + k + ") does not match the expected kind (" + kind() + ")");
    }
    if (!v.isEmpty() && !v.equals("v1")) {
      throw ApiException.badRequest("the API version in the data (" + v + ") does not match the expected API version (v1)");
    }
  }

  private T typed(JsonNode node) {
    try {
      return Json.STRICT_SCALARS.treeToValue(node, strategy.type());
    } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
      String field = fieldPath(e.getPath());
      throw ApiException.badRequest(kind() + " in version \"v1\" cannot be handled as a " + kind() + ": "
          + (field.isEmpty() ? firstLine(e.getOriginalMessage()) : field + ": " + wrongType(e, node)));
    } catch (Exception e) {
      throw ApiException.badRequest("the body is not a valid " + kind() + ": " + firstLine(e.getMessage()));
    }
  }

  /** {@code spec.containers[0].env[1].name} from Jackson's reference chain. */
  static String fieldPath(List<com.fasterxml.jackson.databind.JsonMappingException.Reference> path) {
    StringBuilder out = new StringBuilder();
    for (var r : path) {
      if (r.getFieldName() != null) {
        out.append(out.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        out.append('[').append(r.getIndex()).append(']');
      }
    }
    return out.toString();
  }

  /** What the field takes and what it was given (read from the body at the failure's path). */
  static String wrongType(com.fasterxml.jackson.databind.exc.MismatchedInputException e, JsonNode body) {
    Class<?> target = e.getTargetType();
    String wanted = target == null ? "of another type"
        : target == String.class ? "a string"
        : target == Integer.class || target == int.class || target == Long.class || target == long.class ? "an integer"
        : target == Boolean.class || target == boolean.class ? "a boolean"
        : "a " + target.getSimpleName();
    JsonNode given = body;
    for (var r : e.getPath()) {
      given = r.getFieldName() != null ? given.path(r.getFieldName()) : given.path(r.getIndex());
    }
    String what = given.isTextual() ? "the string " + given
        : given.isBoolean() ? "the boolean " + given
        : given.isNumber() ? "the number " + given
        : given.isObject() ? "an object" : given.isArray() ? "a list" : given.isNull() ? "null" : null;
    return "must be " + wanted + (what == null ? "" : ", not " + what);
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * The object as stored: as {@link #tree} encodes it (this API version and kind, no resourceVersion), written
   * straight from the object.
   */
  private byte[] encode(T obj) {
    if (!kind().equals(obj.getKind()) || obj.getMetadata() == null) {
      return Json.bytes(tree(obj));
    }
    obj.setApiVersion("v1");
    obj.getMetadata().setResourceVersion(null);
    return Json.bytes(obj);
  }

  private ObjectNode tree(T obj) {
    ObjectNode n = Json.MAPPER.valueToTree(obj);
    n.put("apiVersion", "v1");
    n.put("kind", kind());
    n.with("metadata").remove("resourceVersion");
    return n;
  }

  private String now() {
    return DateTimeFormatter.ISO_INSTANT.format(registry.clock().instant().truncatedTo(ChronoUnit.SECONDS));
  }

  private String timestampIn(long seconds) {
    return DateTimeFormatter.ISO_INSTANT.format(
        registry.clock().instant().truncatedTo(ChronoUnit.SECONDS).plusSeconds(seconds));
  }

  private String generatedName(String base) {
    StringBuilder b = new StringBuilder(base.length() > 58 ? base.substring(0, 58) : base);
    for (int i = 0; i < 5; i++) {
      b.append(NAME_ALPHABET.charAt(registry.random().nextInt(NAME_ALPHABET.length())));
    }
    return b.toString();
  }

  /** Creates the object in namespace {@code ns} (ignored for cluster-scoped resources). */
  public CompletableFuture<ObjectNode> create(String ns, JsonNode body) {
    return createEncoded(ns, body).thenApply(Created::object);
  }

  /**
   * An object this member created: its encoding as stored (without a resourceVersion) and the revision that
   * wrote it. The API answers a create with {@link #json()}, the stored bytes with the resourceVersion written
   * in, so that an object created over HTTP is encoded once, not built into a tree, copied and encoded again.
   */
  public record Created(byte[] stored, long revision, String kind) {
    /** The created object as a tree, with its resourceVersion. */
    public ObjectNode object() {
      ObjectNode n = (ObjectNode) Json.tree(stored);
      n.with("metadata").put("resourceVersion", Long.toString(revision));
      return n;
    }

    /** The created object as JSON, with its resourceVersion: the first field of its metadata. */
    public byte[] json() {
      byte[] head = ("{\"apiVersion\":\"v1\",\"kind\":\"" + kind + "\",\"metadata\":{").getBytes(StandardCharsets.UTF_8);
      if (stored.length <= head.length || !Arrays.equals(stored, 0, head.length, head, 0, head.length)
          || stored[head.length] == '}') {
        return Json.bytes(object()); // not laid out as this registry encodes its objects
      }
      byte[] rv = ("\"resourceVersion\":\"" + revision + "\",").getBytes(StandardCharsets.UTF_8);
      byte[] out = new byte[stored.length + rv.length];
      System.arraycopy(stored, 0, out, 0, head.length);
      System.arraycopy(rv, 0, out, head.length, rv.length);
      System.arraycopy(stored, head.length, out, head.length + rv.length, stored.length - head.length);
      return out;
    }
  }

  /** As {@link #create}, answering with the object as stored ({@link Created}). */
  public CompletableFuture<Created> createEncoded(String ns, JsonNode body) {
    checkKind(body);
    ObjectNode meta = body.path("metadata") instanceof ObjectNode m ? m : null;
    if (meta == null) {
      throw ApiException.invalid(kind(), "", List.of(FieldError.required("metadata.name", "name or generateName is required")));
    }
    if (namespaced()) {
      String bodyNs = meta.path("namespace").asText("");
      if (!bodyNs.isEmpty() && !bodyNs.equals(ns)) {
        throw ApiException.badRequest("the namespace of the provided object (" + bodyNs
            + ") does not match the namespace sent on the request (" + ns + ")");
      }
    }
    String name = meta.path("name").asText("");
    String generateName = meta.path("generateName").asText("");
    if (name.isEmpty() && generateName.isEmpty()) {
      throw ApiException.invalid(kind(), "", List.of(FieldError.required("metadata.name", "name or generateName is required")));
    }
    return createChecked(ns, (ObjectNode) body, false, 0);
  }

  /** Checks the namespace (from local state unless {@code linearizable}), then creates under its guard. */
  private CompletableFuture<Created> createChecked(String ns, ObjectNode body, boolean linearizable, int attempt) {
    CompletableFuture<Compare> nsCheck = namespaced()
        ? registry.checkNamespaceWritable(ns, linearizable) : CompletableFuture.completedFuture(null);
    return nsCheck.thenCompose(guard -> attemptCreate(ns, body, attempt, guard));
  }

  private CompletableFuture<Created> attemptCreate(String ns, ObjectNode body, int attempt, Compare nsGuard) {
    ObjectNode node = body.deepCopy();
    ObjectNode meta = node.with("metadata");
    String name = meta.path("name").asText("");
    boolean generated = false;
    if (name.isEmpty()) {
      name = generatedName(meta.path("generateName").asText());
      meta.put("name", name);
      generated = true;
    }
    if (namespaced()) {
      meta.put("namespace", ns);
    } else {
      meta.remove("namespace");
    }
    meta.put("uid", UUID.randomUUID().toString());
    meta.put("creationTimestamp", now());
    meta.put("generation", 1);
    meta.remove("resourceVersion");
    meta.remove("deletionTimestamp");
    meta.remove("deletionGracePeriodSeconds");
    meta.remove("selfLink");
    node.put("apiVersion", "v1");
    node.put("kind", kind());
    T obj = typed(node);
    strategy.prepareForCreate(obj);
    boolean services = resource().equals("services");
    Set<String> given = Set.of();
    List<FieldError> errors = new ArrayList<>();
    if (services) {
      ObjectNode allocating = tree(obj);
      errors.addAll(registry.services().check(allocating));
      if (errors.isEmpty()) {
        given = registry.services().allocate(allocating, null);
        obj = typed(allocating);
      }
    }
    errors.addAll(strategy.validate(obj));
    if (!errors.isEmpty()) {
      return CompletableFuture.failedFuture(ApiException.invalid(kind(), name, errors));
    }
    byte[] encoded = encode(obj);
    String key = key(ns, name);
    List<Compare> compares = new ArrayList<>();
    List<Op> ops = new ArrayList<>();
    compares.add(Compare.absent(key));
    ops.add(Op.put(key, encoded));
    List<String> reservations = services ? reservationKeys(Json.tree(encoded)) : List.of();
    for (String r : reservations) {
      compares.add(Compare.absent(r));
      ops.add(Op.put(r, key.getBytes(StandardCharsets.UTF_8)));
    }
    if (nsGuard != null) {
      compares.add(nsGuard);
    }
    final String finalName = name;
    final boolean wasGenerated = generated;
    final Set<String> explicit = given;
    return writes.txn(Txn.of(compares, ops)).thenCompose(r -> {
      if (r.succeeded()) {
        return CompletableFuture.completedFuture(new Created(encoded, r.revision(), kind()));
      }
      if (r.previous().get(0) != null) {
        if (wasGenerated && attempt < 5) {
          return attemptCreate(ns, body, attempt + 1, nsGuard);
        }
        throw ApiException.alreadyExists(resource(), finalName);
      }
      if (nsGuard != null) {
        KeyValue nsNow = r.previous().get(r.previous().size() - 1);
        if (nsNow == null || nsNow.modRevision() != nsGuard.modRevision()) {
          // the namespace changed (or this member's copy was stale): check it again, linearizably
          if (attempt >= 5) {
            throw ApiException.conflict(resource(), finalName, "the namespace kept changing; try again");
          }
          return createChecked(ns, body, true, attempt + 1);
        }
      }
      for (int i = 0; i < reservations.size(); i++) {
        if (r.previous().get(i + 1) != null && explicit.contains(reservations.get(i))) {
          throw ApiException.invalid(kind(), finalName, List.of(takenError(reservations.get(i))));
        }
      }
      if (attempt < 20) {
        return attemptCreate(ns, body, attempt + 1, nsGuard);
      }
      throw ApiException.internal("could not allocate a free cluster IP or node port after 20 tries; the range may be full");
    });
  }

  private static FieldError takenError(String reservationKey) {
    if (reservationKey.startsWith(ServiceAllocations.IP_PREFIX)) {
      return FieldError.invalid("spec.clusterIPs", reservationKey.substring(ServiceAllocations.IP_PREFIX.length()),
          "failed to allocate IP: provided IP is already allocated");
    }
    return FieldError.invalid("spec.ports[].nodePort", Integer.parseInt(reservationKey.substring(ServiceAllocations.PORT_PREFIX.length())),
        "provided port is already allocated");
  }

  private List<String> reservationKeys(JsonNode stored) {
    return resource().equals("services") ? new ArrayList<>(ServiceAllocations.keysOf(stored)) : List.of();
  }

  private List<FieldError> nameErrors(String name) {
    if (name.length() > 253 || !SUBDOMAIN.matcher(name).matches()) {
      return List.of(FieldError.invalid("metadata.name", name,
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
    }
    return List.of();
  }

  // ---------------------------------------------------------------- updating

  /** PUT of the whole object ({@code sub} null), of its status ({@code "status"}) or of a namespace's finalizers ({@code "finalize"}). */
  public CompletableFuture<ObjectNode> update(String ns, String name, JsonNode body, String sub) {
    checkKind(body);
    checkNameAndNamespace(body, ns, name);
    String rv = body.path("metadata").path("resourceVersion").asText("");
    if (!rv.isEmpty()) {
      parseRevision(rv);
    }
    ObjectNode copy = ((ObjectNode) body).deepCopy();
    if (sub == null && (resource().equals("endpoints") || resource().equals("events"))) {
      return store.get(key(ns, name), Store.Consistency.LINEARIZABLE).thenCompose(cur -> cur.isPresent() || !rv.isEmpty()
          ? updateWith(ns, name, c -> copy, sub, rv.isEmpty()) : create(ns, withName(copy, name)));
    }
    return updateWith(ns, name, c -> copy, sub, rv.isEmpty());
  }

  /** The object's own name and namespace, when it gives them, must be those of the URL (400 otherwise). */
  private void checkNameAndNamespace(JsonNode body, String ns, String name) {
    String bodyName = body.path("metadata").path("name").asText("");
    if (!bodyName.isEmpty() && !bodyName.equals(name)) {
      throw ApiException.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
    }
    String bodyNs = body.path("metadata").path("namespace").asText("");
    if (namespaced() && !bodyNs.isEmpty() && !bodyNs.equals(ns)) {
      throw ApiException.badRequest("the namespace of the provided object (" + bodyNs
          + ") does not match the namespace sent on the request (" + ns + ")");
    }
  }

  private static ObjectNode withName(ObjectNode body, String name) {
    body.with("metadata").put("name", name);
    return body;
  }

  /** What a server-side apply did: the object, and whether the apply created it. */
  public record Applied(ObjectNode object, boolean created) {}

  /**
   * Server-side apply ({@code application/apply-patch+yaml}) of {@code config} by {@code manager}: creates the
   * object when it does not exist, else merges the configuration into it ({@link ServerSideApply}); a field
   * another applier owns with another value is a 409 unless {@code force}.
   */
  public CompletableFuture<Applied> apply(String ns, String name, JsonNode config, String manager, boolean force) {
    return apply(ns, name, config, manager, force, true);
  }

  /** As above; {@code mayCreate} false: a missing object is a 403, not created (the caller may not create one). */
  public CompletableFuture<Applied> apply(String ns, String name, JsonNode config, String manager, boolean force,
                                          boolean mayCreate) {
    checkKind(config);
    if (config.path("apiVersion").asText("").isEmpty() || config.path("kind").asText("").isEmpty()) {
      throw ApiException.badRequest("an applied configuration must give its apiVersion and kind");
    }
    checkNameAndNamespace(config, ns, name);
    ObjectNode applied = ((ObjectNode) config).deepCopy();
    String rv = applied.path("metadata").path("resourceVersion").asText("");
    String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    return store.get(key(ns, name), Store.Consistency.LINEARIZABLE).thenCompose(found -> {
      if (found.isEmpty()) {
        if (!rv.isEmpty()) {
          throw notFound(name);
        }
        if (!mayCreate) {
          throw ApiException.forbidden(resource(), name, "applying it would create it, and the caller may not create "
              + resource());
        }
        ObjectNode created = applyBy(null, applied, manager, force, now);
        created.with("metadata").put("name", name);
        return create(ns, created).thenApply(o -> new Applied(o, true)).exceptionallyCompose(error -> {
          Throwable cause = error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error;
          if (cause instanceof ApiException e && "AlreadyExists".equals(e.reason())) {
            // created meanwhile by another: applied to it instead, as Kubernetes does
            return updateWith(ns, name, cur -> applyBy(cur, applied, manager, force, now), null, true)
                .thenApply(o -> new Applied(o, false));
          }
          return CompletableFuture.failedFuture(cause);
        });
      }
      return updateWith(ns, name, cur -> applyBy(cur, applied, manager, force, now), null, rv.isEmpty())
          .thenApply(o -> new Applied(o, false));
    });
  }

  private ObjectNode applyBy(ObjectNode live, ObjectNode applied, String manager, boolean force, String now) {
    try {
      ObjectNode out = ServerSideApply.apply(kind(), live, applied, manager, force, now);
      String rv = applied.path("metadata").path("resourceVersion").asText("");
      if (!rv.isEmpty()) {
        out.with("metadata").put("resourceVersion", rv); // checked against the live one as an update's
      }
      return out;
    } catch (ServerSideApply.ConflictException e) {
      List<io.fabric8.kubernetes.api.model.StatusCause> causes = new ArrayList<>();
      e.byManager().forEach((m, fields) -> fields.forEach(f -> {
        io.fabric8.kubernetes.api.model.StatusCause c = new io.fabric8.kubernetes.api.model.StatusCause();
        c.setReason("FieldManagerConflict");
        c.setMessage("conflict with \"" + m + "\" using v1");
        c.setField(f);
        causes.add(c);
      }));
      throw ApiException.of(409, "Conflict", e.getMessage(), "", resource(), applied.path("metadata").path("name").asText(null), causes);
    }
  }

  /** Applies a patch of the given content type to the object or its status. */
  public CompletableFuture<ObjectNode> patch(String ns, String name, String contentType, JsonNode patch, String sub) {
    boolean carriesRv = carriesResourceVersion(contentType, patch);
    return updateWith(ns, name, cur -> applyPatch(cur, contentType, patch), sub, !carriesRv);
  }

  ObjectNode applyPatch(ObjectNode cur, String contentType, JsonNode patch) {
    JsonNode out = switch (contentType) {
      case io.coxswain.api.Patches.MERGE -> io.coxswain.api.Patches.mergePatch(cur, patch);
      case io.coxswain.api.Patches.STRATEGIC -> io.coxswain.api.Patches.strategicMergePatch(cur, patch, kind());
      case io.coxswain.api.Patches.JSON -> io.coxswain.api.Patches.jsonPatch(cur, patch);
      default -> throw ApiException.unsupportedMediaType(contentType, List.of(io.coxswain.api.Patches.JSON,
          io.coxswain.api.Patches.MERGE, io.coxswain.api.Patches.STRATEGIC));
    };
    if (!(out instanceof ObjectNode o)) {
      throw ApiException.badRequest("the patched object is not a JSON object");
    }
    return o;
  }

  static boolean carriesResourceVersion(String contentType, JsonNode patch) {
    if (patch == null) {
      return false;
    }
    if (patch.isArray()) {
      for (JsonNode op : patch) {
        if (op.path("path").asText("").equals("/metadata/resourceVersion") && !op.path("op").asText().equals("test")) {
          return true;
        }
      }
      return false;
    }
    JsonNode rv = patch.path("metadata").path("resourceVersion");
    return rv.isTextual() && !rv.asText().isEmpty();
  }

  /**
   * The update path every write of an existing object takes: read, change, check the resourceVersion the
   * change carries, run the strategy, then compare-and-swap on the read modRevision. On a lost race it
   * reads again and re-applies the change when {@code retry} (the change carried no resourceVersion).
   */
  public CompletableFuture<ObjectNode> updateWith(String ns, String name, UnaryOperator<ObjectNode> change, String sub,
                                                  boolean retry) {
    return attemptUpdate(ns, name, change, sub, retry, 0);
  }

  /** Orders JSON leaves as equal when they are, or are numbers of the same value (an int and a long). */
  static final java.util.Comparator<com.fasterxml.jackson.databind.JsonNode> SAME_VALUE = (a, b) -> {
    if (a.equals(b)) {
      return 0;
    }
    return a.isNumber() && b.isNumber() && a.decimalValue().compareTo(b.decimalValue()) == 0 ? 0 : 1;
  };

  private CompletableFuture<ObjectNode> attemptUpdate(String ns, String name, UnaryOperator<ObjectNode> change, String sub,
                                                      boolean retry, int attempt) {
    String key = key(ns, name);
    return store.get(key, Store.Consistency.LINEARIZABLE).thenCompose(found -> {
      KeyValue kv = found.orElseThrow(() -> notFound(name));
      ObjectNode cur = decode(kv);
      ObjectNode desired = change.apply(cur.deepCopy());
      JsonNode owners = cur.path("metadata").path("managedFields");
      if (owners.isArray() && desired.path("metadata") instanceof ObjectNode dm
          && (!dm.has("managedFields") || dm.get("managedFields").isNull())) {
        dm.set("managedFields", owners); // an update that does not give them keeps them ([] clears them), as in Kubernetes
      }
      String rv = desired.path("metadata").path("resourceVersion").asText("");
      if (!rv.isEmpty() && parseRevision(rv) != kv.modRevision()) {
        throw ApiException.staleUpdate(resource(), name);
      }
      ObjectNode stored = prepareUpdate(ns, name, cur, desired, sub);
      ObjectNode curStored = cur.deepCopy();
      curStored.with("metadata").remove("resourceVersion");
      // numbers typed as long by the model come back as int from the store: compared by value
      if (stored.equals(SAME_VALUE, curStored)) {
        return CompletableFuture.completedFuture(cur);
      }
      Set<String> given = resource().equals("services") ? registry.services().allocate(stored, cur) : Set.of();
      List<Compare> compares = new ArrayList<>();
      List<Op> ops = new ArrayList<>();
      compares.add(new Compare(key, kv.modRevision()));
      List<String> added = new ArrayList<>();
      boolean remove = shouldDeleteOnUpdate(stored);
      if (remove) {
        ops.add(Op.delete(key));
        for (String r : reservationKeys(curStored)) {
          ops.add(Op.delete(r));
        }
      } else {
        ops.add(Op.put(key, Json.bytes(stored)));
        List<String> before = reservationKeys(curStored);
        List<String> after = reservationKeys(stored);
        for (String r : after) {
          if (!before.contains(r)) {
            added.add(r);
            compares.add(Compare.absent(r));
            ops.add(Op.put(r, key.getBytes(StandardCharsets.UTF_8)));
          }
        }
        for (String r : before) {
          if (!after.contains(r)) {
            ops.add(Op.delete(r));
          }
        }
      }
      return writes.txn(Txn.of(compares, ops)).thenCompose(r -> {
        if (r.succeeded()) {
          ObjectNode out = stored.deepCopy();
          out.with("metadata").put("resourceVersion", Long.toString(r.revision()));
          return CompletableFuture.completedFuture(out);
        }
        KeyValue now = r.previous().get(0);
        if (now == null) {
          throw notFound(name);
        }
        if (now.modRevision() != kv.modRevision()) {
          if (retry && attempt < CAS_RETRIES) {
            return attemptUpdate(ns, name, change, sub, retry, attempt + 1);
          }
          throw ApiException.staleUpdate(resource(), name);
        }
        for (int i = 0; i < added.size(); i++) {
          if (r.previous().get(i + 1) != null && given.contains(added.get(i))) {
            throw ApiException.invalid(kind(), name, List.of(takenError(added.get(i))));
          }
        }
        if (attempt < CAS_RETRIES) {
          return attemptUpdate(ns, name, change, sub, retry, attempt + 1);
        }
        throw ApiException.staleUpdate(resource(), name);
      });
    });
  }

  /** The stored form (no resourceVersion) of an update: immutable metadata kept, strategy applied. */
  private ObjectNode prepareUpdate(String ns, String name, ObjectNode cur, ObjectNode desired, String sub) {
    checkKind(desired);
    desired.put("apiVersion", "v1");
    desired.put("kind", kind());
    ObjectNode meta = desired.with("metadata");
    JsonNode oldMeta = cur.path("metadata");
    for (String f : List.of("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "generation")) {
      if (oldMeta.has(f)) {
        meta.set(f, oldMeta.get(f).deepCopy());
      } else {
        meta.remove(f);
      }
    }
    meta.remove("resourceVersion");
    meta.remove("selfLink");
    if ("finalize".equals(sub) || "binding".equals(sub) || "scale".equals(sub)) {
      if ("finalize".equals(sub)) {
        ObjectNode keep = cur.deepCopy();
        keep.with("spec").set("finalizers", desired.path("spec").path("finalizers").deepCopy());
        keep.with("metadata").remove("resourceVersion");
        return keep;
      }
      if ("scale".equals(sub)) {
        T obj = typed(desired);
        T old = typed(cur);
        strategy.prepareForUpdate(obj, old);
        List<FieldError> errors = strategy.validateUpdate(obj, old);
        if (!errors.isEmpty()) {
          throw ApiException.invalid(kind(), name, errors);
        }
        ObjectNode out = tree(obj);
        if (strategy.specChanged(obj, old)) {
          out.with("metadata").put("generation", oldMeta.path("generation").asLong(1) + 1);
        }
        return out;
      }
      return desired;
    }
    Strategy<T> s = "status".equals(sub) ? strategy.forStatus() : strategy;
    if (s == null) {
      throw ApiException.notFoundPath(resource() + "/" + sub);
    }
    T obj = typed(desired);
    T old = typed(cur);
    s.prepareForUpdate(obj, old);
    List<FieldError> errors = new ArrayList<>();
    if (resource().equals("services")) {
      errors.addAll(registry.services().check(Json.MAPPER.valueToTree(obj)));
    }
    errors.addAll(s.validateUpdate(obj, old));
    if (!errors.isEmpty()) {
      throw ApiException.invalid(kind(), name, errors);
    }
    ObjectNode out = tree(obj);
    if (s.specChanged(obj, old)) {
      out.with("metadata").put("generation", oldMeta.path("generation").asLong(1) + 1);
    }
    return out;
  }

  private boolean shouldDeleteOnUpdate(JsonNode stored) {
    JsonNode meta = stored.path("metadata");
    if (!meta.has("deletionTimestamp") || !meta.path("finalizers").isEmpty()) {
      return false;
    }
    if (resource().equals("namespaces")) {
      return stored.path("spec").path("finalizers").isEmpty();
    }
    if (resource().equals("pods")) {
      return meta.path("deletionGracePeriodSeconds").asLong(0) == 0 || stored.path("spec").path("nodeName").asText("").isEmpty();
    }
    return true;
  }

  // ---------------------------------------------------------------- deleting

  /**
   * Deletes the object, or marks it: a pod bound to a node with a grace period gets deletionTimestamp and
   * deletionGracePeriodSeconds; an object with finalizers (or an Orphan/Foreground propagation) gets
   * deletionTimestamp and stays until they are empty; a namespace turns Terminating. Answers the object as
   * it is after the request.
   */
  public CompletableFuture<ObjectNode> delete(String ns, String name, DeleteRequest opts) {
    if (resource().equals("namespaces") && (name.equals("default") || name.equals("kube-system") || name.equals("kube-public"))) {
      return CompletableFuture.failedFuture(ApiException.forbidden("namespaces", name, "this namespace may not be deleted"));
    }
    return attemptDelete(ns, name, opts, 0);
  }

  private CompletableFuture<ObjectNode> attemptDelete(String ns, String name, DeleteRequest opts, int attempt) {
    String key = key(ns, name);
    return store.get(key, Store.Consistency.LINEARIZABLE).thenCompose(found -> {
      KeyValue kv = found.orElseThrow(() -> notFound(name));
      ObjectNode cur = decode(kv);
      JsonNode meta = cur.path("metadata");
      if (opts.preconditionUid() != null && !opts.preconditionUid().equals(meta.path("uid").asText())) {
        throw ApiException.conflict(resource(), name, "Precondition failed: UID in precondition: "
            + opts.preconditionUid() + ", UID in object meta: " + meta.path("uid").asText());
      }
      if (opts.preconditionResourceVersion() != null
          && !opts.preconditionResourceVersion().equals(meta.path("resourceVersion").asText())) {
        throw ApiException.conflict(resource(), name, "Precondition failed: ResourceVersion in precondition: "
            + opts.preconditionResourceVersion() + ", ResourceVersion in object meta: " + meta.path("resourceVersion").asText());
      }
      ObjectNode next = cur.deepCopy();
      ObjectNode nextMeta = next.with("metadata");
      nextMeta.remove("resourceVersion");
      boolean terminating = meta.has("deletionTimestamp");
      boolean removeNow;
      if (resource().equals("namespaces")) {
        if (!terminating) {
          nextMeta.put("deletionTimestamp", now());
          nextMeta.put("deletionGracePeriodSeconds", 0);
          next.with("status").put("phase", "Terminating");
          addPropagationFinalizer(nextMeta, opts);
          removeNow = false;
        } else {
          removeNow = meta.path("finalizers").isEmpty() && cur.path("spec").path("finalizers").isEmpty();
        }
      } else {
        long grace = gracePeriod(cur, opts);
        addPropagationFinalizer(nextMeta, opts);
        boolean hasFinalizers = !nextMeta.path("finalizers").isEmpty();
        if (terminating) {
          long oldGrace = meta.path("deletionGracePeriodSeconds").asLong(0);
          if (grace < oldGrace) {
            nextMeta.put("deletionGracePeriodSeconds", grace);
            nextMeta.put("deletionTimestamp", timestampIn(grace));
          }
          removeNow = !hasFinalizers && grace == 0;
        } else if (hasFinalizers || grace > 0) {
          nextMeta.put("deletionTimestamp", timestampIn(grace));
          nextMeta.put("deletionGracePeriodSeconds", grace);
          removeNow = false;
        } else {
          removeNow = true;
        }
      }
      ObjectNode curStored = cur.deepCopy();
      curStored.with("metadata").remove("resourceVersion");
      List<Op> ops = new ArrayList<>();
      if (removeNow) {
        ops.add(Op.delete(key));
        for (String r : reservationKeys(curStored)) {
          ops.add(Op.delete(r));
        }
      } else if (next.equals(curStored)) {
        return CompletableFuture.completedFuture(cur);
      } else {
        ops.add(Op.put(key, Json.bytes(next)));
      }
      return writes.txn(Txn.of(List.of(new Compare(key, kv.modRevision())), ops)).thenCompose(r -> {
        if (r.succeeded()) {
          ObjectNode out = removeNow ? curStored : next;
          out.with("metadata").put("resourceVersion", Long.toString(r.revision()));
          return CompletableFuture.completedFuture(out);
        }
        if (r.previous().get(0) == null) {
          throw notFound(name);
        }
        if (attempt < CAS_RETRIES) {
          return attemptDelete(ns, name, opts, attempt + 1);
        }
        throw ApiException.staleUpdate(resource(), name);
      });
    });
  }

  private long gracePeriod(JsonNode cur, DeleteRequest opts) {
    if (!resource().equals("pods")) {
      return 0;
    }
    boolean bound = !cur.path("spec").path("nodeName").asText("").isEmpty();
    String phase = cur.path("status").path("phase").asText("");
    if (!bound || phase.equals("Succeeded") || phase.equals("Failed")) {
      return 0;
    }
    if (opts.gracePeriodSeconds() != null) {
      return Math.max(0, opts.gracePeriodSeconds());
    }
    JsonNode existing = cur.path("metadata").path("deletionGracePeriodSeconds");
    if (existing.canConvertToLong() && !existing.isMissingNode()) {
      return existing.asLong();
    }
    JsonNode spec = cur.path("spec").path("terminationGracePeriodSeconds");
    return spec.isMissingNode() || spec.isNull() ? 30 : Math.max(0, spec.asLong());
  }

  private static void addPropagationFinalizer(ObjectNode meta, DeleteRequest opts) {
    String finalizer = switch (opts.propagationPolicy() == null ? "" : opts.propagationPolicy()) {
      case "Orphan" -> "orphan";
      case "Foreground" -> "foregroundDeletion";
      default -> null;
    };
    if (finalizer == null) {
      return;
    }
    ArrayNode list = meta.withArray("finalizers");
    for (JsonNode f : list) {
      if (f.asText().equals(finalizer)) {
        return;
      }
    }
    list.add(finalizer);
  }

  /** Deletes every object of the list query; answers the objects as they are after their deletes. */
  public CompletableFuture<List<ObjectNode>> deleteCollection(String ns, ListQuery q, DeleteRequest opts) {
    return list(ns, new ListQuery(q.filter(), 0, null, null, null)).thenCompose(page -> {
      List<CompletableFuture<Optional<ObjectNode>>> each = new ArrayList<>();
      for (ObjectNode o : page.items()) {
        String objNs = o.path("metadata").path("namespace").asText(null);
        String objName = o.path("metadata").path("name").asText();
        each.add(delete(objNs, objName, opts).thenApply(Optional::of).exceptionally(e -> Optional.empty()));
      }
      return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
        List<ObjectNode> out = new ArrayList<>();
        for (var f : each) {
          f.join().ifPresent(out::add);
        }
        return out;
      });
    });
  }

  // ---------------------------------------------------------------- subresources

  /** pods/binding: sets spec.nodeName and the PodScheduled condition; 409 when the pod already has a node. */
  public CompletableFuture<ObjectNode> bind(String ns, String podName, JsonNode binding) {
    String node = binding == null ? "" : binding.path("target").path("name").asText("");
    String kindOfTarget = binding == null ? "" : binding.path("target").path("kind").asText("Node");
    if (node.isEmpty()) {
      throw ApiException.invalid("Binding", podName, List.of(FieldError.required("target.name", "")));
    }
    if (!kindOfTarget.isEmpty() && !kindOfTarget.equals("Node")) {
      throw ApiException.invalid("Binding", podName, List.of(FieldError.notSupported("target.kind", kindOfTarget, List.of("Node"))));
    }
    String uid = binding.path("metadata").path("uid").asText("");
    return updateWith(ns, podName, cur -> {
      String current = cur.path("spec").path("nodeName").asText("");
      if (!current.isEmpty()) {
        throw ApiException.conflict("pods/binding", podName, "pod " + podName + " is already assigned to node \"" + current + "\"");
      }
      if (cur.path("metadata").has("deletionTimestamp")) {
        throw ApiException.conflict("pods/binding", podName, "pod " + podName + " is being deleted, cannot be assigned to a host");
      }
      if (!uid.isEmpty() && !uid.equals(cur.path("metadata").path("uid").asText())) {
        throw ApiException.conflict("pods/binding", podName, "Precondition failed: UID in precondition: " + uid);
      }
      cur.with("spec").put("nodeName", node);
      ArrayNode conditions = cur.with("status").withArray("conditions");
      ObjectNode scheduled = null;
      for (JsonNode c : conditions) {
        if (c.path("type").asText().equals("PodScheduled")) {
          scheduled = (ObjectNode) c;
        }
      }
      if (scheduled == null) {
        scheduled = conditions.addObject();
        scheduled.put("type", "PodScheduled");
      }
      scheduled.put("status", "True");
      scheduled.put("lastTransitionTime", now());
      scheduled.remove("reason");
      scheduled.remove("message");
      return cur;
    }, "binding", false);
  }

  /** replicationcontrollers/scale as an autoscaling/v1 Scale. */
  public static ObjectNode scaleOf(ObjectNode rc) {
    ObjectNode scale = Json.MAPPER.createObjectNode();
    scale.put("kind", "Scale");
    scale.put("apiVersion", "autoscaling/v1");
    ObjectNode meta = scale.putObject("metadata");
    for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
      if (rc.path("metadata").has(f)) {
        meta.set(f, rc.path("metadata").get(f).deepCopy());
      }
    }
    scale.putObject("spec").put("replicas", rc.path("spec").path("replicas").asInt(1));
    ObjectNode status = scale.putObject("status");
    status.put("replicas", rc.path("status").path("replicas").asInt(0));
    JsonNode selector = rc.path("spec").path("selector");
    if (selector.isObject() && !selector.isEmpty()) {
      List<String> parts = new ArrayList<>();
      selector.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + e.getValue().asText()));
      status.put("selector", String.join(",", parts));
    }
    return scale;
  }

  public CompletableFuture<ObjectNode> updateScale(String ns, String name, UnaryOperator<ObjectNode> scaleChange) {
    boolean[] carried = {false};
    return updateWith(ns, name, rc -> {
      ObjectNode scale = scaleChange.apply(scaleOf(rc));
      String kind = scale.path("kind").asText("Scale");
      if (!kind.equals("Scale")) {
        throw ApiException.badRequest("the kind in the data (" + kind + ") does not match the expected kind (Scale)");
      }
      JsonNode replicas = scale.path("spec").path("replicas");
      if (!replicas.isMissingNode() && !replicas.isNull() && (!replicas.canConvertToInt() || replicas.asInt() < 0)) {
        throw ApiException.invalid("Scale", name, List.of(FieldError.invalid("spec.replicas", replicas.asText(),
            "must be greater than or equal to 0")));
      }
      String rv = scale.path("metadata").path("resourceVersion").asText("");
      rc.with("metadata").put("resourceVersion", rv);
      rc.with("spec").put("replicas", replicas.isMissingNode() || replicas.isNull() ? 0 : replicas.asInt());
      return rc;
    }, "scale", true).thenApply(ResourceRegistry::scaleOf);
  }
}
