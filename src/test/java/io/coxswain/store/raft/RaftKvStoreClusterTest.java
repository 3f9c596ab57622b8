package io.coxswain.store.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.store.Compare;
import io.coxswain.store.KeyValue;
import io.coxswain.store.Member;
import io.coxswain.store.Op;
import io.coxswain.store.Store;
import io.coxswain.store.Txn;
import io.coxswain.store.TxnResult;
import io.coxswain.store.UnavailableException;
import io.coxswain.store.WatchEvent;
import io.coxswain.store.WatchListener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three RaftKvStore members in this JVM on 127.0.0.1. */
class RaftKvStoreClusterTest {
  static final Duration TIMEOUT = Duration.ofSeconds(3);
  static final String GROUP = "test-group";

  @TempDir
  Path tmp;
  final Map<String, RaftStoreConfig> configs = new ConcurrentHashMap<>();
  final Map<String, RaftKvStore> running = new ConcurrentHashMap<>();

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  static void await(BooleanSupplier condition, Duration within, String what) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  boolean productionSnapshots;

  RaftStoreConfig config(String id, boolean bootstrap) throws IOException {
    RaftStoreConfig c = bootstrap
        ? RaftStoreConfig.bootstrap(id, tmp.resolve(id), "127.0.0.1", freePort(), GROUP)
        : RaftStoreConfig.joining(id, tmp.resolve(id), "127.0.0.1", freePort(), GROUP);
    c = c.withRequestTimeout(TIMEOUT);
    if (!productionSnapshots) {
      // small snapshots and log segments, so snapshots, purges and installs happen within a test
      c = c.withSnapshots(500, 64 * 1024);
    }
    configs.put(id, c);
    return c;
  }

  RaftKvStore start(RaftStoreConfig c) throws IOException {
    RaftKvStore s = RaftKvStore.start(c);
    running.put(c.memberId(), s);
    return s;
  }

  void stop(String id) {
    RaftKvStore s = running.remove(id);
    if (s != null) {
      s.close();
    }
  }

  @BeforeEach
  void threeMembers(org.junit.jupiter.api.TestInfo test) throws Exception {
    productionSnapshots = test.getDisplayName().startsWith("throughput");
    RaftKvStore a = start(config("a", true));
    await(a::isLeader, Duration.ofSeconds(20), "a to lead its one-voter group");
    for (String id : List.of("b", "c")) {
      RaftStoreConfig c = config(id, false);
      start(c);
      a.addMember(id, c.peerAddress()).get(30, TimeUnit.SECONDS);
    }
    await(() -> running.values().stream().allMatch(s -> members(s).size() == 3), Duration.ofSeconds(20),
        "every member to see three voters");
  }

  @AfterEach
  void closeAll() {
    running.values().forEach(RaftKvStore::close);
    running.clear();
  }

  static List<Member> members(RaftKvStore s) {
    try {
      return s.members().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return List.of();
    }
  }

  RaftKvStore leader() throws InterruptedException {
    AtomicReference<RaftKvStore> found = new AtomicReference<>();
    await(() -> {
      for (RaftKvStore s : running.values()) {
        if (s.isLeader()) {
          found.set(s);
          return true;
        }
      }
      return false;
    }, Duration.ofSeconds(20), "a leader");
    return found.get();
  }

  RaftKvStore aFollower() throws InterruptedException {
    RaftKvStore leader = leader();
    return running.values().stream().filter(s -> s != leader).findFirst().orElseThrow();
  }

  static TxnResult create(Store s, String key, byte[] value) throws Exception {
    return s.txn(Txn.of(List.of(Compare.absent(key)), List.of(Op.put(key, value)))).get(30, TimeUnit.SECONDS);
  }

