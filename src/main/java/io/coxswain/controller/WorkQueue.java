package io.coxswain.controller;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongUnaryOperator;

/**
 * The controllers' queue of keys to sync, as client-go's work queue behaves: a key is queued at most once,
 * a key being processed that is added again is processed once more after it finishes, and a failed key
 * comes back after an exponentially growing delay (per key) until it succeeds. Not thread-safe: used from
 * one Vert.x context. Time is whatever the caller's scheduler says.
 */
public final class WorkQueue {
  private final ArrayDeque<String> queue = new ArrayDeque<>();
  private final Set<String> queued = new HashSet<>();
  private final Set<String> processing = new HashSet<>();
  private final Set<String> dirty = new HashSet<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private final long baseDelayMs;
  private final long maxDelayMs;

  public WorkQueue(long baseDelayMs, long maxDelayMs) {
    this.baseDelayMs = baseDelayMs;
    this.maxDelayMs = maxDelayMs;
  }

  /** Queues a key unless it is already queued; a key in process is marked to run again. */
  public void add(String key) {
    if (processing.contains(key)) {
      dirty.add(key);
      return;
    }
    if (queued.add(key)) {
      queue.addLast(key);
    }
  }

  /** The next key to process, or null. The key stays "in process" until {@link #done}. */
  public String next() {
    String key = queue.pollFirst();
    if (key != null) {
      queued.remove(key);
      processing.add(key);
    }
    return key;
  }

  /**
   * Ends the processing of a key. Returns the delay in ms after which the caller must {@link #add} it
   * again (a failure), or -1 when nothing more is needed.
   */
  public long done(String key, boolean succeeded) {
    processing.remove(key);
    if (succeeded) {
      failures.remove(key);
    }
    if (dirty.remove(key)) {
      add(key);
    }
    if (succeeded) {
      return -1;
    }
    int n = failures.merge(key, 1, Integer::sum);
    LongUnaryOperator grow = d -> Math.min(maxDelayMs, d);
    return grow.applyAsLong(baseDelayMs << Math.min(20, n - 1));
  }

  /** Forgets a key's failures (its object is gone). */
  public void forget(String key) {
    failures.remove(key);
  }

  public int size() {
    return queue.size();
  }

  public boolean isEmpty() {
    return queue.isEmpty();
  }

  public int processing() {
    return processing.size();
  }
}
