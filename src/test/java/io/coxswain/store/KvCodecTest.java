package io.coxswain.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class KvCodecTest {

  static Stream<KvCommand> commands() {
    byte[] big = new byte[5000];
    Arrays.fill(big, (byte) 7);
    return Stream.of(
        new KvCommand.CompactCommand(123456789L),
        new KvCommand.TxnCommand(Txn.of(List.of(), List.of()), 0),
        new KvCommand.TxnCommand(Txn.of(List.of(Compare.absent("/a")), List.of(Op.put("/a", big))), 42),
        new KvCommand.TxnCommand(new Txn(List.of(new Compare("/x", 9), new Compare("ünïcode/ключ", 3)),
            List.of(Op.delete("/x"), Op.put("/y", new byte[0])), List.of(Op.put("/z", "f".getBytes(StandardCharsets.UTF_8)))),
            Long.MAX_VALUE));
  }

  @ParameterizedTest
  @MethodSource("commands")
  void commandRoundTrip(KvCommand command) {
    KvCommand back = KvCodec.decodeCommand(KvCodec.encodeCommand(command));
    if (command instanceof KvCommand.CompactCommand) {
      assertEquals(command, back);
      return;
    }
    KvCommand.TxnCommand a = (KvCommand.TxnCommand) command;
    KvCommand.TxnCommand b = (KvCommand.TxnCommand) back;
    assertEquals(a.timestampMillis(), b.timestampMillis());
    assertEquals(a.txn().compares(), b.txn().compares());
    assertOps(a.txn().success(), b.txn().success());
    assertOps(a.txn().failure(), b.txn().failure());
  }

  @ParameterizedTest
  @MethodSource("commands")
  void aTransactionsSizeIsWhatItsEncodingTakesAloneAndInABatch(KvCommand command) {
    if (!(command instanceof KvCommand.TxnCommand t)) {
      return;
    }
    assertEquals(KvCodec.encodeCommand(t).length - 2, KvCodec.encodedSize(t), "alone: after version and kind");
    KvCommand.TxnCommand other = new KvCommand.TxnCommand(Txn.of(List.of(), List.of(Op.put("/\u0000k", new byte[3]))), 1);
    assertEquals(KvCodec.encodeCommand(new KvCommand.BatchCommand(List.of(t, other))).length,
        KvCodec.BATCH_HEAD_BYTES + KvCodec.encodedSize(t) + KvCodec.encodedSize(other), "in a batch");
  }

  static void assertOps(List<Op> a, List<Op> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).type(), b.get(i).type());
      assertEquals(a.get(i).key(), b.get(i).key());
      assertArrayEquals(a.get(i).value(), b.get(i).value());
    }
  }

  @Test
  void resultsRoundTrip() {
    KeyValue kv = new KeyValue("/k", "v".getBytes(StandardCharsets.UTF_8), 3, 7);
    TxnResult r = new TxnResult(true, 8, Arrays.asList(kv, null));
    TxnResult back = KvCodec.decodeTxnResult(KvCodec.encodeResult(new KvState.Applied(r, 0, List.of())));
    assertEquals(true, back.succeeded());
    assertEquals(8, back.revision());
    assertEquals("/k", back.previous().get(0).key());
    assertArrayEquals(kv.value(), back.previous().get(0).value());
    assertEquals(3, back.previous().get(0).createRevision());
    assertEquals(7, back.previous().get(0).modRevision());
    assertNull(back.previous().get(1));
    assertEquals(55, KvCodec.decodeCompactResult(KvCodec.encodeResult(new KvState.Applied(null, 55, List.of()))));
  }

  @Test
  void batchRoundTripAndResults() {
    KvCommand.BatchCommand batch = new KvCommand.BatchCommand(List.of(
        new KvCommand.TxnCommand(Txn.of(List.of(Compare.absent("/a")), List.of(Op.put("/a", new byte[] {1}))), 5),
        new KvCommand.TxnCommand(Txn.of(List.of(Compare.absent("/a")), List.of(Op.put("/a", new byte[] {2}))), 6)));
    KvCommand.BatchCommand back = (KvCommand.BatchCommand) KvCodec.decodeCommand(KvCodec.encodeCommand(batch));
    assertEquals(2, back.txns().size());
    assertEquals(6, back.txns().get(1).timestampMillis());
    KvState state = new KvState(new java.util.TreeMap<>(), new java.util.TreeMap<>(), new java.util.TreeMap<>(), 10);
    List<KvState.Applied> applied = state.applyAll(back);
    List<TxnResult> results = KvCodec.decodeBatchResult(KvCodec.encodeBatchResult(applied));
    assertEquals(true, results.get(0).succeeded());
    assertEquals(1, results.get(0).revision());
    assertEquals(false, results.get(1).succeeded(), "the second create of /a sees the first");
    assertEquals(1, results.get(1).previous().get(0).modRevision());
    assertThrows(IllegalArgumentException.class, () -> state.apply(back));
  }

  @Test
  void rejectsUnknownVersionAndGarbage() {
    byte[] bytes = KvCodec.encodeCommand(new KvCommand.CompactCommand(1));
    bytes[0] = 99;
    assertThrows(IllegalArgumentException.class, () -> KvCodec.decodeCommand(bytes));
    assertThrows(IllegalArgumentException.class, () -> KvCodec.decodeCommand(new byte[] {1, 1, 0}));
    assertThrows(IllegalArgumentException.class, () -> KvCodec.decodeTxnResult(new byte[0]));
  }
}