  @Test
  void writesOnAFollowerAreForwardedAndReadLinearizably() throws Exception {
    RaftKvStore follower = aFollower();
    assertTrue(members(follower).stream().anyMatch(Member::leader));
    TxnResult r = create(follower, "/pods/default/web", b("v1"));
    assertTrue(r.succeeded());
    assertTrue(r.revision() > 0);
    for (RaftKvStore s : running.values()) {
      Optional<KeyValue> kv = s.get("/pods/default/web", Store.Consistency.LINEARIZABLE).get(10, TimeUnit.SECONDS);
      assertArrayEquals(b("v1"), kv.orElseThrow().value());
      assertEquals(r.revision(), kv.get().modRevision());
    }
    TxnResult again = create(leader(), "/pods/default/web", b("v2"));
    assertTrue(!again.succeeded());
    assertEquals(r.revision(), again.previous().get(0).modRevision());

    // a compaction proposed with a cutoff in the future drops the whole history on every member
    long rev = create(follower, "/pods/default/db", b("v1")).revision();
    assertEquals(rev, leader().compactHistory(System.currentTimeMillis() + 60_000).get(10, TimeUnit.SECONDS));
    for (RaftKvStore s : running.values()) {
      await(() -> s.compactedRevision() == rev, Duration.ofSeconds(10), "compaction applied on " + s.memberId());
      org.junit.jupiter.api.Assertions.assertThrows(io.coxswain.store.CompactedException.class,
          () -> s.watch("/pods/", rev - 1, new RevisionRecorder()));
    }
  }

