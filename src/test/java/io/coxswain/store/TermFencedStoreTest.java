package io.coxswain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Writes guarded by the term of their Raft entry, on the in-memory store (whose entries are all of term 0). */
class TermFencedStoreTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Txn create(String key) {
    return Txn.of(List.of(Compare.absent(key)), List.of(Op.put(key, b("v"))));
  }

  @Test
  void theStateAppliesATermGuardedTransactionOnlyInThatTerm() {
    KvState state = new KvState(new java.util.TreeMap<>(), new java.util.TreeMap<>(), new java.util.TreeMap<>(), 100);
    Txn guarded = new Txn(List.of(Compare.term(7), Compare.absent("/a")), List.of(Op.put("/a", b("1"))), List.of());
    KvState.Applied stale = state.applyAll(new KvCommand.TxnCommand(guarded, 1), 8).get(0);
    assertFalse(stale.txnResult().succeeded());
    assertEquals(0, state.revision());
    KvState.Applied current = state.applyAll(new KvCommand.TxnCommand(guarded, 1), 7).get(0);
    assertTrue(current.txnResult().succeeded());
    assertEquals(1, state.revision());
  }

  @Test
  void aWriteOfTheLeadingTermIsAppliedAndOneOfAnEndedTermChangesNothing() throws Exception {
    try (MemoryStore memory = new MemoryStore(100)) {
      TxnResult ok = new TermFencedStore(memory, memory.leaderTerm()).txn(create("/ok")).get(5, TimeUnit.SECONDS);
      assertTrue(ok.succeeded());
      long revision = memory.revision();

      ExecutionException e = assertThrows(ExecutionException.class,
          () -> new TermFencedStore(memory, 3).txn(create("/stale")).get(5, TimeUnit.SECONDS));
      assertInstanceOf(UnavailableException.class, e.getCause());
      assertEquals(revision, memory.revision());
      assertTrue(memory.get("/stale").get(5, TimeUnit.SECONDS).isEmpty());

      // a compare of the caller's that fails is reported as without the guard: the caller's keys only
      TxnResult taken = new TermFencedStore(memory, 0).txn(create("/ok")).get(5, TimeUnit.SECONDS);
      assertFalse(taken.succeeded());
      assertEquals(1, taken.previous().size());
      assertEquals("/ok", taken.previous().get(0).key());
      TxnResult fresh = new TermFencedStore(memory, 0).txn(new Txn(List.of(Compare.absent("/x"), Compare.absent("/ok")),
          List.of(Op.put("/x", b("1"))), List.of())).get(5, TimeUnit.SECONDS);
      assertFalse(fresh.succeeded());
      assertNull(fresh.previous().get(0));
      assertEquals("/ok", fresh.previous().get(1).key());
    }
  }
}
