package io.coxswain.api.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.store.StoreException;
import io.coxswain.store.Watch;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class WatchFanoutTest {
  /** A store watch driven by hand: what it was opened after, and the callbacks to push changes into. */
  private static final class HandSource implements WatchFanout.Source {
    final List<Long> openedAfter = new ArrayList<>();
    Consumer<Change> push;
    Consumer<Throwable> end;
    int closed;
    /** How many times a change was decoded again (for a watcher resuming inside the window). */
    int again;

    @Override
    public Watch open(long afterRevision, Consumer<WatchFanout.Delivered> onChange, Consumer<Throwable> onClose) {
      openedAfter.add(afterRevision);
      push = c -> onChange.accept(new WatchFanout.Delivered(c, () -> {
        again++;
        return c;
      }));
      end = onClose;
      return () -> closed++;
    }
  }

  private static ObjectNode pod(String ns, String name, String node, long rv) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.putObject("metadata").put("namespace", ns).put("name", name).put("resourceVersion", Long.toString(rv));
    if (node != null) {
      o.putObject("spec").put("nodeName", node);
    }
    return o;
  }

  private static Change added(String ns, String name, String node, long rv) {
    return new Change("ADDED", pod(ns, name, node, rv), null, rv);
  }

  private static Change moved(String ns, String name, String from, String to, long rv) {
    return new Change("MODIFIED", pod(ns, name, to, rv), pod(ns, name, from, rv - 1), rv);
  }

  private static WatchFanout fanout(HandSource source, int capacity) {
    return new WatchFanout(source, o -> o.path("spec").path("nodeName").asText(""), capacity);
  }

  private static List<Long> revisions(List<Change> got) {
    return got.stream().map(Change::revision).toList();
  }

  @Test
  void aWatcherPinnedToANodeGetsOnlyThatNodesChangesIncludingTheOneThatTakesAPodAway() throws Exception {
    HandSource source = new HandSource();
    WatchFanout f = fanout(source, 16);
    List<Change> a = new ArrayList<>();
    List<Change> all = new ArrayList<>();
    f.subscribe(null, "a", 10, a::add, e -> { });
    f.subscribe(null, null, 10, all::add, e -> { });
    source.push.accept(added("d", "p1", null, 11));
    source.push.accept(moved("d", "p1", "", "a", 12));
    source.push.accept(added("d", "p2", "b", 13));
    source.push.accept(moved("d", "p1", "a", "b", 14));
    assertEquals(List.of(12L, 14L), revisions(a));
    assertEquals(List.of(11L, 12L, 13L, 14L), revisions(all));
    assertEquals(List.of(10L), source.openedAfter, "one store watch for both");
  }

  @Test
  void aWatcherResumingInsideTheWindowGetsTheRestOnceInOrderAndOneFromBeforeItIsTurnedAway() throws Exception {
    HandSource source = new HandSource();
    WatchFanout f = fanout(source, 3);
    f.subscribe(null, null, 100, c -> { }, e -> { });
    for (long rv = 101; rv <= 105; rv++) {
      source.push.accept(added("d", "p" + rv, "a", rv));
    }
    // the window holds 103..105: changes after 102 can be replayed, after 101 cannot
    assertNull(f.subscribe(null, null, 101, c -> { }, e -> { }));
    List<Change> got = new ArrayList<>();
    assertNotNull(f.subscribe(null, "a", 103, got::add, e -> { }));
    source.push.accept(added("d", "p106", "a", 106));
    assertEquals(List.of(104L, 105L, 106L), revisions(got));
  }

  @Test
  void aWatcherResumingInsideTheWindowHasOnlyTheChangesItGetsDecodedAgain() throws Exception {
    HandSource source = new HandSource();
    WatchFanout f = fanout(source, 16);
    f.subscribe(null, null, 10, c -> { }, e -> { });
    source.push.accept(added("d", "p1", "a", 11));
    source.push.accept(added("d", "p2", "b", 12));
    source.push.accept(moved("d", "p2", "b", "a", 13));
    source.push.accept(added("other", "p3", "a", 14));
    source.push.accept(moved("d", "p1", "a", "c", 15));
    assertEquals(0, source.again, "live watchers are handed the change as delivered");
    List<Change> got = new ArrayList<>();
    f.subscribe("d", "a", 10, got::add, e -> { });
    assertEquals(List.of(11L, 13L, 15L), revisions(got));
    assertEquals(3, source.again, "of the window, only its namespace's changes to or from its node");
  }

  @Test
  void aWatcherAheadOfTheSharedWatchSkipsWhatItAlreadyHas() throws Exception {
    HandSource source = new HandSource();
    WatchFanout f = fanout(source, 16);
    f.subscribe(null, null, 5, c -> { }, e -> { });
    List<Change> got = new ArrayList<>();
    f.subscribe(null, null, 7, got::add, e -> { });
    for (long rv = 6; rv <= 9; rv++) {
      source.push.accept(added("d", "p" + rv, null, rv));
    }
    assertEquals(List.of(8L, 9L), revisions(got));
  }

  @Test
  void aNamespacedWatcherSeesItsNamespaceOnly() throws Exception {
    HandSource source = new HandSource();
    WatchFanout f = fanout(source, 16);
    List<Change> got = new ArrayList<>();
    f.subscribe("team", null, 1, got::add, e -> { });
    source.push.accept(added("team", "x", null, 2));
    source.push.accept(added("other", "y", null, 3));
    source.push.accept(added("team", "z", null, 4));
    assertEquals(List.of(2L, 4L), revisions(got));
  }

  @Test
  void aClosedWatcherGetsNothingMore() throws Exception {
    HandSource source = new HandSource();
    WatchFanout f = fanout(source, 16);
    List<Change> got = new ArrayList<>();
    Watch w = f.subscribe(null, "a", 1, got::add, e -> { });
    source.push.accept(added("d", "p", "a", 2));
    w.close();
    source.push.accept(added("d", "q", "a", 3));
    assertEquals(List.of(2L), revisions(got));
    assertEquals(0, f.size());
  }

  @Test
  void whenTheStoreEndsTheSharedWatchEveryWatcherEndsWithItsCauseAndTheNextStartsAnew() throws Exception {
    HandSource source = new HandSource();
    WatchFanout f = fanout(source, 16);
    List<Throwable> ends = new ArrayList<>();
    f.subscribe(null, "a", 1, c -> { }, ends::add);
    f.subscribe(null, null, 1, c -> { }, ends::add);
    Consumer<Change> oldPush = source.push;
    StoreException cause = new StoreException("watcher fell behind");
    source.end.accept(cause);
    assertEquals(2, ends.size());
    assertSame(cause, ends.get(0));
    assertEquals(0, f.size());
    List<Change> got = new ArrayList<>();
    f.subscribe(null, null, 40, got::add, e -> { });
    assertEquals(List.of(1L, 40L), source.openedAfter);
    oldPush.accept(added("d", "late", null, 41)); // a late delivery of the old watch is ignored
    source.push.accept(added("d", "p", null, 41));
    assertEquals(List.of(41L), revisions(got));
    assertEquals(1, got.size());
  }
}
