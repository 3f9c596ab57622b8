package io.coxswain.store.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.store.KvCodec;
import io.coxswain.store.KvCommand;
import io.coxswain.store.KvState;
import io.coxswain.store.Op;
import io.coxswain.store.StoreException;
import io.coxswain.store.Txn;
import io.coxswain.store.TxnResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ProposalBatcherTest {
  /** The entries the batcher sent, each with the future its reply completes. */
  private final List<KvCommand> sent = new ArrayList<>();
  private final List<CompletableFuture<byte[]>> replies = new ArrayList<>();

  private CompletableFuture<byte[]> send(KvCommand command) {
    CompletableFuture<byte[]> reply = new CompletableFuture<>();
    sent.add(command);
    replies.add(reply);
    return reply;
  }

  private static KvCommand.TxnCommand put(String key) {
    return new KvCommand.TxnCommand(new Txn(List.of(), List.of(Op.put(key, key.getBytes(StandardCharsets.UTF_8))),
        List.of()), 0L);
  }

  private static KvState.Applied applied(long revision) {
    return new KvState.Applied(new TxnResult(true, revision, List.of()), 0L, List.of());
  }

  @Test
  void aLoneWriteGoesOutAtOnceAndWhatArrivesMeanwhileGoesTogetherNext() {
    ProposalBatcher batcher = new ProposalBatcher(this::send, 1, 256, Integer.MAX_VALUE);
    KvCommand.TxnCommand a = put("a");
    CompletableFuture<TxnResult> ra = batcher.submit(a);
    assertEquals(1, sent.size(), "a write with nothing in flight is sent at once");
    assertSame(a, sent.get(0), "alone, it goes as itself, not as a batch of one");

    KvCommand.TxnCommand b = put("b");
    KvCommand.TxnCommand c = put("c");
    CompletableFuture<TxnResult> rb = batcher.submit(b);
    CompletableFuture<TxnResult> rc = batcher.submit(c);
    assertEquals(1, sent.size(), "with one entry in flight, later writes wait");
    assertFalse(rb.isDone());

    replies.get(0).complete(KvCodec.encodeResult(applied(5)));
    assertEquals(5, ra.join().revision());
    assertEquals(2, sent.size(), "the entry's reply lets the waiting writes out");
    KvCommand.BatchCommand batch = assertInstanceOf(KvCommand.BatchCommand.class, sent.get(1));
    assertEquals(List.of(b, c), batch.txns(), "the waiting writes go as one entry, in the order they came");

    replies.get(1).complete(KvCodec.encodeBatchResult(List.of(applied(6), applied(7))));
    assertEquals(6, rb.join().revision());
    assertEquals(7, rc.join().revision());
  }

  @Test
  void moreInFlightSendsThatManyEntriesBeforeAnyWaits() {
    ProposalBatcher batcher = new ProposalBatcher(this::send, 2, 256, Integer.MAX_VALUE);
    batcher.submit(put("a"));
    batcher.submit(put("b"));
    batcher.submit(put("c"));
    batcher.submit(put("d"));
    assertEquals(2, sent.size(), "two entries out, the rest waiting");
    replies.get(0).complete(KvCodec.encodeResult(applied(1)));
    assertEquals(3, sent.size());
    assertEquals(2, ((KvCommand.BatchCommand) sent.get(2)).txns().size());
  }

  @Test
  void aBatchIsCappedAndTheRestGoesInTheNextEntry() {
    ProposalBatcher batcher = new ProposalBatcher(this::send, 1, 2, Integer.MAX_VALUE);
    batcher.submit(put("a"));
    batcher.submit(put("b"));
    batcher.submit(put("c"));
    batcher.submit(put("d"));
    replies.get(0).complete(KvCodec.encodeResult(applied(1)));
    assertEquals(2, ((KvCommand.BatchCommand) sent.get(1)).txns().size());
    replies.get(1).complete(KvCodec.encodeBatchResult(List.of(applied(2), applied(3))));
    assertEquals(3, sent.size());
    assertEquals("d", ((KvCommand.TxnCommand) sent.get(2)).txn().success().get(0).key(),
        "the one left goes alone");
  }

  private static KvCommand.TxnCommand put(String key, int valueBytes) {
    return new KvCommand.TxnCommand(new Txn(List.of(), List.of(Op.put(key, new byte[valueBytes])), List.of()), 0L);
  }

  @Test
  void aBatchStopsBeforeItsBytesPassTheCapAndALargerWriteGoesAlone() {
    int cap = 100_000;
    ProposalBatcher batcher = new ProposalBatcher(this::send, 1, 256, cap);
    batcher.submit(put("first"));
    KvCommand.TxnCommand a = put("a", 40_000);
    KvCommand.TxnCommand b = put("b", 40_000);
    KvCommand.TxnCommand c = put("c", 40_000); // a, b and c together are over the cap
    KvCommand.TxnCommand big = put("big", 150_000); // over the cap alone
    KvCommand.TxnCommand d = put("d", 10);
    for (KvCommand.TxnCommand t : List.of(a, b, c, big, d)) {
      batcher.submit(t);
    }
    replies.get(0).complete(KvCodec.encodeResult(applied(1)));
    KvCommand.BatchCommand first = assertInstanceOf(KvCommand.BatchCommand.class, sent.get(1));
    assertEquals(List.of(a, b), first.txns());
    assertTrue(KvCodec.encodeCommand(first).length <= cap, "the entry's encoding is within the cap");

    replies.get(1).complete(KvCodec.encodeBatchResult(List.of(applied(2), applied(3))));
    assertSame(c, sent.get(2), "c with nothing more: big would pass the cap");
    replies.get(2).complete(KvCodec.encodeResult(applied(4)));
    assertSame(big, sent.get(3), "a write over the cap goes out alone, as itself");
    replies.get(3).complete(KvCodec.encodeResult(applied(5)));
    assertSame(d, sent.get(4));
  }

  @Test
  void aFailedEntryFailsEveryWriteInItAndTheNextStillGoesOut() {
    ProposalBatcher batcher = new ProposalBatcher(this::send, 1, 256, Integer.MAX_VALUE);
    batcher.submit(put("a"));
    CompletableFuture<TxnResult> rb = batcher.submit(put("b"));
    CompletableFuture<TxnResult> rc = batcher.submit(put("c"));
    replies.get(0).complete(KvCodec.encodeResult(applied(1)));
    StoreException unavailable = new StoreException("no quorum");
    replies.get(1).completeExceptionally(unavailable);
    assertSame(unavailable, cause(rb));
    assertSame(unavailable, cause(rc));

    CompletableFuture<TxnResult> rd = batcher.submit(put("d"));
    assertEquals(3, sent.size(), "nothing is left in flight after a failure");
    replies.get(2).complete(KvCodec.encodeResult(applied(2)));
    assertEquals(2, rd.join().revision());
  }

  @Test
  void aReplyWithTheWrongNumberOfResultsFailsTheWholeBatch() {
    ProposalBatcher batcher = new ProposalBatcher(this::send, 1, 256, Integer.MAX_VALUE);
    batcher.submit(put("a"));
    CompletableFuture<TxnResult> rb = batcher.submit(put("b"));
    CompletableFuture<TxnResult> rc = batcher.submit(put("c"));
    replies.get(0).complete(KvCodec.encodeResult(applied(1)));
    replies.get(1).complete(KvCodec.encodeBatchResult(List.of(applied(2))));
    assertInstanceOf(StoreException.class, cause(rb));
    assertTrue(cause(rc).getMessage().contains("batch of 2 gave 1 results"), cause(rc).getMessage());
  }

  private static Throwable cause(CompletableFuture<TxnResult> f) {
    assertTrue(f.isCompletedExceptionally(), "failed");
    try {
      f.join();
      throw new AssertionError("no failure");
    } catch (CompletionException e) {
      return e.getCause();
    }
  }
}
