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
  private static final byte KIND_TXN_RESULT = 11;
  private static final byte KIND_COMPACT_RESULT = 12;

  private KvCodec() {}

  public static byte[] encodeCommand(KvCommand command) {
    return write(out -> {
      if (command instanceof KvCommand.TxnCommand t) {
        out.writeByte(KIND_TXN);
        out.writeLong(t.timestampMillis());
        Txn txn = t.txn();
        out.writeInt(txn.compares().size());
        for (Compare c : txn.compares()) {
          out.writeUTF(c.key());
          out.writeLong(c.modRevision());
        }
        writeOps(out, txn.success());
        writeOps(out, txn.failure());
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
      if (kind != KIND_TXN) {
        throw new IllegalArgumentException("unknown command kind " + kind);
      }
      long ts = in.readLong();
      int n = count(in);
      List<Compare> compares = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        compares.add(new Compare(in.readUTF(), in.readLong()));
      }
      List<Op> success = readOps(in);
      List<Op> failure = readOps(in);
      return new KvCommand.TxnCommand(new Txn(compares, success, failure), ts);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed command: " + e.getMessage(), e);
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
    });
  }

  public static TxnResult decodeTxnResult(byte[] bytes) {
    try {
      DataInputStream in = open(bytes);
      byte kind = in.readByte();
      if (kind != KIND_TXN_RESULT) {
        throw new IllegalArgumentException("not a txn result: kind " + kind);
      }
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
