package io.coxswain.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * The pure, deterministic key-value state machine. It works on ordered maps handed in by the caller (a
 * {@code TreeMap} in memory, MapDB {@code BTreeMap}s on disk) and never reads a clock:
 *
 * <ul>
 *   <li>{@code keys}: key -> (createRevision, modRevision, value), encoded;</li>
 *   <li>{@code history}: revision -> (proposer timestamp, the events of that revision), encoded;</li>
 *   <li>{@code meta}: the revision, the compacted revision and the number of history entries, written
 *       by {@link #writeCounters()} (the owner calls it before persisting the maps).</li>
 * </ul>
 *
 * <p>The history holds at most {@code historyLimit} revisions (trimmed on every apply) and loses older
 * entries through an explicit {@link KvCommand.CompactCommand}. Not thread-safe: the owner serializes
 * applies and reads.
 */
public final class KvState {
  public static final String META_REVISION = "revision";
  public static final String META_COMPACTED = "compacted";
  public static final String META_HISTORY_COUNT = "historyCount";

  private final NavigableMap<String, byte[]> keys;
  private final NavigableMap<Long, byte[]> history;
  private final Map<String, Long> meta;
  private final int historyLimit;
  private long revision;
  private long compacted;
  private long historyCount;
  /**
   * The entries of the last {@value #RECENT} keys written ({@link #DELETED} for a key deleted), in front of
   * {@code keys}: a write's compare most often reads a key written a moment before (a pod created, then bound,
   * then its status), and a MapDB lookup decodes a whole tree node of keys for it. Changed by applies only,
   * under the owner's write lock; reads share it under its read lock, as they share {@code keys}.
   */
  private final Map<String, byte[]> recent = new LinkedHashMap<>(RECENT * 4 / 3 + 1) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
      return size() > RECENT;
    }
  };
  private static final int RECENT = 2048;
  private static final byte[] DELETED = new byte[0];
  /**
   * The entries of keys read from {@code keys} lately and not written since: what a stream of writes reads
   * again and again without writing it (the namespace each create checks, the controller an update looks
   * at) would otherwise decode a MapDB tree node for each time. Filled by reads under the owner's read lock
   * (so concurrent), a key leaves it when it is written (under the write lock); emptied when full.
   */
  private final Map<String, byte[]> readLately = new java.util.concurrent.ConcurrentHashMap<>();
  private static final int READ_LATELY = 1024;

  /** What one command did: the txn result (null for a compaction) and the events it produced. */
  public record Applied(TxnResult txnResult, long compactedRevision, List<WatchEvent> events) {}

  public KvState(NavigableMap<String, byte[]> keys, NavigableMap<Long, byte[]> history, Map<String, Long> meta,
                 int historyLimit) {
    if (historyLimit < 1) {
      throw new IllegalArgumentException("historyLimit must be at least 1, got " + historyLimit);
    }
    this.keys = keys;
    this.history = history;
    this.meta = meta;
    this.historyLimit = historyLimit;
    reload();
  }

  /**
   * Writes the counters (revision, compacted revision, history size) into the meta map. Applies keep them
   * in fields, so an owner that persists the maps calls this right before each commit.
   */
  public void writeCounters() {
    meta.put(META_REVISION, revision);
    meta.put(META_COMPACTED, compacted);
    meta.put(META_HISTORY_COUNT, historyCount);
  }

  /** Re-reads the counters from the maps (after the maps were replaced underneath, e.g. a snapshot). */
  public void reload() {
    this.revision = meta.getOrDefault(META_REVISION, 0L);
    this.compacted = meta.getOrDefault(META_COMPACTED, 0L);
    this.historyCount = meta.getOrDefault(META_HISTORY_COUNT, 0L);
  }

  public long revision() {
    return revision;
  }

  public long compactedRevision() {
    return compacted;
  }

  public long historyCount() {
    return historyCount;
  }

  /** Applies a command; a batch gives one {@link Applied} per transaction, in order. */
  public List<Applied> applyAll(KvCommand command) {
    return applyAll(command, 0);
  }

  /**
   * Applies a command of a Raft entry of {@code term}: a compare of {@link Compare#TERM_KEY} holds when its
   * revision is that term.
   */
  public List<Applied> applyAll(KvCommand command, long term) {
    if (command instanceof KvCommand.BatchCommand b) {
      List<Applied> out = new ArrayList<>(b.txns().size());
      for (KvCommand.TxnCommand t : b.txns()) {
        out.add(applyTxn(t.txn(), t.timestampMillis(), term));
      }
      return out;
    }
    if (command instanceof KvCommand.TxnCommand t) {
      return List.of(applyTxn(t.txn(), t.timestampMillis(), term));
    }
    return List.of(apply(command));
  }

  /** Applies a transaction or a compaction (a batch: use {@link #applyAll}). */
  public Applied apply(KvCommand command) {
    if (command instanceof KvCommand.TxnCommand t) {
      return applyTxn(t.txn(), t.timestampMillis(), 0);
    }
    if (command instanceof KvCommand.BatchCommand) {
      throw new IllegalArgumentException("a batch gives several results: use applyAll");
    }
    KvCommand.CompactCommand c = (KvCommand.CompactCommand) command;
    return new Applied(null, compactBefore(c.cutoffMillis()), List.of());
  }

  private Applied applyTxn(Txn txn, long timestamp, long term) {
    boolean succeeded = true;
    // what this transaction read or wrote of each key (null: absent): a key compared and then written, the
    // common update, is looked up in the B-tree once, not twice
    Map<String, byte[]> read = new java.util.HashMap<>();
    String created = createdAtOnce(txn, read);
    for (Compare c : txn.compares()) {
      if (c.key().equals(Compare.TERM_KEY)) {
        if (c.modRevision() != term) {
          succeeded = false;
          break;
        }
        continue;
      }
      byte[] cur = current(c.key(), read);
      long mod = cur == null ? 0 : decodeEntry(c.key(), cur).modRevision();
      if (mod != c.modRevision()) {
        succeeded = false;
        break;
      }
    }
    List<Op> ops = succeeded ? txn.success() : txn.failure();
    List<KeyValue> previous = new ArrayList<>();
    if (!succeeded) {
      for (Compare c : txn.compares()) {
        byte[] cur = current(c.key(), read);
        previous.add(cur == null ? null : decodeEntry(c.key(), cur));
      }
    }
    if (ops.isEmpty()) {
      return new Applied(new TxnResult(succeeded, revision, previous), compacted, List.of());
    }
    long rev = revision + 1;
    List<WatchEvent> events = new ArrayList<>();
    List<Long> previousMods = new ArrayList<>();
    for (Op op : ops) {
      byte[] cur = current(op.key(), read);
      KeyValue prev = cur == null ? null : decodeEntry(op.key(), cur);
      if (succeeded) {
        previous.add(prev);
      }
      if (op.type() == Op.Type.PUT) {
        byte[] value = op.value() == null ? new byte[0] : op.value();
        long createdRev = prev == null ? rev : prev.createRevision();
        byte[] entry = encodeEntry(createdRev, rev, value);
        if (!op.key().equals(created)) {
          keys.put(op.key(), entry);
        }
        remember(op.key(), entry);
        read.put(op.key(), entry);
        events.add(new WatchEvent(WatchEvent.Type.PUT, op.key(), value, prev == null ? null : prev.value(), rev, createdRev));
        previousMods.add(prev == null ? 0L : prev.modRevision());
      } else if (prev != null) {
        keys.remove(op.key());
        remember(op.key(), null);
        read.put(op.key(), null);
        events.add(new WatchEvent(WatchEvent.Type.DELETE, op.key(), null, prev.value(), rev, prev.createRevision()));
        previousMods.add(prev.modRevision());
      }
    }
    revision = rev;
    if (!events.isEmpty()) {
      history.put(rev, encodeHistory(timestamp, events, previousMods));
      historyCount++;
      while (historyCount > historyLimit) {
        dropOldestHistory();
      }
    }
    return new Applied(new TxnResult(succeeded, rev, previous), compacted, events);
  }

  /**
   * A create (the one compare: the key is absent; the one write: put it) in one walk of the B-tree: the key
   * is put if absent, where a lookup for the compare and then the put walked it twice, each decoding the
   * nodes on the way. Returns the key when it was put (the compare then holds, and the write is done); when
   * the key was there, nothing is written and {@code read} holds its entry for the compare to fail on. Null
   * for any other transaction, or when the key was written lately ({@link #recent} answers the compare
   * without a walk).
   */
  private String createdAtOnce(Txn txn, Map<String, byte[]> read) {
    if (txn.compares().size() != 1 || txn.success().size() != 1) {
      return null;
    }
    Compare c = txn.compares().get(0);
    Op op = txn.success().get(0);
    if (c.modRevision() != 0 || op.type() != Op.Type.PUT || !op.key().equals(c.key())
        || c.key().equals(Compare.TERM_KEY) || recent.containsKey(c.key())) {
      return null;
    }
    long rev = revision + 1;
    byte[] entry = encodeEntry(rev, rev, op.value() == null ? new byte[0] : op.value());
    byte[] existing = keys.putIfAbsent(c.key(), entry);
    read.put(c.key(), existing);
    return existing == null ? c.key() : null;
  }

  /** The key's stored entry as this transaction sees it (null: absent), read from the map once. */
  private byte[] current(String key, Map<String, byte[]> read) {
    if (read.containsKey(key)) {
      return read.get(key);
    }
    byte[] cur = lookup(key);
    read.put(key, cur);
    return cur;
  }

  /** The key's encoded entry, or null. */
  private byte[] lookup(String key) {
    byte[] cur = recent.get(key);
    if (cur != null) {
      return cur == DELETED ? null : cur;
    }
    cur = readLately.get(key);
    if (cur != null) {
      return cur;
    }
    cur = keys.get(key);
    if (cur != null) {
      if (readLately.size() >= READ_LATELY) {
        readLately.clear();
      }
      readLately.put(key, cur);
    }
    return cur;
  }

  /** Remembers {@code entry} (null: deleted) as the key's latest, the most recent of {@link #recent}. */
  private void remember(String key, byte[] entry) {
    readLately.remove(key);
    recent.remove(key);
    recent.put(key, entry == null ? DELETED : entry);
  }

  private long compactBefore(long cutoffMillis) {
    while (true) {
      Map.Entry<Long, byte[]> first = history.ceilingEntry(compacted + 1);
      if (first == null || historyTimestamp(first.getValue()) >= cutoffMillis) {
        break;
      }
      dropHistory(first.getKey());
    }
    return compacted;
  }

  /**
   * Drops the oldest history entry. Every retained revision is above {@code compacted} (entries go oldest
   * first), so the oldest is found by a search from that revision, never from the map's first entry: MapDB's
   * B-tree keeps the leaves that removals emptied, and {@code firstEntry}/{@code pollFirstEntry} walk all
   * of them. With a history trimmed on every write, that walk grew with every revision ever written; under a
   * stream of pods it took a third of a master's CPU.
   */
  private void dropOldestHistory() {
    Long first = history.ceilingKey(compacted + 1);
    if (first == null) {
      historyCount = 0;
      return;
    }
    dropHistory(first);
  }

  /** Drops the history entry of {@code revision}, the oldest one. */
  private void dropHistory(long revision) {
    history.remove(revision);
    historyCount--;
    compacted = revision;
  }

  // ---- reads ----

  public Optional<KeyValue> get(String key) {
    byte[] cur = lookup(key);
    return cur == null ? Optional.empty() : Optional.of(decodeEntry(key, cur));
  }

  /** How many keys start with {@code prefix} (their values are not decoded). */
  public long count(String prefix) {
    long n = 0;
    for (String k : keys.tailMap(prefix, true).keySet()) {
      if (!k.startsWith(prefix)) {
        break;
      }
      n++;
    }
    return n;
  }

  /** Keys starting with {@code prefix} after {@code startAfter} (null: from the start), at most limit (0: all). */
  public RangeResult range(String prefix, String startAfter, int limit) {
    NavigableMap<String, byte[]> tail = startAfter != null && startAfter.compareTo(prefix) >= 0
        ? keys.tailMap(startAfter, false)
        : keys.tailMap(prefix, true);
    List<KeyValue> items = new ArrayList<>();
    boolean more = false;
    for (Map.Entry<String, byte[]> e : tail.entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      if (limit > 0 && items.size() == limit) {
        more = true;
        break;
      }
      items.add(decodeEntry(e.getKey(), e.getValue()));
    }
    return new RangeResult(List.copyOf(items), revision, more);
  }

  /**
   * As {@link #range} but as the keys were at {@code atRevision} (a later page of a list whose first page was
   * read then): the current keys with every change after that revision undone, from the history.
   *
   * @throws CompactedException when a change after {@code atRevision} is no longer retained, or was recorded
   *                            without what it replaced (history written before this was kept)
   */
  public RangeResult rangeAt(String prefix, String startAfter, int limit, long atRevision) throws CompactedException {
    if (atRevision >= revision) {
      return range(prefix, startAfter, limit);
    }
    if (atRevision < compacted) {
      throw new CompactedException(atRevision, compacted);
    }
    String from = startAfter != null && startAfter.compareTo(prefix) >= 0 ? startAfter : null;
    // what each key changed since then was at atRevision (null: absent); the earliest change after it decides
    java.util.TreeMap<String, KeyValue> then = new java.util.TreeMap<>();
    java.util.Set<String> touched = new java.util.HashSet<>();
    for (Map.Entry<Long, byte[]> e : history.descendingMap().entrySet()) {
      if (e.getKey() <= atRevision) {
        break;
      }
      List<Change> changes = decodeChanges(e.getKey(), e.getValue());
      for (int i = changes.size() - 1; i >= 0; i--) {
        Change c = changes.get(i);
        if (!c.key().startsWith(prefix) || (from != null && c.key().compareTo(from) <= 0)) {
          continue;
        }
        if (c.previous() != null && c.previousMod() < 0) {
          throw new CompactedException(atRevision, e.getKey());
        }
        touched.add(c.key());
        if (c.previous() == null) {
          then.remove(c.key());
        } else {
          then.put(c.key(), new KeyValue(c.key(), c.previous(), c.createRevision(), c.previousMod()));
        }
      }
    }
    NavigableMap<String, byte[]> tail = from != null ? keys.tailMap(from, false) : keys.tailMap(prefix, true);
    java.util.Iterator<Map.Entry<String, byte[]>> now = tail.entrySet().iterator();
    java.util.Iterator<KeyValue> old = then.values().iterator();
    Map.Entry<String, byte[]> n = next(now, prefix, touched);
    KeyValue o = old.hasNext() ? old.next() : null;
    List<KeyValue> items = new ArrayList<>();
    boolean more = false;
    while (n != null || o != null) {
      if (limit > 0 && items.size() == limit) {
        more = true;
        break;
      }
      if (o == null || (n != null && n.getKey().compareTo(o.key()) < 0)) {
        items.add(decodeEntry(n.getKey(), n.getValue()));
        n = next(now, prefix, touched);
      } else {
        items.add(o);
        o = old.hasNext() ? old.next() : null;
      }
    }
    return new RangeResult(List.copyOf(items), atRevision, more);
  }

  /** The next current key under {@code prefix} that no change since the revision asked touched, or null. */
  private static Map.Entry<String, byte[]> next(java.util.Iterator<Map.Entry<String, byte[]>> it, String prefix,
                                                java.util.Set<String> touched) {
    while (it.hasNext()) {
      Map.Entry<String, byte[]> e = it.next();
      if (!e.getKey().startsWith(prefix)) {
        return null;
      }
      if (!touched.contains(e.getKey())) {
        return e;
      }
    }
    return null;
  }

  /**
   * The retained events under {@code prefix} with a revision above {@code afterRevision}, in order.
   *
   * @throws CompactedException when revisions after {@code afterRevision} are no longer retained
   */
  public List<WatchEvent> history(String prefix, long afterRevision) throws CompactedException {
    if (afterRevision < compacted) {
      throw new CompactedException(afterRevision, compacted);
    }
    List<WatchEvent> out = new ArrayList<>();
    for (Map.Entry<Long, byte[]> e : history.tailMap(afterRevision, false).entrySet()) {
      for (WatchEvent ev : decodeHistory(e.getKey(), e.getValue())) {
        if (ev.key().startsWith(prefix)) {
          out.add(ev);
        }
      }
    }
    return out;
  }

  // ---- snapshot export / import ----

  /** Writes the whole state (keys, history, counters) in a versioned binary form. */
  public void exportTo(DataOutputStream out) throws IOException {
    out.writeByte(1);
    out.writeLong(revision);
    out.writeLong(compacted);
    out.writeLong(historyCount);
    for (Map.Entry<String, byte[]> e : keys.entrySet()) {
      out.writeBoolean(true);
      out.writeUTF(e.getKey());
      writeBytes(out, e.getValue());
    }
    out.writeBoolean(false);
    for (Map.Entry<Long, byte[]> e : history.entrySet()) {
      out.writeBoolean(true);
      out.writeLong(e.getKey());
      writeBytes(out, e.getValue());
    }
    out.writeBoolean(false);
  }

  /** Replaces the whole state with one written by {@link #exportTo}. */
  public void importFrom(DataInputStream in) throws IOException {
    int version = in.readByte();
    if (version != 1) {
      throw new IOException("unknown state export version " + version);
    }
    long rev = in.readLong();
    long comp = in.readLong();
    long count = in.readLong();
    keys.clear();
    recent.clear();
    readLately.clear();
    history.clear();
    while (in.readBoolean()) {
      String k = in.readUTF();
      keys.put(k, readBytes(in));
    }
    while (in.readBoolean()) {
      long r = in.readLong();
      history.put(r, readBytes(in));
    }
    meta.put(META_REVISION, rev);
    meta.put(META_COMPACTED, comp);
    meta.put(META_HISTORY_COUNT, count);
    reload();
  }

  // ---- encodings of stored values ----

  static byte[] encodeEntry(long createRevision, long modRevision, byte[] value) {
    byte[] out = new byte[16 + value.length];
    putLong(out, 0, createRevision);
    putLong(out, 8, modRevision);
    System.arraycopy(value, 0, out, 16, value.length);
    return out;
  }

  static KeyValue decodeEntry(String key, byte[] stored) {
    byte[] value = new byte[stored.length - 16];
    System.arraycopy(stored, 16, value, 0, value.length);
    return new KeyValue(key, value, getLong(stored, 0), getLong(stored, 8));
  }

  /**
   * A history entry: per event its type, key, value, previous value and create revision, then the previous
   * value's mod revision, which entries written before it was kept lack (their type byte has no
   * {@link #WITH_PREVIOUS_MOD} bit).
   */
  static byte[] encodeHistory(long timestamp, List<WatchEvent> events, List<Long> previousMods) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeLong(timestamp);
      out.writeInt(events.size());
      for (int i = 0; i < events.size(); i++) {
        WatchEvent ev = events.get(i);
        out.writeByte(ev.type().ordinal() | WITH_PREVIOUS_MOD);
        out.writeUTF(ev.key());
        writeNullable(out, ev.value());
        writeNullable(out, ev.previous());
        out.writeLong(ev.createRevision());
        out.writeLong(previousMods.get(i));
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long historyTimestamp(byte[] stored) {
    return getLong(stored, 0);
  }

  static final int WITH_PREVIOUS_MOD = 0x80;

  static List<WatchEvent> decodeHistory(long revision, byte[] stored) {
    return decodeChanges(revision, stored).stream().map(Change::event).toList();
  }

  /** One event of a history entry with the mod revision of the value it replaced (-1: not recorded). */
  record Change(WatchEvent event, long previousMod) {
    String key() {
      return event.key();
    }

    byte[] previous() {
      return event.previous();
    }

    long createRevision() {
      return event.createRevision();
    }
  }

  static List<Change> decodeChanges(long revision, byte[] stored) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored));
      in.readLong();
      int n = in.readInt();
      List<Change> events = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int tag = in.readByte() & 0xff;
        WatchEvent.Type type = WatchEvent.Type.values()[tag & ~WITH_PREVIOUS_MOD];
        String key = in.readUTF();
        byte[] value = readNullable(in);
        byte[] previous = readNullable(in);
        long created = in.readLong();
        long previousMod = (tag & WITH_PREVIOUS_MOD) != 0 ? in.readLong() : -1;
        events.add(new Change(new WatchEvent(type, key, value, previous, revision, created), previousMod));
      }
      return events;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("negative length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  static void writeNullable(DataOutputStream out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
    } else {
      writeBytes(out, b);
    }
  }

  static byte[] readNullable(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    if (n < -1) {
      throw new IOException("bad length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  private static void putLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static long getLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }
}
