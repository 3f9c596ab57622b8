package io.coxswain.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class WorkQueueTest {
  @Test
  void queuesAKeyOnce() {
    WorkQueue q = new WorkQueue(10, 1000);
    q.add("a");
    q.add("b");
    q.add("a");
    assertEquals(2, q.size());
    assertEquals("a", q.next());
    assertEquals("b", q.next());
    assertNull(q.next());
  }

  @Test
  void aKeyAddedWhileProcessingRunsAgainAfterwards() {
    WorkQueue q = new WorkQueue(10, 1000);
    q.add("a");
    String k = q.next();
    q.add("a");
    assertEquals(0, q.size(), "not queued while in process");
    assertEquals(-1, q.done(k, true));
    assertEquals("a", q.next());
  }

  @Test
  void failuresBackOffExponentiallyUpToTheCap() {
    WorkQueue q = new WorkQueue(10, 50);
    long[] expected = {10, 20, 40, 50, 50};
    for (long e : expected) {
      q.add("a");
      assertEquals(e, q.done(q.next(), false));
    }
    q.add("a");
    assertEquals(-1, q.done(q.next(), true));
    q.add("a");
    assertEquals(10, q.done(q.next(), false), "a success resets the back-off");
  }
}
