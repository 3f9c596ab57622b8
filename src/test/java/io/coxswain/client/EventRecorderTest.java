package io.coxswain.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EventRecorderTest {
  /** Records what would have been written: event creations (by message) and count patches. */
  private static final class Writes implements ClusterClient {
    final List<String> created = new ArrayList<>();
    final List<String> patched = new ArrayList<>();
    /** When not null, creations are answered only when the test completes these. */
    List<Promise<Void>> held;
    /** Creations fail at once (a store without quorum answers so). */
    boolean failing;

    @Override
    @SuppressWarnings("unchecked")
    public <T extends HasMetadata> Future<T> create(ResourceKind<T> kind, T object) {
      created.add(((Event) object).getMessage());
      if (failing) {
        return Future.failedFuture("the store is unavailable");
      }
      if (held != null) {
        Promise<Void> answer = Promise.promise();
        held.add(answer);
        return answer.future().map(v -> object);
      }
      return Future.succeededFuture(object);
    }

    @Override
    public <T extends HasMetadata> Future<T> patch(ResourceKind<T> kind, String namespace, String name, String subresource,
                                                    String contentType, String patch) {
      patched.add(patch);
      return Future.succeededFuture();
    }

    @Override
    public <T extends HasMetadata> Future<T> get(ResourceKind<T> kind, String namespace, String name) {
      throw new UnsupportedOperationException();
    }

    @Override
    public <T extends HasMetadata> Future<ObjectList<T>> list(ResourceKind<T> kind, String namespace, ListOptions options) {
      throw new UnsupportedOperationException();
    }

    @Override
    public <T extends HasMetadata> Future<T> update(ResourceKind<T> kind, T object, String subresource) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Void> delete(ResourceKind<?> kind, String namespace, String name, Long grace, String propagation) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Void> bind(String namespace, String pod, String node) {
      throw new UnsupportedOperationException();
    }

    @Override
    public <T extends HasMetadata> Future<WatchHandle> watch(ResourceKind<T> kind, String namespace, ListOptions options,
                                                              Handler<ObjectEvent<T>> handler, Handler<Throwable> onEnd) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<String> getText(String path) {
      throw new UnsupportedOperationException();
    }
  }

  private static ReplicationController rc(String name, String uid) {
    return new ReplicationControllerBuilder().withNewMetadata().withName(name).withNamespace("default").withUid(uid)
        .endMetadata().build();
  }

  @Test
  void anObjectGetsABurstOfTwentyFiveEventsThenOneEveryFiveMinutes() {
    Writes writes = new Writes();
    AtomicLong now = new AtomicLong(1_000_000);
    EventRecorder events = new EventRecorder(writes, "replication-controller", null, now::get);
    ReplicationController web = rc("web", "u1");
    for (int i = 0; i < 100; i++) {
      events.normal(web, "SuccessfulCreate", "Created pod: web-" + i);
    }
    assertEquals(EventRecorder.SPAM_BURST, writes.created.size());
    assertEquals("Created pod: web-24", writes.created.get(24));
    assertEquals(75, events.dropped());

    // another object and another event type have buckets of their own
    events.normal(rc("db", "u2"), "SuccessfulCreate", "Created pod: db-0");
    events.warning(web, "FailedCreate", "Error creating: quota");
    assertEquals(List.of("Created pod: db-0", "Error creating: quota"), writes.created.subList(25, 27));

    now.addAndGet(EventRecorder.SPAM_REFILL_MS - 1);
    events.normal(web, "SuccessfulCreate", "Created pod: web-100");
    assertEquals(27, writes.created.size(), "no token yet");
    now.addAndGet(1);
    events.normal(web, "SuccessfulCreate", "Created pod: web-101");
    events.normal(web, "SuccessfulCreate", "Created pod: web-102");
    assertEquals(28, writes.created.size(), "one token after five minutes");
    assertEquals("Created pod: web-101", writes.created.get(27));
  }

  @Test
  void aRepeatedEventBumpsTheCountOfTheFirstAndCountsAgainstTheBurstToo() {
    Writes writes = new Writes();
    AtomicLong now = new AtomicLong(0);
    EventRecorder events = new EventRecorder(writes, "kubelet", "n1", now::get);
    ReplicationController obj = rc("x", "u3");
    for (int i = 0; i < 30; i++) {
      events.warning(obj, "BackOff", "Back-off restarting failed container");
    }
    assertEquals(1, writes.created.size());
    assertEquals(EventRecorder.SPAM_BURST - 1, writes.patched.size());
    assertEquals(true, writes.patched.get(0).contains("\"count\":2"));
    assertEquals(5, events.dropped());
  }

  @Test
  void eventsWaitTheirTurnBehindTheWritesUnderWayAndThoseBeyondTheQueueAreLeftOut() {
    Writes writes = new Writes();
    writes.held = new ArrayList<>();
    EventRecorder events = new EventRecorder(writes, "default-scheduler", null, () -> 0L);
    int beyond = 5;
    for (int i = 0; i < EventRecorder.MAX_WRITING + EventRecorder.MAX_QUEUED + beyond; i++) {
      events.normal(rc("p" + i, "u" + i), "Scheduled", "Successfully assigned default/p" + i + " to n1");
    }
    assertEquals(EventRecorder.MAX_WRITING, writes.created.size(), "only so many under way at once");
    assertEquals(EventRecorder.MAX_QUEUED, events.queued());
    assertEquals(beyond, events.dropped());

    writes.held.get(0).complete();
    assertEquals(EventRecorder.MAX_WRITING + 1, writes.created.size(), "an answer lets the next one go");
    assertEquals("Successfully assigned default/p" + EventRecorder.MAX_WRITING + " to n1",
        writes.created.get(EventRecorder.MAX_WRITING), "in the order recorded");
    writes.held.get(1).fail("the store is unavailable");
    assertEquals(EventRecorder.MAX_WRITING + 2, writes.created.size(), "a failed write too");
    assertEquals(EventRecorder.MAX_QUEUED - 2, events.queued());
  }

  @Test
  void anEventLeftOutIsNotRememberedSoItsRepeatIsWrittenAsANewOne() {
    Writes writes = new Writes();
    writes.held = new ArrayList<>();
    EventRecorder events = new EventRecorder(writes, "kubelet", "n1", () -> 0L);
    for (int i = 0; i < EventRecorder.MAX_WRITING + EventRecorder.MAX_QUEUED; i++) {
      events.normal(rc("p" + i, "u" + i), "Pulled", "pulled");
    }
    ReplicationController late = rc("late", "u-late");
    events.warning(late, "BackOff", "Back-off restarting failed container");
    assertEquals(1, events.dropped());
    List.copyOf(writes.held).forEach(Promise::complete); // the four under way are answered: four queued ones start
    events.warning(late, "BackOff", "Back-off restarting failed container");
    for (int i = 0; i < writes.held.size(); i++) {
      writes.held.get(i).tryComplete();
    }
    assertEquals("Back-off restarting failed container", writes.created.get(writes.created.size() - 1),
        "created, not a count bumped on an event that was never written");
    assertEquals(0, writes.patched.size());
  }

  @Test
  void writesAnsweredAtOnceDrainTheWholeQueue() {
    Writes writes = new Writes();
    writes.held = new ArrayList<>();
    EventRecorder events = new EventRecorder(writes, "kubelet", "n1", () -> 0L);
    int total = EventRecorder.MAX_WRITING + EventRecorder.MAX_QUEUED;
    for (int i = 0; i < total; i++) {
      events.normal(rc("p" + i, "u" + i), "Pulled", "pulled " + i);
    }
    assertEquals(EventRecorder.MAX_QUEUED, events.queued());
    writes.failing = true; // from now on each write fails as soon as it is made
    List.copyOf(writes.held).forEach(Promise::complete);
    assertEquals(total, writes.created.size());
    assertEquals(0, events.queued());
    assertEquals(0, events.dropped());
  }
}
