package io.coxswain.kubelet;

import java.time.Duration;
import java.time.Instant;

/**
 * A container's restart back-off: 10 s, doubling after each try, at most 5 minutes.
 *
 * @param delay   the current delay
 * @param until   no new try before this time
 * @param reason  what is being backed off: {@code CrashLoopBackOff} or {@code ErrImagePull} (the executor
 *                records failed pulls with {@link #afterFailure}, the sync plan shows them as
 *                {@code ImagePullBackOff})
 * @param message why, for the container's waiting state
 */
public record BackOff(Duration delay, Instant until, String reason, String message) {
  public static final Duration INITIAL = Duration.ofSeconds(10);
  public static final Duration MAX = Duration.ofMinutes(5);
  public static final String CRASH_LOOP = "CrashLoopBackOff";
  public static final String IMAGE_PULL_BACK_OFF = "ImagePullBackOff";

  /** The next back-off after a failure at {@code now}: 10 s the first time, then twice the last one. */
  public static BackOff afterFailure(BackOff previous, Instant now, String reason, String message) {
    Duration delay = previous == null || !previous.reason().equals(reason) ? INITIAL : next(previous.delay());
    return new BackOff(delay, now.plus(delay), reason, message);
  }

  static Duration next(Duration delay) {
    Duration doubled = delay.multipliedBy(2);
    return doubled.compareTo(MAX) > 0 ? MAX : doubled;
  }

  public boolean active(Instant now) {
    return now.isBefore(until);
  }
}
