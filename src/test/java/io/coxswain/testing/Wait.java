package io.coxswain.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes: how tests wait, never by sleeping for luck. */
public final class Wait {
  private Wait() {}

  /** Waits for {@code condition} to return true; an exception or false means "not yet". */
  public static void until(String what, Duration timeout, Callable<Boolean> condition) {
    until(what, timeout, condition, () -> "");
  }

  /**
   * As above; on a timeout the failure also carries {@code explain}'s text (what the system looked like then, so
   * that a failure seen only in CI tells why).
   */
  public static void until(String what, Duration timeout, Callable<Boolean> condition, Supplier<String> explain) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable last = null;
    long pause = 20;
    while (true) {
      try {
        if (Boolean.TRUE.equals(condition.call())) {
          return;
        }
      } catch (AssertionError e) {
        throw e;
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        AssertionError err = new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what
            + (last == null ? "" : " (last error: " + last + ")") + explained(explain));
        if (last != null) {
          err.initCause(last);
        }
        throw err;
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
      pause = Math.min(250, pause * 2);
    }
  }

  private static String explained(Supplier<String> explain) {
    try {
      String text = explain.get();
      return text == null || text.isEmpty() ? "" : "\n" + text;
    } catch (RuntimeException e) {
      return "\n(could not tell more: " + e + ")";
    }
  }

  /** Waits for {@code supplier} to give a non-null value and returns it. */
  public static <T> T forValue(String what, Duration timeout, Callable<T> supplier) {
    Object[] box = new Object[1];
    until(what, timeout, () -> {
      box[0] = supplier.call();
      return box[0] != null;
    });
    @SuppressWarnings("unchecked")
    T value = (T) box[0];
    return value;
  }

  /** Seconds since {@code startNanos}, for "how long it took" lines. */
  public static String since(long startNanos) {
    return String.format("%.2f s", (System.nanoTime() - startNanos) / 1e9);
  }
}
