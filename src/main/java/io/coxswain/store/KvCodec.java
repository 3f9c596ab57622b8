package io.coxswain.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The compact, versioned binary form of {@link KvCommand}s and their results, as they travel through the
 * Raft log and back to the proposer. Every message starts with a format version byte and a kind byte.
 */
public final class KvCodec {
  public static final byte VERSION = 1;
  private static final byte KIND_TXN = 1;
  private static final byte KIND_COMPACT = 2;
  private static final byte KIND_BATCH = 3;
  private static final byte KIND_TXN_RESULT = 11;
  private static final byte KIND_COMPACT_RESULT = 12;
  private static final byte KIND_BATCH_RESULT = 13;

  private KvCodec() {}

  public static byte[] encodeCommand(KvCommand command) {
    return write(out -> {
      if (command instanceof KvCommand.TxnCommand t) {
        out.writeByte(KIND_TXN);
        writeTxn(out, t);
      } else if (command instanceof KvCommand.BatchCommand b) {
        out.writeByte(KIND_BATCH);
        out.writeInt(b.txns().size());
        for (KvCommand.TxnCommand t : b.txns()) {
          writeTxn(out, t);
        }
      } else {
        out.writeByte(KIND_COMPACT);
        out.writeLong(((KvCommand.CompactCommand) command).cutoffMillis());
      }
    });
  }

  public static KvCommand decodeCommand(byte[] bytes) {
    try {
      DataInputStream in = open(bytes);
      byte kind = in.readByte();
      if (kind == KIND_COMPACT) {
        return new KvCommand.CompactCommand(in.readLong());
      }
      if (kind == KIND_BATCH) {
        int n = count(in);
        List<KvCommand.TxnCommand> txns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          txns.add(readTxn(in));
        }
        return new KvCommand.BatchCommand(txns);
      }
      if (kind != KIND_TXN) {
        throw new IllegalArgumentException("unknown command kind " + kind);
      }
      return readTxn(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed command: " + e.getMessage(), e);
    }
  }

  /**
   * The bytes {@code t} adds to an encoded command: the whole of {@link #encodeCommand} for it alone but its
   * first two (version and kind), or its share of a batch's (whose own head is {@link #BATCH_HEAD_BYTES}).
   */
  public static int encodedSize(KvCommand.TxnCommand t) {
    long n = 8 + 4;
    for (Compare c : t.txn().compares()) {
      n += utfSize(c.key()) + 8;
    }
    n += opsSize(t.txn().success()) + opsSize(t.txn().failure());
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  /** The bytes of a batch's encoding before its transactions: version, kind and count. */
  public static final int BATCH_HEAD_BYTES = 1 + 1 + 4;

  private static long opsSize(List<Op> ops) {
    long n = 4;
    for (Op op : ops) {
      n += 1 + utfSize(op.key()) + 4 + (op.value() == null ? 0 : op.value().length);
    }
    return n;
  }

  /** What {@link DataOutputStream#writeUTF} writes for {@code s}: its length, then modified UTF-8. */
  private static int utfSize(String s) {
    int n = 2;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c >= 1 && c <= 0x7f ? 1 : c <= 0x7ff ? 2 : 3;
    }
    return n;
  }

  private static void writeTxn(DataOutputStream out, KvCommand.TxnCommand t) throws IOException {
    out.writeLong(t.timestampMillis());
    Txn txn = t.txn();
    out.writeInt(txn.compares().size());
    for (Compare c : txn.compares()) {
      out.writeUTF(c.key());
      out.writeLong(c.modRevision());
    }
    writeOps(out, txn.success());
    writeOps(out, txn.failure());
  }

