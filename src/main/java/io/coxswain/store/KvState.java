package io.coxswain.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
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
    if (command instanceof KvCommand.BatchCommand b) {
      List<Applied> out = new ArrayList<>(b.txns().size());
      for (KvCommand.TxnCommand t : b.txns()) {
        out.add(applyTxn(t.txn(), t.timestampMillis()));
      }
      return out;
    }
    return List.of(apply(command));
  }

  /** Applies a transaction or a compaction (a batch: use {@link #applyAll}). */
  public Applied apply(KvCommand command) {
    if (command instanceof KvCommand.TxnCommand t) {
      return applyTxn(t.txn(), t.timestampMillis());
    }
    if (command instanceof KvCommand.BatchCommand) {
      throw new IllegalArgumentException("a batch gives several results: use applyAll");
    }
    KvCommand.CompactCommand c = (KvCommand.CompactCommand) command;
    return new Applied(null, compactBefore(c.cutoffMillis()), List.of());
  }

  private Applied applyTxn(Txn txn, long timestamp) {
    boolean succeeded = true;
    for (Compare c : txn.compares()) {
      byte[] cur = keys.get(c.key());
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
        byte[] cur = keys.get(c.key());
        previous.add(cur == null ? null : decodeEntry(c.key(), cur));
      }
    }
    if (ops.isEmpty()) {
      return new Applied(new TxnResult(succeeded, revision, previous), compacted, List.of());
    }
    long rev = revision + 1;
    List<WatchEvent> events = new ArrayList<>();
    for (Op op : ops) {
      byte[] cur = keys.get(op.key());
      KeyValue prev = cur == null ? null : decodeEntry(op.key(), cur);
      if (succeeded) {
        previous.add(prev);
      }
      if (op.type() == Op.Type.PUT) {
        byte[] value = op.value() == null ? new byte[0] : op.value();
        long created = prev == null ? rev : prev.createRevision();
        keys.put(op.key(), encodeEntry(created, rev, value));
        events.add(new WatchEvent(WatchEvent.Type.PUT, op.key(), value, prev == null ? null : prev.value(), rev, created));
      } else if (prev != null) {
        keys.remove(op.key());
        events.add(new WatchEvent(WatchEvent.Type.DELETE, op.key(), null, prev.value(), rev, prev.createRevision()));
      }
    }
    revision = rev;
    if (!events.isEmpty()) {
      history.put(rev, encodeHistory(timestamp, events));
      historyCount++;
      while (historyCount > historyLimit) {
        dropOldestHistory();
      }
    }
    return new Applied(new TxnResult(succeeded, rev, previous), compacted, events);
  }

  private long compactBefore(long cutoffMillis) {
    while (!history.isEmpty()) {
      Map.Entry<Long, byte[]> first = history.firstEntry();
      if (historyTimestamp(first.getValue()) >= cutoffMillis) {
        break;
      }
      dropOldestHistory();
    }
    return compacted;
  }

  private void dropOldestHistory() {
    Map.Entry<Long, byte[]> first = history.pollFirstEntry();
    if (first == null) {
      historyCount = 0;
      return;
    }
    historyCount--;
    if (first.getKey() > compacted) {
      compacted = first.getKey();
    }
  }

  // ---- reads ----

  public Optional<KeyValue> get(String key) {
    byte[] cur = keys.get(key);
    return cur == null ? Optional.empty() : Optional.of(decodeEntry(key, cur));
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

  static byte[] encodeHistory(long timestamp, List<WatchEvent> events) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeLong(timestamp);
      out.writeInt(events.size());
      for (WatchEvent ev : events) {
        out.writeByte(ev.type().ordinal());
        out.writeUTF(ev.key());
        writeNullable(out, ev.value());
        writeNullable(out, ev.previous());
        out.writeLong(ev.createRevision());
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

  static List<WatchEvent> decodeHistory(long revision, byte[] stored) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored));
      in.readLong();
      int n = in.readInt();
      List<WatchEvent> events = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        WatchEvent.Type type = WatchEvent.Type.values()[in.readByte()];
        String key = in.readUTF();
        byte[] value = readNullable(in);
        byte[] previous = readNullable(in);
        long created = in.readLong();
        events.add(new WatchEvent(type, key, value, previous, revision, created));
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
