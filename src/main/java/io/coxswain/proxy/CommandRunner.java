package io.coxswain.proxy;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;

/** Runs a host command (iptables) and yields its exit code; never on an event loop. */
public interface CommandRunner {
  Future<Integer> run(List<String> command);

  /** Runs a command with {@code input} on its standard input; fails with the command's output when it exits non-zero. */
  default Future<Void> feed(List<String> command, String input) {
    return Future.failedFuture(new UnsupportedOperationException("this runner cannot feed " + command));
  }

  /** Runs a command and yields its standard output; fails when it exits non-zero. */
  default Future<String> output(List<String> command) {
    return Future.failedFuture(new UnsupportedOperationException("this runner cannot read " + command));
  }

  /** As {@link #output(List)}, failing (and killing the command) when it has not exited within {@code timeout}. */
  default Future<String> output(List<String> command, Duration timeout) {
    return output(command);
  }
}
