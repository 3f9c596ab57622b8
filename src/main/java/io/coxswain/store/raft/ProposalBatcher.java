package io.coxswain.store.raft;

import io.coxswain.store.KvCodec;
import io.coxswain.store.KvCommand;
import io.coxswain.store.StoreException;
import io.coxswain.store.TxnResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Groups concurrent transactions into one Raft entry: at most {@code maxInFlight} entries are being
 * replicated at a time, and whatever queued meanwhile (up to {@code maxBatch} transactions and
 * {@code maxBatchBytes} of their encoding) goes out together as one {@link KvCommand.BatchCommand}. Alone, a
 * transaction goes out at once; under load, batches grow. A transaction larger than {@code maxBatchBytes}
 * goes alone: writes that are each within the store's limit never fail together for being over it.
 */
final class ProposalBatcher {
  private record Pending(KvCommand.TxnCommand command, int bytes, CompletableFuture<TxnResult> result) {}

  private final Function<KvCommand, CompletableFuture<byte[]>> send;
  private final int maxInFlight;
  private final int maxBatch;
  private final long maxBatchBytes;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;

  ProposalBatcher(Function<KvCommand, CompletableFuture<byte[]>> send, int maxInFlight, int maxBatch,
      long maxBatchBytes) {
    this.send = send;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.maxBatchBytes = maxBatchBytes;
  }

  CompletableFuture<TxnResult> submit(KvCommand.TxnCommand command) {
    CompletableFuture<TxnResult> result = new CompletableFuture<>();
    synchronized (this) {
      queue.add(new Pending(command, KvCodec.encodedSize(command), result));
    }
    drain();
    return result;
  }

  private void drain() {
    while (true) {
      List<Pending> batch;
      synchronized (this) {
        if (inFlight >= maxInFlight || queue.isEmpty()) {
          return;
        }
        batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
        long bytes = KvCodec.BATCH_HEAD_BYTES;
        while (!queue.isEmpty() && batch.size() < maxBatch
            && (batch.isEmpty() || bytes + queue.peek().bytes() <= maxBatchBytes)) {
          bytes += queue.peek().bytes();
          batch.add(queue.poll());
        }
        inFlight++;
      }
      sendBatch(batch);
    }
  }

  private void sendBatch(List<Pending> batch) {
    CompletableFuture<byte[]> sent;
    try {
      sent = batch.size() == 1
          ? send.apply(batch.get(0).command())
          : send.apply(new KvCommand.BatchCommand(batch.stream().map(Pending::command).toList()));
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((bytes, error) -> {
      synchronized (this) {
        inFlight--;
      }
      if (error != null) {
        batch.forEach(p -> p.result().completeExceptionally(error));
      } else {
        try {
          List<TxnResult> results = batch.size() == 1
              ? List.of(KvCodec.decodeTxnResult(bytes))
              : KvCodec.decodeBatchResult(bytes);
          if (results.size() != batch.size()) {
            throw new StoreException("batch of " + batch.size() + " gave " + results.size() + " results");
          }
          for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(results.get(i));
          }
        } catch (RuntimeException e) {
          batch.forEach(p -> p.result().completeExceptionally(e));
        }
      }
      drain();
    });
  }
}
