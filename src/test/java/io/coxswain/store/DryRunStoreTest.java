package io.coxswain.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A dry run's transactions are judged and answered as the store would, and write nothing. */
class DryRunStoreTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aTransactionIsJudgedAsTheStoreWouldAndNothingIsWritten() throws Exception {
    try (MemoryStore memory = new MemoryStore(100)) {
      long made = memory.txn(Txn.of(List.of(Compare.absent("/a")), List.of(Op.put("/a", b("1"))))).get().revision();
      long revision = memory.revision();
      DryRunStore dry = new DryRunStore(memory);

      // an update guarded by the key's current revision: succeeds, answers the previous pair, writes nothing
      TxnResult update = dry.txn(Txn.of(List.of(new Compare("/a", made)),
          List.of(Op.put("/a", b("2")), Op.put("/b", b("new"))))).get(5, TimeUnit.SECONDS);
      assertTrue(update.succeeded());
      assertEquals(revision, update.revision());
      assertArrayEquals(b("1"), update.previous().get(0).value());
      assertNull(update.previous().get(1));
      // a stale guard and a create of a key that exists: fail with the compared keys as they are
      TxnResult stale = dry.txn(Txn.of(List.of(new Compare("/a", made + 5)), List.of(Op.delete("/a")))).get(5, TimeUnit.SECONDS);
      assertFalse(stale.succeeded());
      assertEquals(made, stale.previous().get(0).modRevision());
      TxnResult taken = dry.txn(Txn.of(List.of(Compare.absent("/a")), List.of(Op.put("/a", b("3"))))).get(5, TimeUnit.SECONDS);
      assertFalse(taken.succeeded());
      // a delete that would succeed
      assertTrue(dry.txn(Txn.of(List.of(new Compare("/a", made)), List.of(Op.delete("/a")))).get(5, TimeUnit.SECONDS).succeeded());

      assertEquals(revision, memory.revision(), "no revision");
      assertArrayEquals(b("1"), memory.get("/a").get().orElseThrow().value());
      assertTrue(memory.get("/b").get().isEmpty());
    }
  }
}
