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