  /**
   * Writes that arrive while one is being replicated go out together as one Raft entry, and an entry has a size
   * limit: large writes, each within the store's limit, must not fail for being over it together. One over the
   * limit alone is refused as too large, before anything is proposed.
   */
  @Test
  void largeWritesAtOnceAllGoThroughAndOneOverTheLimitIsRefusedWithNothingWritten() throws Exception {
    RaftKvStore follower = aFollower();
    byte[] large = new byte[1800 * 1024];
    java.util.Arrays.fill(large, (byte) 'l');
    List<CompletableFuture<TxnResult>> writes = new ArrayList<>();
    for (int i = 0; i < 6; i++) { // the first goes out alone, the other five wait for it: 9 MB together
      String key = "/pods/default/large-" + i;
      writes.add(follower.txn(Txn.of(List.of(Compare.absent(key)), List.of(Op.put(key, large)))));
    }
    for (CompletableFuture<TxnResult> w : writes) {
      assertTrue(w.get(60, TimeUnit.SECONDS).succeeded());
    }
    for (RaftKvStore s : running.values()) {
      for (int i = 0; i < 6; i++) {
        assertArrayEquals(large, s.get("/pods/default/large-" + i, Store.Consistency.LINEARIZABLE)
            .get(10, TimeUnit.SECONDS).orElseThrow().value());
      }
    }
    byte[] over = new byte[RaftStoreConfig.MAX_TXN_BYTES];
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> leader()
        .txn(Txn.of(List.of(), List.of(Op.put("/pods/default/over", over)))).get(30, TimeUnit.SECONDS));
    assertInstanceOf(io.coxswain.store.TooLargeException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("at most " + RaftStoreConfig.MAX_TXN_BYTES), e.getCause().getMessage());
    assertTrue(leader().get("/pods/default/over", Store.Consistency.LINEARIZABLE).get(10, TimeUnit.SECONDS).isEmpty());
  }

  @Test
  void theLeadersWritesGoToItsOwnServerAndOneTurnedAwayGoesThroughTheClient() throws Exception {
    RaftKvStore leader = leader();
    RaftKvStore follower = aFollower();
    long[] before = leader.ownServerWrites();
    for (int i = 0; i < 5; i++) {
      assertTrue(create(leader, "/pods/default/own-" + i, b("v")).succeeded());
    }
    long[] after = leader.ownServerWrites();
    assertEquals(5, after[0] - before[0], "each of the leader's writes handed to its own server");
    assertEquals(0, after[1] - before[1], "none turned away");
    assertEquals(0, follower.ownServerWrites()[0], "a follower's writes go through its client");
    // a follower's server turns the hand-over away before appending: the write goes to the leader instead, once
    TxnResult r = follower.txnThroughOwnServer(Txn.of(List.of(Compare.absent("/pods/default/turned")),
        List.of(Op.put("/pods/default/turned", b("v"))))).get(30, TimeUnit.SECONDS);
    assertTrue(r.succeeded());
    assertEquals(1, follower.ownServerWrites()[1], "turned away to the client");
    TxnResult again = create(leader, "/pods/default/turned", b("w"));
    assertFalse(again.succeeded(), "applied once: the key exists");
    assertEquals(r.revision(), again.previous().get(0).modRevision());
    assertEquals(r.revision(), again.previous().get(0).createRevision());
  }

  @Test
  void theLeaderKeepsNoRepliesToItsOwnWritesOnceItHasThem() throws Exception {
    RaftKvStore leader = leader();
    for (int i = 0; i < 60; i++) {
      assertTrue(create(leader, "/pods/default/replied-" + i, b("v")).succeeded());
    }
    // each own write names the ones answered before it, and the server drops their replies: what is left is
    // the last one and the last call of each member's client, not the 60 replies for the cache's minute
    await(() -> {
      try {
        return leader.retryCacheSize() < 10;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }, Duration.ofSeconds(5), "the leader's retry cache to drop the replies to its own writes");
  }

  /** Records revisions a watch delivered. */
  static final class RevisionRecorder implements WatchListener {
    final List<Long> revisions = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> closed = new AtomicReference<>();

    @Override
    public void onEvent(WatchEvent event) {
      revisions.add(event.revision());
    }

    @Override
    public void onClose(Throwable cause) {
      closed.set(cause);
    }
  }

  @Test
  void aWriteGuardedByAnEndedTermIsRefusedWhereverItIsSent() throws Exception {
    RaftKvStore oldLeader = leader();
    long term = oldLeader.leaderTerm();
    assertTrue(term > 0, "a leader's term");
    RaftKvStore follower = aFollower();
    assertEquals(-1, follower.leaderTerm());
    // the leader's components' writes, forwarded by a follower as well, while that term lasts
    assertTrue(create(new io.coxswain.store.TermFencedStore(follower, term), "/fenced/forwarded", b("1")).succeeded());
    assertTrue(create(new io.coxswain.store.TermFencedStore(oldLeader, term), "/fenced/direct", b("1")).succeeded());

    stop(memberIdOf(oldLeader));
    RaftKvStore next = leader();
    assertTrue(next.leaderTerm() > term, "a later term");
    // what the old leader's components would still send: refused by every member, nothing written
    for (RaftKvStore s : running.values()) {
      java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
          java.util.concurrent.ExecutionException.class,
          () -> create(new io.coxswain.store.TermFencedStore(s, term), "/fenced/stale", b("1")));
      org.junit.jupiter.api.Assertions.assertInstanceOf(io.coxswain.store.UnavailableException.class, e.getCause());
    }
    assertTrue(next.get("/fenced/stale").get(10, TimeUnit.SECONDS).isEmpty());
    assertTrue(create(new io.coxswain.store.TermFencedStore(next, next.leaderTerm()), "/fenced/new", b("1")).succeeded());
  }

  @Test
  void leaderLossDuringWritesKeepsEveryAcknowledgedWrite() throws Exception {
    RaftKvStore oldLeader = leader();
    RaftKvStore watched = aFollower();
    List<Boolean> leadership = new CopyOnWriteArrayList<>();
    running.values().stream().filter(s -> s != oldLeader).forEach(s -> s.addLeadershipListener(leadership::add));
    RevisionRecorder recorder = new RevisionRecorder();
    watched.watch("/w/", watched.revision(), recorder);
    long startRev = watched.revision();

    List<RaftKvStore> writers = running.values().stream().filter(s -> s != oldLeader).toList();
    Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    Semaphore inFlight = new Semaphore(16);
    List<CompletableFuture<?>> all = new CopyOnWriteArrayList<>();
    Thread load = new Thread(() -> {
      for (int i = 0; !stop.get(); i++) {
        inFlight.acquireUninterruptibly();
        String key = "/w/" + i;
        RaftKvStore via = writers.get(i % writers.size());
        all.add(via.txn(Txn.of(List.of(Compare.absent(key)), List.of(Op.put(key, b("v" + i)))))
            .whenComplete((r, e) -> {
              if (e == null && r.succeeded()) {
                acknowledged.put(key, r.revision());
              }
              inFlight.release();
            }));
      }
    });
    load.start();
    await(() -> acknowledged.size() > 100, Duration.ofSeconds(30), "writes before the leader goes");
    stop(memberIdOf(oldLeader));
    int before = acknowledged.size();
    await(() -> acknowledged.size() > before + 100, Duration.ofSeconds(30), "writes after the election");
    stop.set(true);
    load.join();
    await(() -> leadership.contains(true), Duration.ofSeconds(20), "a survivor to be told it leads");
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).handle((v, e) -> null).get(60, TimeUnit.SECONDS);

    long maxRev = acknowledged.values().stream().max(Comparator.naturalOrder()).orElseThrow();
    for (RaftKvStore s : running.values()) {
      await(() -> s.revision() >= maxRev, Duration.ofSeconds(20), "survivor to apply everything");
      Map<String, Long> stored = new ConcurrentHashMap<>();
      for (KeyValue kv : s.range("/w/", null, 0, Store.Consistency.LINEARIZABLE).get(10, TimeUnit.SECONDS).items()) {
        stored.put(kv.key(), kv.modRevision());
      }
      acknowledged.forEach((k, rev) -> assertEquals(rev, stored.get(k), "acknowledged " + k + " on " + s.memberId()));
    }
    long last = watched.revision();
    await(() -> !recorder.revisions.isEmpty() && recorder.revisions.get(recorder.revisions.size() - 1) == last,
        Duration.ofSeconds(20), "the watch to reach the last revision");
    assertNull(recorder.closed.get());
    List<Long> revs = recorder.revisions;
    assertEquals(startRev + 1, revs.get(0));
    for (int k = 1; k < revs.size(); k++) {
      assertEquals(revs.get(k - 1) + 1, revs.get(k), "watch revisions are contiguous");
    }

    // the closed member restarts on its data dir and catches up
    RaftKvStore back = start(configs.get(memberIdOf(oldLeader)));
    TxnResult after = create(leader(), "/after-restart", b("x"));
    await(() -> back.revision() >= after.revision(), Duration.ofSeconds(30), "restarted member to catch up");
    assertEquals(acknowledged.size(), back.range("/w/", null, 0, Store.Consistency.LOCAL).get().items().size());
  }

  String memberIdOf(RaftKvStore s) {
    return s.memberId();
  }

  @Test
  void aStoppedMemberCatchesUpByLogAfterMoreWritesThanTheEntryCacheHolds() throws Exception {
    RaftKvStore leader = leader();
    String laggardId = aFollower().memberId();
    stop(laggardId);
    // 400 writes of 4 KiB: about 1.6 MB of log in 64 KiB segments, more than the in-memory entry cache is
    // sized for (two closed segments, at least 1 MB), and fewer than the 500 entries between snapshots: the
    // laggard is brought up to date from the log, not by a snapshot
    List<CompletableFuture<TxnResult>> writes = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      writes.add(leader.txn(Txn.of(List.of(), List.of(Op.put("/lag/" + i, new byte[4096])))));
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    long rev = leader.revision();
    RaftKvStore back = start(configs.get(laggardId));
    await(() -> back.revision() >= rev, Duration.ofSeconds(60), "the stopped member to catch up");
    assertEquals(400, back.range("/lag/", null, 0, Store.Consistency.LOCAL).get().items().size());
    assertFalse(hasFileStartingWith(tmp.resolve(laggardId), "snapshot."), "caught up from the log, not a snapshot");
  }

  @Test
  void anOldLeaderCatchesUpAfterTheNewLeaderPurgedTheEndedTerm() throws Exception {
    RaftKvStore old = leader();
    long quiet = create(old, "/t/before", b("x")).revision();
    for (RaftKvStore s : running.values()) {
      await(() -> s.revision() >= quiet, Duration.ofSeconds(20), "every member to apply the last write");
    }
    String oldId = old.memberId();
    stop(oldId);
    // the new term begins a new log segment right after the last entry the old leader holds; a snapshot
    // then purges the ended term's segment, so the new leader keeps neither that entry nor a snapshot ending
    // on it, and has to send the old leader its snapshot when it comes back
    RaftKvStore next = leader();
    for (int i = 0; i < 50; i++) {
      create(next, "/t/" + i, b("v" + i));
    }
    assertTrue(next.takeSnapshot().get(60, TimeUnit.SECONDS) > quiet);
    TxnResult after = create(next, "/t/after", b("y"));

    RaftKvStore back = start(configs.get(oldId));
    await(() -> back.revision() >= after.revision(), Duration.ofSeconds(30), "the old leader to catch up");
    assertEquals(52, back.range("/t/", null, 0, Store.Consistency.LOCAL).get().items().size());
    assertTrue(hasFileStartingWith(tmp.resolve(oldId), "snapshot."), "the old leader received a snapshot file");
  }

  @Test
  void wipedMemberCatchesUpFromASnapshot() throws Exception {
    RaftKvStore leader = leader();
    RaftKvStore victim = aFollower();
    String victimId = victim.memberId();
    stop(victimId);
    leader.removeMember(victimId).get(30, TimeUnit.SECONDS);
    deleteTree(tmp.resolve(victimId));

    List<CompletableFuture<TxnResult>> writes = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      writes.add(leader.txn(Txn.of(List.of(), List.of(Op.put("/s/" + (i % 300), new byte[512])))));
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    for (RaftKvStore s : running.values()) {
      assertTrue(s.takeSnapshot().get(60, TimeUnit.SECONDS) > 0);
    }
    long rev = leader.revision();

    RaftStoreConfig fresh = configs.get(victimId);
    RaftKvStore rejoined = start(fresh.withInitialPeers(Map.of()));
    leader.addMember(victimId, fresh.peerAddress()).get(30, TimeUnit.SECONDS);
    await(() -> rejoined.revision() >= rev, Duration.ofSeconds(60), "wiped member to catch up");
    assertEquals(300, rejoined.range("/s/", null, 0, Store.Consistency.LOCAL).get().items().size());
    assertTrue(hasFileStartingWith(tmp.resolve(victimId), "snapshot."), "the wiped member received a snapshot file");
    TxnResult more = create(rejoined, "/s/after", b("y"));
    assertTrue(more.succeeded());
  }

  @Test
  void withoutQuorumAWriteFailsWithUnavailable() throws Exception {
    RaftKvStore survivor = aFollower();
    for (String id : new ArrayList<>(running.keySet())) {
      if (!id.equals(survivor.memberId())) {
        stop(id);
      }
    }
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> survivor.txn(Txn.of(List.of(), List.of(Op.put("/nq", b("x"))))).get(TIMEOUT.toMillis() * 4, TimeUnit.MILLISECONDS));
    assertInstanceOf(UnavailableException.class, e.getCause());
    ExecutionException r = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> survivor.get("/nq", Store.Consistency.LINEARIZABLE).get(TIMEOUT.toMillis() * 4, TimeUnit.MILLISECONDS));
    assertInstanceOf(UnavailableException.class, r.getCause());
    assertTrue(survivor.get("/nq", Store.Consistency.LOCAL).get().isEmpty());
  }

  /** Prints (does not assert) the rate of 64 concurrent 1 KiB creates; asserts every acknowledged one is stored. */
  @Test
  void throughputOf64ConcurrentCreates() throws Exception {
    RaftKvStore leader = leader();
    runCreates(leader, "/warmup/", 500);
    long t0 = System.nanoTime();
    int total = 2000;
    List<CompletableFuture<TxnResult>> all = runCreates(leader, "/bench/", total);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long failed = all.stream().filter(CompletableFuture::isCompletedExceptionally).count();
    System.out.printf("THROUGHPUT: %d creates of 1 KiB, 64 in flight, 3 members in one JVM: %.0f writes/s "
        + "(%.1f s, %d failed)%n", total, total / seconds, seconds, failed);
    long succeeded = all.stream().filter(f -> !f.isCompletedExceptionally() && f.join().succeeded()).count();
    long stored = leader.range("/bench/", null, 0, Store.Consistency.LINEARIZABLE).get(30, TimeUnit.SECONDS).items().size();
    assertTrue(stored >= succeeded && stored <= total, "stored " + stored + " of " + succeeded + " acknowledged");
  }

  static List<CompletableFuture<TxnResult>> runCreates(RaftKvStore via, String prefix, int total) throws Exception {
    byte[] value = new byte[1024];
    Semaphore window = new Semaphore(64);
    List<CompletableFuture<TxnResult>> all = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      window.acquire();
      String key = prefix + i;
      CompletableFuture<TxnResult> f = via.txn(Txn.of(List.of(Compare.absent(key)), List.of(Op.put(key, value))));
      f.whenComplete((r, e) -> window.release());
      all.add(f);
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).handle((v, e) -> null).get(300, TimeUnit.SECONDS);
    return all;
  }

  /** Whether a file under {@code root} has a name starting with {@code prefix}; files the running member
   * renames or removes while the tree is read (its meta file's temporary copy) are passed over. */
  static boolean hasFileStartingWith(Path root, String prefix) throws IOException {
    java.util.concurrent.atomic.AtomicBoolean found = new java.util.concurrent.atomic.AtomicBoolean();
    Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
        if (file.getFileName().toString().startsWith(prefix)) {
          found.set(true);
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
        return java.nio.file.FileVisitResult.CONTINUE;
      }
    });
    return found.get();
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
