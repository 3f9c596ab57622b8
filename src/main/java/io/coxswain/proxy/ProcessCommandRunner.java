package io.coxswain.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs commands with {@link ProcessBuilder} on a Vert.x worker thread, in submission order. */
public final class ProcessCommandRunner implements CommandRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessCommandRunner.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

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
      Result r = runWith(command, input, TIMEOUT);
      if (r.code() != 0) {
        throw new IOException(String.join(" ", command) + " exited " + r.code() + ": " + r.output().trim());
      }
      return null;
    }, true);
  }

  @Override
  public Future<String> output(List<String> command) {
    return output(command, TIMEOUT);
  }

  @Override
  public Future<String> output(List<String> command, Duration timeout) {
    return vertx.executeBlocking(() -> {
      Result r = runWith(command, null, timeout);
      if (r.code() != 0) {
        throw new IOException(String.join(" ", command) + " exited " + r.code() + ": " + r.output().trim());
      }
      return r.output();
    }, true);
  }

  private record Result(int code, String output) {}

  /**
   * Runs a command, its output read on the side so that a command that never exits is killed after
   * {@code timeout} (reading first would wait for it forever).
   */
  private static Result runWith(List<String> command, String input, Duration timeout)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    // read on a thread of its own: a blocking read must not wait for (or hold) a worker of a shared pool
    CompletableFuture<byte[]> out = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try {
        out.complete(readAll(p.getInputStream()));
      } catch (RuntimeException e) {
        out.completeExceptionally(e);
      }
    }, "command-output");
    reader.setDaemon(true);
    reader.start();
    try (var in = p.getOutputStream()) {
      if (input != null) {
        in.write(input.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // the command exited without reading all of its input: its exit code and output say why
    }
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out after " + timeout.toMillis() + " ms: " + String.join(" ", command));
    }
    try {
      return new Result(p.exitValue(), new String(out.get(timeout.toMillis(), TimeUnit.MILLISECONDS),
          StandardCharsets.UTF_8));
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException("cannot read the output of " + String.join(" ", command) + ": " + e.getMessage());
    }
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int runNow(List<String> command) throws IOException, InterruptedException {
    Result r = runWith(command, null, TIMEOUT);
    if (r.code() != 0) {
      LOG.debug("{} exited {}: {}", String.join(" ", command), r.code(), r.output().trim());
    }
    return r.code();
  }
}