  private static KvCommand.TxnCommand readTxn(DataInputStream in) throws IOException {
    long ts = in.readLong();
    int n = count(in);
    List<Compare> compares = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      compares.add(new Compare(in.readUTF(), in.readLong()));
    }
    List<Op> success = readOps(in);
    List<Op> failure = readOps(in);
    return new KvCommand.TxnCommand(new Txn(compares, success, failure), ts);
  }

  /** Encodes the results of a batch (one per transaction, in order). */
  public static byte[] encodeBatchResult(List<KvState.Applied> results) {
    return write(out -> {
      out.writeByte(KIND_BATCH_RESULT);
      out.writeInt(results.size());
      for (KvState.Applied a : results) {
        writeTxnResult(out, a.txnResult());
      }
    });
  }

  public static List<TxnResult> decodeBatchResult(byte[] bytes) {
    try {
      DataInputStream in = open(bytes);
      byte kind = in.readByte();
      if (kind != KIND_BATCH_RESULT) {
        throw new IllegalArgumentException("not a batch result: kind " + kind);
      }
      int n = count(in);
      List<TxnResult> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(readTxnResult(in));
      }
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed batch result: " + e.getMessage(), e);
    }
  }

  /** Encodes what {@link KvState#apply} returned, for the proposer. */
  public static byte[] encodeResult(KvState.Applied applied) {
    return write(out -> {
      TxnResult r = applied.txnResult();
      if (r == null) {
        out.writeByte(KIND_COMPACT_RESULT);
        out.writeLong(applied.compactedRevision());
        return;
      }
      out.writeByte(KIND_TXN_RESULT);
      writeTxnResult(out, r);
    });
  }

  private static void writeTxnResult(DataOutputStream out, TxnResult r) throws IOException {
    out.writeBoolean(r.succeeded());
    out.writeLong(r.revision());
    out.writeInt(r.previous().size());
    for (KeyValue kv : r.previous()) {
      out.writeBoolean(kv != null);
      if (kv != null) {
        out.writeUTF(kv.key());
        KvState.writeBytes(out, kv.value());
        out.writeLong(kv.createRevision());
        out.writeLong(kv.modRevision());
      }
    }
  }

  private static TxnResult readTxnResult(DataInputStream in) throws IOException {
    boolean ok = in.readBoolean();
    long rev = in.readLong();
    int n = count(in);
    List<KeyValue> prev = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (in.readBoolean()) {
        String key = in.readUTF();
        byte[] value = KvState.readBytes(in);
        prev.add(new KeyValue(key, value, in.readLong(), in.readLong()));
      } else {
        prev.add(null);
      }
    }
    return new TxnResult(ok, rev, java.util.Collections.unmodifiableList(prev));
  }

  public static TxnResult decodeTxnResult(byte[] bytes) {
    try {
      DataInputStream in = open(bytes);
      byte kind = in.readByte();
      if (kind != KIND_TXN_RESULT) {
        throw new IllegalArgumentException("not a txn result: kind " + kind);
      }
      return readTxnResult(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed txn result: " + e.getMessage(), e);
    }
  }

  /** The compacted revision a compaction left. */
  public static long decodeCompactResult(byte[] bytes) {
    try {
      DataInputStream in = open(bytes);
      byte kind = in.readByte();
      if (kind != KIND_COMPACT_RESULT) {
        throw new IllegalArgumentException("not a compact result: kind " + kind);
      }
      return in.readLong();
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed compact result: " + e.getMessage(), e);
    }
  }

  private static void writeOps(DataOutputStream out, List<Op> ops) throws IOException {
    out.writeInt(ops.size());
    for (Op op : ops) {
      out.writeByte(op.type().ordinal());
      out.writeUTF(op.key());
      KvState.writeNullable(out, op.value());
    }
  }

  private static List<Op> readOps(DataInputStream in) throws IOException {
    int n = count(in);
    List<Op> ops = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int t = in.readByte();
      if (t < 0 || t >= Op.Type.values().length) {
        throw new IOException("unknown op type " + t);
      }
      ops.add(new Op(Op.Type.values()[t], in.readUTF(), KvState.readNullable(in)));
    }
    return ops;
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1_000_000) {
      throw new IOException("bad count " + n);
    }
    return n;
  }

  private static DataInputStream open(byte[] bytes) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    byte version = in.readByte();
    if (version != VERSION) {
      throw new IOException("unsupported format version " + version);
    }
    return in;
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private static byte[] write(Writer w) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      w.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
