package io.coxswain.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InFlightLimitTest {
  @Test
  void callsBeyondTheLimitWaitAndStartInTheOrderMadeAsOthersEnd() {
    InFlightLimit limit = new InFlightLimit(2);
    List<Promise<String>> calls = new ArrayList<>();
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      results.add(limit.submit(() -> {
        Promise<String> p = Promise.promise();
        calls.add(p);
        return p.future();
      }));
    }
    assertEquals(2, calls.size(), "only two calls made");
    assertEquals(2, limit.running());
    assertEquals(3, limit.waiting());

    calls.get(1).complete("b");
    assertTrue(results.get(1).succeeded());
    assertEquals("b", results.get(1).result());
    assertEquals(3, calls.size(), "the third call made as the second ended");

    calls.get(0).fail("refused");
    assertTrue(results.get(0).failed(), "a failure is passed on");
    assertEquals(4, calls.size(), "a failed call frees its place too");
    calls.get(2).complete("c");
    calls.get(3).complete("d");
    assertEquals(5, calls.size());
    calls.get(4).complete("e");
    assertEquals(List.of("b", "c", "d", "e"), results.subList(1, 5).stream().map(Future::result).toList());
    assertEquals(0, limit.running());
    assertEquals(0, limit.waiting());
  }

  @Test
  void aCallThatThrowsFailsItsFutureAndFreesItsPlace() {
    InFlightLimit limit = new InFlightLimit(1);
    Future<String> thrown = limit.submit(() -> {
      throw new IllegalStateException("broken");
    });
    assertTrue(thrown.failed());
    assertEquals("broken", thrown.cause().getMessage());
    assertTrue(limit.submit(() -> Future.succeededFuture("next")).succeeded());
    assertEquals(0, limit.running());
  }

  @Test
  void aLimitBelowOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new InFlightLimit(0));
  }
}
