package io.coxswain.client;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.vertx.core.Future;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Records Events about objects the way Kubernetes' recorders do: a repeat of the same reason and message
 * for the same object bumps the existing event's count and lastTimestamp instead of creating another.
 * Recording never fails the caller: errors are swallowed (events are best effort).
 *
 * <p>As Kubernetes' event broadcaster, a recorder writes its events a few at a time from a queue of at most
 * {@link #MAX_QUEUED}, and leaves out what comes while the queue is full: events never compete with the
 * writes they tell about. When a scheduler binds thousands of pods at once, its Scheduled events wait for
 * the bindings instead of taking every other write through the store.
 */
public final class EventRecorder {
  private static final int MAX_REMEMBERED = 4096;
  /** Event writes waiting their turn, as Kubernetes' broadcaster queues (its default). */
  static final int MAX_QUEUED = 1000;
  /** Event writes under way at once. */
  static final int MAX_WRITING = 4;
  /** Kubernetes' spam filter: per object and event type, a burst of 25 events, then one more every 5 minutes. */
  static final int SPAM_BURST = 25;
  static final long SPAM_REFILL_MS = 300_000;

  private final ClusterClient client;
  private final String component;
  private final String host;
  private final Map<String, Seen> seen = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
      return size() > MAX_REMEMBERED;
    }
  };

  private final Map<String, Bucket> buckets = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
      return size() > MAX_REMEMBERED;
    }
  };
  private final LongSupplier clock;
  private long dropped;
  private final ArrayDeque<Supplier<Future<?>>> queued = new ArrayDeque<>();
  private int writing;
  private boolean draining;

  private record Seen(String namespace, String name, int count, String firstTimestamp) {}

  /** Tokens left for one object's events of one type, as of {@code at} (ms). */
  private record Bucket(double tokens, long at) {}

  /** @param host the node the events come from (kubelets); null for cluster-wide controllers, as in Kubernetes */
  public EventRecorder(ClusterClient client, String component, String host) {
    this(client, component, host, System::currentTimeMillis);
  }

  EventRecorder(ClusterClient client, String component, String host, LongSupplier clock) {
    this.client = client;
    this.component = component;
    this.host = host;
    this.clock = clock;
  }

  /** Events left out so far, by the spam filter or because the queue was full. */
  public synchronized long dropped() {
    return dropped;
  }

  /**
   * Takes a token of the object's bucket for events of {@code type}; false when it has none left. As in
   * Kubernetes, a controller that creates a hundred pods at once records the first 25 of them, not every one:
   * events are for people, and each costs a write through the store.
   */
  private boolean allowed(String objectKey, long now) {
    Bucket b = buckets.get(objectKey);
    double tokens = b == null ? SPAM_BURST
        : Math.min(SPAM_BURST, b.tokens() + (double) (now - b.at()) / SPAM_REFILL_MS);
    if (tokens < 1) {
      buckets.put(objectKey, new Bucket(tokens, now));
      return false;
    }
    buckets.put(objectKey, new Bucket(tokens - 1, now));
    return true;
  }

  public Future<Void> normal(HasMetadata obj, String reason, String message) {
    return record(obj, "Normal", reason, message);
  }

  public Future<Void> warning(HasMetadata obj, String reason, String message) {
    return record(obj, "Warning", reason, message);
  }

  /** Completes at once: the event is queued to be written, or left out (see the class). */
  public synchronized Future<Void> record(HasMetadata obj, String type, String reason, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String ns = obj.getMetadata().getNamespace() == null ? "default" : obj.getMetadata().getNamespace();
    String objectKey = obj.getKind() + "|" + ns + "|" + obj.getMetadata().getName() + "|" + obj.getMetadata().getUid()
        + "|" + type;
    if (!allowed(objectKey, clock.getAsLong())) {
      dropped++;
      return Future.succeededFuture();
    }
    String key = obj.getMetadata().getUid() + "|" + type + "|" + reason + "|" + message;
    Seen previous = seen.get(key);
    if (previous != null) {
      int count = previous.count() + 1;
      seen.put(key, new Seen(previous.namespace(), previous.name(), count, previous.firstTimestamp()));
      String patch = "{\"count\":" + count + ",\"lastTimestamp\":\"" + now + "\"}";
      write(() -> client.patch(ResourceKind.EVENTS, previous.namespace(), previous.name(), null,
          "application/merge-patch+json", patch));
      return Future.succeededFuture();
    }
    String name = obj.getMetadata().getName() + "." + Long.toHexString(System.currentTimeMillis() * 1000
        + ThreadLocalRandom.current().nextInt(1000));
    Event event = new EventBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder()
            .withApiVersion(obj.getApiVersion() == null ? "v1" : obj.getApiVersion())
            .withKind(obj.getKind())
            .withName(obj.getMetadata().getName())
            .withNamespace(obj.getMetadata().getNamespace())
            .withUid(obj.getMetadata().getUid())
            .withResourceVersion(obj.getMetadata().getResourceVersion())
            .build())
        .withType(type).withReason(reason).withMessage(message)
        .withNewSource().withComponent(component).withHost(host).endSource()
        .withReportingComponent(component).withReportingInstance(host == null ? "" : host)
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
        .build();
    if (write(() -> client.create(ResourceKind.EVENTS, event))) {
      // remembered only when queued: a repeat of an event left out is written anew, not counted on nothing
      seen.put(key, new Seen(ns, name, 1, now));
    }
    return Future.succeededFuture();
  }

  /** Events waiting to be written (for tests). */
  synchronized int queued() {
    return queued.size();
  }

  /** Queues a write and starts what may start; false when the queue is full and the write is left out. */
  private boolean write(Supplier<Future<?>> call) {
    if (queued.size() >= MAX_QUEUED) {
      dropped++;
      return false;
    }
    queued.add(call);
    drain();
    return true;
  }

  /**
   * Starts queued writes while fewer than {@link #MAX_WRITING} are under way. A write answered at once (a
   * failure, most often) comes back here from within the loop, which then goes on: no recursion.
   */
  private void drain() {
    if (draining) {
      return;
    }
    draining = true;
    try {
      while (writing < MAX_WRITING && !queued.isEmpty()) {
        writing++;
        Future<?> f;
        try {
          f = queued.poll().get();
        } catch (RuntimeException e) {
          f = Future.failedFuture(e);
        }
        f.onComplete(ar -> written());
      }
    } finally {
      draining = false;
    }
  }

  private synchronized void written() {
    writing--;
    drain();
  }
}
