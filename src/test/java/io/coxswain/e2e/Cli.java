package io.coxswain.e2e;

import io.coxswain.testing.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The jar's CLI as a process ({@code java -jar node.jar ARGS --server=URL} with $KUBECONFIG), as a user runs it. */
public final class Cli {
  /** Exit code and output of one command. */
  public record Result(int code, String out) {
    public Result ok(String what) {
      if (code != 0) {
        throw new AssertionError(what + " failed (exit " + code + "):\n" + out);
      }
      return this;
    }
  }

  private final String server;
  private final Path kubeconfig;
  private final Path workDir;

  /** @param kubeconfig the admin kubeconfig a master wrote (its credentials work on every master) */
  public Cli(String server, Path kubeconfig, Path workDir) {
    this.server = server;
    this.kubeconfig = kubeconfig;
    this.workDir = workDir;
  }

  public Cli withServer(String url) {
    return new Cli(url, kubeconfig, workDir);
  }

  public Result run(Duration timeout, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", NodeProcess.jar().toString()));
    cmd.addAll(List.of(args));
    int dashes = cmd.indexOf("--");
    // before "--": what follows it is the container's command
    cmd.add(dashes < 0 ? cmd.size() : dashes, "--server=" + server);
    Files.createDirectories(workDir);
    Path out = Files.createTempFile(workDir, "cli", ".out");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("HOME", workDir.toString());
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    Process p = pb.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("CLI " + String.join(" ", args) + " did not finish in " + timeout.toSeconds()
          + " s:\n" + Files.readString(out));
    }
    Result r = new Result(p.exitValue(), Files.readString(out));
    Files.deleteIfExists(out);
    return r;
  }

  public Result run(String... args) throws IOException, InterruptedException {
    return run(Duration.ofSeconds(60), args);
  }

  /** Runs and fails the test unless it exits 0. */
  public String ok(String... args) throws IOException, InterruptedException {
    return run(args).ok("CLI " + String.join(" ", args)).out();
  }
}
