package io.coxswain.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code java -jar target/node.jar} process for integration tests: started with the given flags,
 * its output kept in a log file under its data dir, stopped with SIGTERM or killed with SIGKILL.
 *
 * <p>Nodes run {@code --proxy-mode=loopback} unless the flags name a mode or {@link #withDefaultProxyMode()}
 * is asked for: the default, {@code auto}, becomes iptables when the tests run as root (as in CI), and the
 * tests written for the loopback proxy (its per-service counters, a second proxy standing by for a cluster IP
 * another holds, a retry of a refused endpoint) must not change mode with the user running them. {@link
 * #close()} stops a node that may hold iptables rules with SIGTERM, so that no rule outlives the test.
 */
public final class NodeProcess implements AutoCloseable {
  /** Only for /readyz (open to anyone): the CA of a master may not exist yet when polling starts. */
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .sslContext(io.coxswain.security.Joiner.trustAnything()).version(HttpClient.Version.HTTP_1_1).build();

  private final List<String> args;
  private final Path dataDir;
  private final Path log;
  private final String address;
  private final int apiPort;
  private final boolean defaultProxyMode;
  private Process process;

  private NodeProcess(List<String> args, Path dataDir, String address, int apiPort, boolean defaultProxyMode) {
    this.args = List.copyOf(args);
    this.dataDir = dataDir;
    this.log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    this.address = address;
    this.apiPort = apiPort;
    this.defaultProxyMode = defaultProxyMode;
  }

  /**
   * The same node started without {@code --proxy-mode}, as a user starts one: the default ({@code auto}:
   * iptables as root, else loopback).
   */
  public NodeProcess withDefaultProxyMode() {
    if (flag("--proxy-mode") != null) {
      throw new IllegalStateException("the flags already name a proxy mode: " + args);
    }
    return new NodeProcess(args, dataDir, address, apiPort, true);
  }

  /** The jar under test: -Dcoxswain.jar (set by Failsafe) or target/node.jar. */
  public static Path jar() {
    return Path.of(System.getProperty("coxswain.jar", "target/node.jar")).toAbsolutePath();
  }

  /** A master on {@code address} with its own data dir and node name; extra flags appended. */
  public static NodeProcess master(Path root, String name, String address, int apiPort, int peerPort, String... extra)
      throws IOException {
    Path dir = root.resolve(name);
    Files.createDirectories(root);
    List<String> a = new ArrayList<>(List.of("--role=master", "--node-name=" + name, "--address=" + address,
        "--api-port=" + apiPort, "--peer-port=" + peerPort, "--data-dir=" + dir));
    a.addAll(List.of(extra));
    return new NodeProcess(a, dir, address, apiPort, false);
  }

  /** A minion joining {@code join}; extra flags appended. */
  public static NodeProcess minion(Path root, String name, String address, String join, String... extra)
      throws IOException {
    Path dir = root.resolve(name);
    Files.createDirectories(root);
    List<String> a = new ArrayList<>(List.of("--role=minion", "--node-name=" + name, "--address=" + address,
        "--join=" + join, "--data-dir=" + dir));
    a.addAll(List.of(extra));
    return new NodeProcess(a, dir, address, -1, false);
  }

  public NodeProcess start() throws IOException {
    List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xss512k", "-XX:+UseSerialGC", "-jar", jar().toString()));
    cmd.addAll(args);
    if (!defaultProxyMode && flag("--proxy-mode") == null) {
      cmd.add("--proxy-mode=loopback");
    }
    String join = flag("--join");
    if (join != null && flag("--token") == null && !Files.exists(dataDir.resolve("pki"))) {
      // a first join: a fresh token from the master joined (found by its admin kubeconfig beside this node's dir)
      String role = "master".equals(flag("--role")) ? "master" : "minion";
      cmd.add("--token=" + Security.createToken(Security.adminKubeconfigOf(dataDir.getParent(), join), role, 3600));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = pb.start();
    return this;
  }

  private String flag(String name) {
    for (String a : args) {
      if (a.startsWith(name + "=")) {
        return a.substring(name.length() + 1);
      }
    }
    return null;
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  public String server() {
    return "https://" + address + ":" + apiPort;
  }

  /** The admin kubeconfig a master wrote into its data dir on its first start. */
  public Path kubeconfig() {
    return dataDir.resolve("admin.kubeconfig");
  }

  /** A fabric8 client config for this master's API as its admin (namespace default). */
  public io.fabric8.kubernetes.client.Config clientConfig() {
    return Security.clientConfig(kubeconfig(), server());
  }

  /** A JDK HTTP client presenting this master's admin certificate and trusting the cluster CA. */
  public HttpClient adminHttp() {
    return Security.http(Security.credentials(kubeconfig()));
  }

  public String apiAddress() {
    return address + ":" + apiPort;
  }

  public Path dataDir() {
    return dataDir;
  }

  public Path logFile() {
    return log;
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** Waits until {@code /readyz} answers 200 (masters), failing with the log's tail when it does not. */
  public NodeProcess awaitReady(Duration timeout) {
    Wait.until("master " + server() + " ready", timeout, () -> {
      if (!alive()) {
        throw new AssertionError("node exited with " + process.exitValue() + ":\n" + tail(60));
      }
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server() + "/readyz"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200;
      } catch (IOException e) {
        return false;
      }
    });
    return this;
  }

  /** SIGTERM and wait for a clean exit. */
  public int stop() throws InterruptedException {
    if (process == null) {
      return -1;
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    return process.exitValue();
  }

  /** Waits for the process to end by itself; its exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the node still runs after " + timeout.toSeconds() + " s:\n" + tail(40));
    }
    return process.exitValue();
  }

  /** SIGKILL: no chance to clean up. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  public String tail(int lines) {
    return tail(lines, null);
  }

  /**
   * The last {@code lines} lines of the node's log that do not contain {@code skip} (null: none skipped), with
   * how many were skipped: a peer's retry loop can fill a whole tail with one repeated warning.
   */
  public String tail(int lines, String skip) {
    try {
      List<String> all = Files.readAllLines(log);
      List<String> kept = skip == null ? all : all.stream().filter(l -> !l.contains(skip)).toList();
      String text = String.join("\n", kept.subList(Math.max(0, kept.size() - lines), kept.size()));
      return kept.size() == all.size() ? text
          : text + "\n(" + (all.size() - kept.size()) + " lines with \"" + skip + "\" left out)";
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * Kills the node, unless it may have installed iptables rules (the default mode as root, or a mode that uses
   * iptables): then it is stopped with SIGTERM so that it removes them, and killed only if it does not exit.
   */
  @Override
  public void close() throws InterruptedException {
    if (alive()) {
      String mode = flag("--proxy-mode");
      if (defaultProxyMode || "iptables".equals(mode) || "userspace".equals(mode) || "auto".equals(mode)) {
        stop();
      } else {
        kill();
      }
    }
  }
}
