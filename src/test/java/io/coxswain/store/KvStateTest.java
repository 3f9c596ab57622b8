package io.coxswain.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KvStateTest {

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static KvState fresh(int historyLimit) {
    return new KvState(new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), historyLimit);
  }

  static KvCommand put(String key, String value) {
    return new KvCommand.TxnCommand(Txn.of(List.of(), List.of(Op.put(key, b(value)))), 1000);
  }

  static KvCommand create(String key, String value) {
    return new KvCommand.TxnCommand(Txn.of(List.of(Compare.absent(key)), List.of(Op.put(key, b(value)))), 1000);
  }

  static KvCommand cas(String key, long mod, String value) {
    return new KvCommand.TxnCommand(Txn.of(List.of(new Compare(key, mod)), List.of(Op.put(key, b(value)))), 1000);
  }

  static KvCommand del(String key) {
    return new KvCommand.TxnCommand(Txn.of(List.of(), List.of(Op.delete(key))), 1000);
  }

  /** One case: commands applied in order, then the expected outcome of the last one. */
  record Case(String name, List<KvCommand> commands, boolean succeeded, long revision, int events,
              List<String> previousValues) {}

  static Stream<Arguments> cases() {
    List<Case> cases = List.of(
        new Case("create on empty", List.of(create("a", "1")), true, 1, 1, nulls(1)),
        new Case("create twice fails, no bump", List.of(create("a", "1"), create("a", "2")), false, 1, 0, List.of("1")),
        new Case("cas with right revision", List.of(create("a", "1"), cas("a", 1, "2")), true, 2, 1, List.of("1")),
        new Case("cas with stale revision", List.of(create("a", "1"), cas("a", 1, "2"), cas("a", 1, "3")), false, 2, 0,
            List.of("2")),
        new Case("cas on absent key with revision", List.of(cas("a", 5, "x")), false, 0, 0, nulls(1)),
        new Case("delete existing", List.of(put("a", "1"), del("a")), true, 2, 1, List.of("1")),
        new Case("delete absent still bumps", List.of(put("a", "1"), del("b")), true, 2, 0, nulls(1)),
        new Case("empty txn does not bump", List.of(put("a", "1"),
            new KvCommand.TxnCommand(Txn.of(List.of(), List.of()), 1)), true, 1, 0, List.of()),
        new Case("failure branch applies and bumps", List.of(put("a", "1"),
            new KvCommand.TxnCommand(new Txn(List.of(Compare.absent("a")), List.of(Op.put("a", b("no"))),
                List.of(Op.put("b", b("yes")))), 1)), false, 2, 1, List.of("1")),
        new Case("multi-op txn is one revision", List.of(
            new KvCommand.TxnCommand(Txn.of(List.of(), List.of(Op.put("a", b("1")), Op.put("b", b("2")),
                Op.put("c", b("3")))), 1)), true, 1, 3, nulls(3)),
        // a key compared, then written twice and deleted in one transaction: each op sees the ones before it
        new Case("ops of one txn see each other", List.of(put("a", "1"),
            new KvCommand.TxnCommand(Txn.of(List.of(new Compare("a", 1)), List.of(Op.put("a", b("2")),
                Op.put("a", b("3")), Op.delete("a"), Op.put("a", b("4")))), 1)), true, 2, 4,
            java.util.Arrays.asList("1", "2", "3", null)),
        new Case("a refused compare reports the key as stored", List.of(put("a", "1"), put("a", "2"),
            new KvCommand.TxnCommand(new Txn(List.of(new Compare("a", 1), new Compare("a", 2)), List.of(),
                List.of(Op.put("a", b("f")))), 1)), false, 3, 1, List.of("2", "2")));
    return cases.stream().map(c -> Arguments.of(c.name(), c));
  }

  static List<String> nulls(int n) {
    List<String> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(null);
    }
    return l;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void txnSemantics(String name, Case c) {
    KvState s = fresh(100);
    KvState.Applied last = null;
    for (KvCommand cmd : c.commands()) {
      last = s.apply(cmd);
    }
    assertEquals(c.succeeded(), last.txnResult().succeeded(), "succeeded");
    assertEquals(c.revision(), last.txnResult().revision(), "revision in result");
    assertEquals(c.revision(), s.revision(), "state revision");
    assertEquals(c.events(), last.events().size(), "events");
    List<String> prev = new ArrayList<>();
    for (KeyValue kv : last.txnResult().previous()) {
      prev.add(kv == null ? null : new String(kv.value(), StandardCharsets.UTF_8));
    }
    assertEquals(c.previousValues(), prev, "previous");
  }

  @Test
  void revisionsOfKeys() {
    KvState s = fresh(100);
    s.apply(put("k", "1"));
    s.apply(put("other", "x"));
    s.apply(put("k", "2"));
    KeyValue kv = s.get("k").orElseThrow();
    assertEquals(1, kv.createRevision());
    assertEquals(3, kv.modRevision());
    assertArrayEquals(b("2"), kv.value());
    s.apply(del("k"));
    assertTrue(s.get("k").isEmpty());
    s.apply(put("k", "3"));
    assertEquals(5, s.get("k").orElseThrow().createRevision());
  }

  @Test
  void sameCommandsGiveSameState() {
    List<KvCommand> cmds = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String key = "/pods/ns/p" + (i % 17);
      cmds.add(switch (i % 5) {
        case 0 -> create(key, "v" + i);
        case 1 -> cas(key, i / 2, "v" + i);
        case 2 -> del("/pods/ns/p" + (i % 7));
        case 3 -> new KvCommand.CompactCommand(1000 + i);
        default -> new KvCommand.TxnCommand(Txn.of(List.of(), List.of(Op.put(key, b("w" + i)))), 1000 + i);
      });
    }
    TreeMap<String, byte[]> k1 = new TreeMap<>();
    TreeMap<Long, byte[]> h1 = new TreeMap<>();
    TreeMap<String, Long> m1 = new TreeMap<>();
    TreeMap<String, byte[]> k2 = new TreeMap<>();
    TreeMap<Long, byte[]> h2 = new TreeMap<>();
    TreeMap<String, Long> m2 = new TreeMap<>();
    KvState a = new KvState(k1, h1, m1, 20);
    KvState b = new KvState(k2, h2, m2, 20);
    for (KvCommand c : cmds) {
      a.apply(c);
      // the second replica goes through the codec, as the Raft log does
      b.apply(KvCodec.decodeCommand(KvCodec.encodeCommand(c)));
    }
    a.writeCounters();
    b.writeCounters();
    assertEquals(m1, m2);
    assertEquals(a.revision(), m1.get(KvState.META_REVISION));
    assertEquals(dump(k1), dump(k2));
    assertEquals(dump(h1), dump(h2));
    assertTrue(a.revision() > 50);
  }

  static <K> Map<K, String> dump(TreeMap<K, byte[]> m) {
    Map<K, String> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, java.util.HexFormat.of().formatHex(v)));
    return out;
  }

  @Test
  void historyIsBoundedByCount() {
    KvState s = fresh(5);
    for (int i = 0; i < 12; i++) {
      s.apply(put("k" + i, "v"));
    }
    assertEquals(12, s.revision());
    assertEquals(5, s.historyCount());
    assertEquals(7, s.compactedRevision());
    assertEquals(5, s.history("", 7).size());
    assertEquals(8, s.history("", 7).get(0).revision());
    CompactedException e = assertThrows(CompactedException.class, () -> s.history("", 6));
    assertEquals(7, e.compactedRevision());
  }

  /**
   * The history trimmed over MapDB's own B-tree, as a master keeps it: thousands of revisions, some without an
   * entry (a delete of an absent key), then a compaction by age. The oldest entry is always the one dropped.
   */
  @Test
  void historyOverMapDbIsTrimmedOldestFirstAcrossGaps() {
    try (org.mapdb.DB db = org.mapdb.DBMaker.memoryDB().make()) {
      KvState s = new KvState(
          db.treeMap("keys", org.mapdb.Serializer.STRING, org.mapdb.Serializer.BYTE_ARRAY).createOrOpen(),
          db.treeMap("history", org.mapdb.Serializer.LONG, org.mapdb.Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
              .createOrOpen(),
          db.treeMap("meta", org.mapdb.Serializer.STRING, org.mapdb.Serializer.LONG).createOrOpen(), 50);
      for (int i = 1; i <= 3000; i++) {
        s.apply(i % 7 == 0 ? del("absent") : new KvCommand.TxnCommand(
            Txn.of(List.of(), List.of(Op.put("k" + (i % 40), b("v" + i)))), i));
      }
      assertEquals(3000, s.revision());
      assertEquals(50, s.historyCount());
      List<Long> kept = s.history("", s.compactedRevision()).stream().map(WatchEvent::revision).toList();
      assertEquals(50, kept.size());
      assertTrue(kept.stream().noneMatch(r -> r % 7 == 0), "revisions without events have no entry");
      assertEquals(3000, kept.get(49));
      assertEquals(2943, kept.get(0));
      assertEquals(2942, s.compactedRevision(), "the last revision dropped");
      assertThrows(CompactedException.class, () -> s.history("", s.compactedRevision() - 1));
      // by age: every entry proposed before 2990 goes (the last of them is 2988: 2989 has none)
      KvState.Applied a = s.apply(new KvCommand.CompactCommand(2990));
      assertEquals(2988, a.compactedRevision());
      assertEquals(List.of(2990L, 2991L, 2992L, 2993L, 2994L, 2995L, 2997L, 2998L, 2999L, 3000L),
          s.history("", 2988).stream().map(WatchEvent::revision).toList());
      assertEquals(10, s.historyCount());
    }
  }

  @Test
  void compactionByAgeUsesProposerTimestamps() {
    KvState s = fresh(100);
    for (int i = 1; i <= 10; i++) {
      s.apply(new KvCommand.TxnCommand(Txn.of(List.of(), List.of(Op.put("k", b("v" + i)))), i * 100L));
    }
    KvState.Applied a = s.apply(new KvCommand.CompactCommand(450));
    assertNull(a.txnResult());
    assertEquals(4, a.compactedRevision());
    assertEquals(6, s.historyCount());
    assertEquals(10, s.revision(), "compaction does not bump the revision");
    assertThrows(CompactedException.class, () -> s.history("k", 3));
    assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L), s.history("k", 4).stream().map(WatchEvent::revision).toList());
    // compacting at the same cutoff again changes nothing
    assertEquals(4, s.apply(new KvCommand.CompactCommand(450)).compactedRevision());
  }

  @Test
  void historyFiltersByPrefixAndCarriesPrevious() {
    KvState s = fresh(100);
    s.apply(put("/a/1", "x"));
    s.apply(put("/b/1", "y"));
    s.apply(put("/a/1", "z"));
    s.apply(del("/a/1"));
    List<WatchEvent> ev = s.history("/a/", 0);
    assertEquals(3, ev.size());
    assertEquals(WatchEvent.Type.PUT, ev.get(0).type());
    assertNull(ev.get(0).previous());
    assertArrayEquals(b("x"), ev.get(1).previous());
    assertEquals(WatchEvent.Type.DELETE, ev.get(2).type());
    assertNull(ev.get(2).value());
    assertArrayEquals(b("z"), ev.get(2).previous());
    assertEquals(1, ev.get(2).createRevision());
    assertEquals(4, ev.get(2).revision());
  }

  @Test
  void rangePagesInKeyOrder() {
    KvState s = fresh(100);
    for (String k : List.of("/p/c", "/p/a", "/q/a", "/p/b", "/o/z", "/p/d")) {
      s.apply(put(k, k));
    }
    RangeResult r1 = s.range("/p/", null, 2);
    assertEquals(List.of("/p/a", "/p/b"), r1.items().stream().map(KeyValue::key).toList());
    assertTrue(r1.more());
    assertEquals(6, r1.revision());
    RangeResult r2 = s.range("/p/", "/p/b", 2);
    assertEquals(List.of("/p/c", "/p/d"), r2.items().stream().map(KeyValue::key).toList());
    assertFalse(r2.more());
    assertEquals(4, s.range("/p/", null, 0).items().size());
    assertEquals(0, s.range("/r/", null, 0).items().size());
  }

  @Test
  void exportImportRoundTrip() throws Exception {
    KvState s = fresh(3);
    for (int i = 0; i < 6; i++) {
      s.apply(put("k" + (i % 4), "v" + i));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    s.exportTo(new DataOutputStream(bytes));
    TreeMap<String, byte[]> keys = new TreeMap<>();
    keys.put("stale", b("gone"));
    KvState t = new KvState(keys, new TreeMap<>(), new TreeMap<>(), 3);
    t.importFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertEquals(s.revision(), t.revision());
    assertEquals(s.compactedRevision(), t.compactedRevision());
    assertTrue(t.get("stale").isEmpty());
    assertEquals(s.range("", null, 0).items().size(), t.range("", null, 0).items().size());
    assertEquals(s.history("", s.compactedRevision()).size(), t.history("", t.compactedRevision()).size());
    // applying more after import continues the same sequence
    assertEquals(s.apply(put("n", "1")).txnResult().revision(), t.apply(put("n", "1")).txnResult().revision());
  }

  @Test
  void keysWrittenLongAgoAndJustNowReadTheSameAsTheMapHoldsThem() throws Exception {
    KvState s = fresh(100);
    // written, deleted, rewritten: the latest wins whether the key is among the last written or not
    s.apply(create("old", "1"));
    s.apply(del("old"));
    s.apply(create("old", "2"));
    s.apply(create("gone", "x"));
    s.apply(del("gone"));
    for (int i = 0; i < 5000; i++) {
      s.apply(put("filler/" + i, "v"));
    }
    assertEquals("2", new String(s.get("old").orElseThrow().value(), StandardCharsets.UTF_8));
    assertTrue(s.get("gone").isEmpty());
    assertTrue(s.apply(cas("old", s.get("old").orElseThrow().modRevision(), "3")).txnResult().succeeded());
    assertTrue(s.get("filler/4999").isPresent());
    s.apply(del("filler/4999"));
    assertTrue(s.get("filler/4999").isEmpty(), "a key deleted just now");
    assertFalse(s.apply(cas("filler/4999", 1, "x")).txnResult().succeeded());
    assertTrue(s.apply(create("filler/4999", "again")).txnResult().succeeded());
    // an import replaces what was written before it, the last written keys too
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    fresh(100).exportTo(new DataOutputStream(bytes));
    s.importFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertTrue(s.get("filler/4999").isEmpty());
    assertTrue(s.get("old").isEmpty());
  }

  static String show(RangeResult r) {
    StringBuilder out = new StringBuilder();
    for (KeyValue kv : r.items()) {
      out.append(kv.key()).append('=').append(new String(kv.value(), StandardCharsets.UTF_8)).append('@')
          .append(kv.createRevision()).append('/').append(kv.modRevision()).append(' ');
    }
    return out.append(r.more() ? "more" : "end").toString().trim();
  }

  @Test
  void rangeAtAnEarlierRevisionUndoesEveryLaterChange() {
    KvState s = fresh(100);
    s.apply(put("/p/a", "a1"));    // 1
    s.apply(put("/p/b", "b1"));    // 2
    s.apply(put("/p/c", "c1"));    // 3
    s.apply(put("/q/x", "x1"));    // 4, another prefix
    long then = s.revision();
    String asThen = show(s.range("/p/", null, 0));
    s.apply(put("/p/b", "b2"));    // 5: modified
    s.apply(del("/p/c"));          // 6: deleted
    s.apply(put("/p/d", "d1"));    // 7: created
    s.apply(put("/p/e", "e1"));    // 8: created, then
    s.apply(del("/p/e"));          // 9: deleted
    s.apply(put("/p/b", "b3"));    // 10: modified again
    s.apply(new KvCommand.TxnCommand(Txn.of(List.of(), List.of(Op.put("/p/a", b("a2")), Op.delete("/p/a"))), 1000));
    assertEquals("/p/a=a1@1/1 /p/b=b1@2/2 /p/c=c1@3/3 end", asThen);
    assertEquals(asThen, show(s.rangeAt("/p/", null, 0, then)), "the keys as they were, revisions included");
    assertEquals("/p/b=b1@2/2 /p/c=c1@3/3 end", show(s.rangeAt("/p/", "/p/a", 0, then)), "after a key");
    RangeResult page = s.rangeAt("/p/", null, 2, then);
    assertEquals("/p/a=a1@1/1 /p/b=b1@2/2 more", show(page));
    assertEquals(then, page.revision());
    assertEquals("/p/c=c1@3/3 end", show(s.rangeAt("/p/", "/p/b", 2, then)));
    // at revision 7: b2, d1 present; c gone
    assertEquals("/p/a=a1@1/1 /p/b=b2@2/5 /p/d=d1@7/7 end", show(s.rangeAt("/p/", null, 0, 7)));
    // at or after the current revision: the current keys
    assertEquals(show(s.range("/p/", null, 0)), show(s.rangeAt("/p/", null, 0, s.revision())));
  }

  @Test
  void rangeAtARevisionWhoseChangesAreNoLongerRetainedIsCompacted() {
    KvState s = fresh(3);
    for (int i = 0; i < 6; i++) {
      s.apply(put("/p/k" + i, "v"));
    }
    assertThrows(CompactedException.class, () -> s.rangeAt("/p/", null, 0, 1));
    assertEquals(6, s.rangeAt("/p/", null, 0, 3).items().size() + 3, "the three changes after 3 are retained");
  }

  @Test
  void historyWrittenWithoutThePreviousModRevisionCannotBeUndoneExactly() throws Exception {
    TreeMap<String, byte[]> keys = new TreeMap<>();
    TreeMap<Long, byte[]> history = new TreeMap<>();
    KvState s = new KvState(keys, history, new TreeMap<>(), 100);
    s.apply(put("/p/a", "a1"));
    s.apply(put("/p/a", "a2"));
    // rewrite revision 2 as entries were written before the previous mod revision was kept
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeLong(1000);
    out.writeInt(1);
    out.writeByte(WatchEvent.Type.PUT.ordinal());
    out.writeUTF("/p/a");
    out.writeInt(2);
    out.write(b("a2"));
    out.writeInt(2);
    out.write(b("a1"));
    out.writeLong(1);
    history.put(2L, bytes.toByteArray());
    WatchEvent old = KvState.decodeHistory(2, history.get(2L)).get(0);
    assertEquals("PUT /p/a a2 a1 2 1", old.type() + " " + old.key() + " " + new String(old.value(), StandardCharsets.UTF_8)
        + " " + new String(old.previous(), StandardCharsets.UTF_8) + " " + old.revision() + " " + old.createRevision(),
        "old entries still decode");
    assertThrows(CompactedException.class, () -> s.rangeAt("/p/", null, 0, 1));
  }

  @Test
  void aKeyReadAgainIsReadOnceFromTheMapAndNeverStaleAfterAWriteOrADelete() {
    WalkedMap keys = new WalkedMap("ns");
    int[] mapGets = keys.walks;
    KvState s = new KvState(keys, new TreeMap<>(), new TreeMap<>(), 100);
    Runnable otherWrites = () -> { // more than the last keys written that are kept in front of the map
      for (int i = 0; i < 2100; i++) {
        s.apply(put("other/" + i, "x"));
      }
    };
    s.apply(put("ns", "1"));
    otherWrites.run();
    mapGets[0] = 0;
    assertEquals("1", new String(s.get("ns").orElseThrow().value(), StandardCharsets.UTF_8));
    assertEquals("1", new String(s.get("ns").orElseThrow().value(), StandardCharsets.UTF_8));
    assertEquals(1, mapGets[0], "the second read comes from the keys read lately, not the map");
    s.apply(cas("ns", s.get("ns").orElseThrow().modRevision(), "2"));
    otherWrites.run();
    assertEquals("2", new String(s.get("ns").orElseThrow().value(), StandardCharsets.UTF_8));
    s.apply(del("ns"));
    otherWrites.run();
    assertTrue(s.get("ns").isEmpty());
    assertFalse(s.apply(cas("ns", 1, "3")).txnResult().succeeded(), "a compare sees the delete too");
  }

  @Test
  void aCreateWalksTheMapOnceAndNeverOverwritesAKeyThatIsThere() {
    WalkedMap keys = new WalkedMap(null);
    int[] walks = keys.walks;
    TreeMap<Long, byte[]> history = new TreeMap<>();
    TreeMap<String, Long> meta = new TreeMap<>();
    KvState s = new KvState(keys, history, meta, 100);
    s.apply(put("other", "x"));
    walks[0] = 0;
    KvState.Applied made = s.apply(create("a", "1"));
    assertEquals(1, walks[0], "a create walks the map once");
    assertTrue(made.txnResult().succeeded());
    KeyValue a = s.get("a").orElseThrow();
    assertEquals(List.of(2L, 2L, "1"), List.of(a.createRevision(), a.modRevision(), new String(a.value(), StandardCharsets.UTF_8)));
    assertEquals(1, made.events().size());
    assertEquals(2, made.events().get(0).createRevision());
    // a state over the same maps (a restart): the key is not among the last written, so the create goes to
    // the map, which has it: the create fails and leaves it as it was
    s.writeCounters();
    KvState restarted = new KvState(keys, history, meta, 100);
    walks[0] = 0;
    KvState.Applied again = restarted.apply(create("a", "2"));
    assertFalse(again.txnResult().succeeded());
    assertEquals(1, walks[0]);
    assertEquals(List.of("1"), List.of(new String(again.txnResult().previous().get(0).value(), StandardCharsets.UTF_8)));
    assertEquals(2, restarted.revision(), "a failed create does not bump the revision");
    assertTrue(again.events().isEmpty());
    assertEquals("1", new String(restarted.get("a").orElseThrow().value(), StandardCharsets.UTF_8));
    // with a failure branch, the refused create runs it
    KvState.Applied other = restarted.apply(new KvCommand.TxnCommand(new Txn(List.of(Compare.absent("a")),
        List.of(Op.put("a", b("3"))), List.of(Op.put("b", b("else")))), 1));
    assertFalse(other.txnResult().succeeded());
    assertEquals("1", new String(restarted.get("a").orElseThrow().value(), StandardCharsets.UTF_8));
    assertEquals("else", new String(restarted.get("b").orElseThrow().value(), StandardCharsets.UTF_8));
    // a key deleted is created anew, with a new create revision
    restarted.apply(del("a"));
    KvState.Applied anew = restarted.apply(create("a", "4"));
    assertTrue(anew.txnResult().succeeded());
    assertEquals(restarted.revision(), restarted.get("a").orElseThrow().createRevision());
  }

  /**
   * Keys in a map that counts its walks, as a B-tree's: each get, put and put-if-absent of {@code only} (or of
   * any key, when null) is one.
   */
  static final class WalkedMap extends TreeMap<String, byte[]> {
    final int[] walks = new int[1];
    private final String only;

    WalkedMap(String only) {
      this.only = only;
    }

    private void walk(Object key) {
      if (only == null || only.equals(key)) {
        walks[0]++;
      }
    }

    @Override
    public byte[] get(Object key) {
      walk(key);
      return super.get(key);
    }

    @Override
    public byte[] put(String key, byte[] value) {
      walk(key);
      return super.put(key, value);
    }

    @Override
    public byte[] putIfAbsent(String key, byte[] value) {
      walk(key);
      byte[] there = super.get(key);
      return there != null ? there : super.put(key, value);
    }
  }
}
