package io.coxswain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class MemoryStoreTest {

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  /** Records what a watch delivered. */
  static final class Recorder implements WatchListener {
    final List<WatchEvent> events = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> closed = new AtomicReference<>();
    final CountDownLatch release;

    Recorder(CountDownLatch release) {
      this.release = release;
    }

    Recorder() {
      this(new CountDownLatch(0));
    }

    @Override
    public void onEvent(WatchEvent event) {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      events.add(event);
    }

    @Override
    public void onClose(Throwable cause) {
      closed.set(cause);
    }
  }

  @Test
  void casThroughTheStore() throws Exception {
    try (MemoryStore s = new MemoryStore(100)) {
      TxnResult c = s.txn(Txn.of(List.of(Compare.absent("/a")), List.of(Op.put("/a", b("1"))))).get();
      assertTrue(c.succeeded());
      TxnResult again = s.txn(Txn.of(List.of(Compare.absent("/a")), List.of(Op.put("/a", b("2"))))).get();
      assertFalse(again.succeeded());
      assertEquals(1, again.previous().get(0).modRevision());
      assertEquals(1, s.get("/a").get().orElseThrow().modRevision());
      assertEquals(1, s.range("/", null, 0, Store.Consistency.LOCAL).get().items().size());
    }
  }

  @Test
  void watchReplaysHistoryThenLive() throws Exception {
    try (MemoryStore s = new MemoryStore(100)) {
      for (int i = 0; i < 5; i++) {
        s.txn(Txn.of(List.of(), List.of(Op.put("/p/" + i, b("v"))))).get();
        s.txn(Txn.of(List.of(), List.of(Op.put("/q/" + i, b("v"))))).get();
      }
      Recorder r = new Recorder();
      s.watch("/p/", 4, r);
      s.txn(Txn.of(List.of(), List.of(Op.put("/p/x", b("v"))))).get();
      await(() -> r.events.size() == 4, "replay and live event");
      assertEquals(List.of(5L, 7L, 9L, 11L), r.events.stream().map(WatchEvent::revision).toList());
      Recorder fromNow = new Recorder();
      s.watch("/p/", 0, fromNow);
      s.txn(Txn.of(List.of(), List.of(Op.put("/p/y", b("v"))))).get();
      await(() -> fromNow.events.size() == 1, "live event only");
      assertEquals(12, fromNow.events.get(0).revision());
    }
  }

  @Test
  void compactedWatchThrows() throws Exception {
    try (MemoryStore s = new MemoryStore(3)) {
      for (int i = 0; i < 10; i++) {
        s.txn(Txn.of(List.of(), List.of(Op.put("/k", b("v" + i))))).get();
      }
      assertEquals(7, s.compactedRevision());
      CompactedException e = assertThrows(CompactedException.class, () -> s.watch("/", 2, new Recorder()));
      assertEquals(7, e.compactedRevision());
      Recorder r = new Recorder();
      s.watch("/", 7, r);
      await(() -> r.events.size() == 3, "retained history");
    }
  }

  @Test
  void compactionCommandUsesTheCutoff() throws Exception {
    long[] now = {1000};
    Clock clock = new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public java.time.Instant instant() {
        return java.time.Instant.ofEpochMilli(now[0]);
      }
    };
    try (MemoryStore s = new MemoryStore(100, 100, clock)) {
      for (int i = 0; i < 6; i++) {
        now[0] = 1000 + i * 1000L;
        s.txn(Txn.of(List.of(), List.of(Op.put("/k", b("v" + i))))).get();
      }
      assertEquals(3L, s.compactHistory(3500).get());
      assertThrows(CompactedException.class, () -> s.watch("/", 2, new Recorder()));
    }
  }

  @Test
  void slowWatcherIsClosed() throws Exception {
    try (MemoryStore s = new MemoryStore(1000, 10, Clock.systemUTC())) {
      CountDownLatch release = new CountDownLatch(1);
      Recorder slow = new Recorder(release);
      s.watch("/", 0, slow);
      for (int i = 0; i < 50; i++) {
        s.txn(Txn.of(List.of(), List.of(Op.put("/k" + i, b("v"))))).get();
      }
      release.countDown();
      await(() -> slow.closed.get() != null, "onClose of the slow watcher");
      assertTrue(slow.events.size() < 50);
    }
  }

  @Test
  void watchRegisteredDuringWritesSeesNoGapNorDuplicate() throws Exception {
    try (MemoryStore s = new MemoryStore(100_000, 100_000, Clock.systemUTC())) {
      int writers = 4;
      java.util.concurrent.atomic.AtomicBoolean registered = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
      List<CompletableFuture<Void>> running = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int id = w;
        running.add(CompletableFuture.runAsync(() -> {
          // half the writes race with the registrations, the other half follow them
          for (int i = 0; i < 600; i++) {
            if (i == 300) {
              while (!registered.get()) {
                Thread.onSpinWait();
              }
            }
            s.txn(Txn.of(List.of(), List.of(Op.put("/w/" + id + "/" + (i % 10), b("v" + i))))).join();
            written.incrementAndGet();
          }
        }));
      }
      await(() -> written.get() > 10, "writes to start");
      List<Recorder> recorders = new ArrayList<>();
      List<Long> starts = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        long from = i % 2 == 0 ? 0 : Math.max(0, s.revision() - 7);
        Recorder r = new Recorder();
        s.watch("/w/", from, r);
        recorders.add(r);
        starts.add(from);
        Thread.yield();
      }
      registered.set(true);
      CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      long last = s.revision();
      assertEquals(written.get(), last);
      for (int i = 0; i < recorders.size(); i++) {
        Recorder r = recorders.get(i);
        int idx = i;
        await(() -> !r.events.isEmpty() && r.events.get(r.events.size() - 1).revision() == last,
            "watch " + idx + " from " + starts.get(i) + " to reach " + last + ": has " + r.events.size()
                + (r.events.isEmpty() ? "" : " ending " + r.events.get(r.events.size() - 1).revision()) + " closed " + r.closed.get());
        assertEquals(null, r.closed.get());
        List<Long> revs = r.events.stream().map(WatchEvent::revision).toList();
        long first = revs.get(0);
        if (starts.get(i) != 0) {
          assertEquals(starts.get(i) + 1, first, "watch from a revision starts right after it");
        }
        for (int k = 1; k < revs.size(); k++) {
          assertEquals(revs.get(k - 1) + 1, revs.get(k), "no gap or duplicate at " + k);
        }
      }
    }
  }
}
