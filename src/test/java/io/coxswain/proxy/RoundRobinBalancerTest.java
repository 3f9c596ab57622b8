package io.coxswain.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {
  static final Backend A = new Backend("127.0.0.1", 1);
  static final Backend B = new Backend("127.0.0.1", 2);
  static final Backend C = new Backend("127.0.0.1", 3);

  private static List<Backend> picks(RoundRobinBalancer lb, String ip, long now, int n) {
    List<Backend> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(lb.pick(ip, now, Set.of()));
    }
    return out;
  }

  @Test
  void roundRobinCyclesThroughTheBackends() {
    RoundRobinBalancer lb = new RoundRobinBalancer(List.of(A, B, C), 0);
    assertEquals(List.of(A, B, C, A, B, C), picks(lb, "127.0.0.9", 0, 6));
  }

  @Test
  void triedBackendsAreSkippedAndNullWhenNoneIsLeft() {
    RoundRobinBalancer lb = new RoundRobinBalancer(List.of(A, B, C), 0);
    assertEquals(B, lb.pick("x", 0, Set.of(A)));
    assertEquals(A, lb.pick("x", 0, Set.of(C, B)));
    assertNull(lb.pick("x", 0, Set.of(A, B, C)));
    assertNull(new RoundRobinBalancer(List.of(), 0).pick("x", 0, Set.of()));
  }

  @Test
  void anUpdateKeepsCyclingOverTheNewBackends() {
    RoundRobinBalancer lb = new RoundRobinBalancer(List.of(A, B, C), 0);
    picks(lb, "x", 0, 2);
    lb.update(List.of(A), 0);
    assertEquals(List.of(A, A), picks(lb, "x", 0, 2));
    lb.update(List.of(B, C), 0);
    assertEquals(Set.of(B, C), Set.copyOf(picks(lb, "x", 0, 2)));
  }

  @Test
  void clientIpAffinityKeepsAClientOnOneBackendWhileItIsReady() {
    RoundRobinBalancer lb = new RoundRobinBalancer(List.of(A, B, C), 100);
    Backend first = lb.pick("10.0.0.1", 0, Set.of());
    assertEquals(List.of(first, first, first), picks(lb, "10.0.0.1", 1000, 3));
    Backend other = lb.pick("10.0.0.2", 1000, Set.of());
    assertEquals(false, other.equals(first), "another client still gets the next backend");
    // the backend leaves: the client moves, then sticks to its new one
    List<Backend> rest = new ArrayList<>(List.of(A, B, C));
    rest.remove(first);
    lb.update(rest, 100);
    Backend moved = lb.pick("10.0.0.1", 2000, Set.of());
    assertEquals(true, rest.contains(moved));
    assertEquals(List.of(moved, moved), picks(lb, "10.0.0.1", 3000, 2));
  }

  @Test
  void affinityEndsAfterTheTimeout() {
    RoundRobinBalancer lb = new RoundRobinBalancer(List.of(A, B), 10);
    assertEquals(A, lb.pick("c", 0, Set.of()));
    assertEquals(A, lb.pick("c", 9_000, Set.of()), "used within the timeout, which restarts it");
    assertEquals(B, lb.pick("c", 19_001, Set.of()), "idle past the timeout: round robin again");
    lb.expire(40_000);
    assertEquals(0, lb.affinityCount());
  }

  @Test
  void aRefusingAffinityBackendIsLeftForAnother() {
    RoundRobinBalancer lb = new RoundRobinBalancer(List.of(A, B), 100);
    assertEquals(A, lb.pick("c", 0, Set.of()));
    assertEquals(B, lb.pick("c", 1, Set.of(A)));
    assertEquals(B, lb.pick("c", 2, Set.of()), "the client now sticks to the one that answered");
  }
}
