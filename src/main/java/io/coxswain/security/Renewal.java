package io.coxswain.security;

import java.time.Duration;
import java.time.Instant;

/** When a certificate is renewed: once two thirds of its lifetime have passed (as kubelets do, roughly). */
public final class Renewal {
  private Renewal() {
  }

  public static Instant due(Instant notBefore, Instant notAfter) {
    Duration life = Duration.between(notBefore, notAfter);
    return notBefore.plus(life.multipliedBy(2).dividedBy(3));
  }

  public static boolean isDue(Instant notBefore, Instant notAfter, Instant now) {
    return !now.isBefore(due(notBefore, notAfter));
  }
}
