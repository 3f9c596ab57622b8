package io.coxswain.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs commands with {@link ProcessBuilder} on a Vert.x worker thread, in submission order. */
public final class ProcessCommandRunner implements CommandRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessCommandRunner.class);

  private final Vertx vertx;

  public ProcessCommandRunner(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Future<Integer> run(List<String> command) {
    // ordered: rules are added and removed in the order they were asked for
    return vertx.executeBlocking(() -> runNow(command), true);
  }

  @Override
  public Future<Void> feed(List<String> command, String input) {
    return vertx.executeBlocking(() -> {
      Result r = runWith(command, input);
      if (r.code() != 0) {
        throw new IOException(String.join(" ", command) + " exited " + r.code() + ": " + r.output().trim());
      }
      return null;
    }, true);
  }

  @Override
  public Future<String> output(List<String> command) {
    return vertx.executeBlocking(() -> {
      Result r = runWith(command, null);
      if (r.code() != 0) {
        throw new IOException(String.join(" ", command) + " exited " + r.code() + ": " + r.output().trim());
      }
      return r.output();
    }, true);
  }

  private record Result(int code, String output) {}

  private static Result runWith(List<String> command, String input) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (var in = p.getOutputStream()) {
      if (input != null) {
        in.write(input.getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + String.join(" ", command));
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static int runNow(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + String.join(" ", command));
    }
    if (p.exitValue() != 0) {
      LOG.debug("{} exited {}: {}", String.join(" ", command), p.exitValue(),
          new String(out, StandardCharsets.UTF_8).trim());
    }
    return p.exitValue();
  }
}
