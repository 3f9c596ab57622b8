package io.coxswain.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The docker command line, for what a test does behind the cluster's back (kill a container) and for
 * cleaning up the containers of the test's node names (every Coxswain container is labelled by node).
 */
public final class Docker {
  private Docker() {}

  /** Fails (CI=true) or skips the test when there is no engine or the test images are missing. */
  public static void requireEngine() {
    String why;
    try {
      if (run("version", "--format", "{{.Server.Version}}").code == 0) {
        for (String image : List.of("coxswain/busybox:1", "coxswain/busybox:2")) {
          if (run("image", "inspect", image).code != 0) {
            fail("test image " + image + " is missing: run packaging/build-test-image.sh");
          }
        }
        return;
      }
      why = "docker version failed";
    } catch (IOException e) {
      why = e.getMessage();
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("CI=true and no Docker engine: " + why);
    }
    Assumptions.abort("no Docker engine (" + why + ")");
  }

  record Output(int code, String out) {}

  static Output run(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("docker"));
    cmd.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("docker " + String.join(" ", args) + " did not finish");
      }
      return new Output(p.exitValue(), out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** A container id and its labels of interest. */
  public record Container(String id, String pod, String container, String node, boolean running) {}

  /** Every Coxswain container (running or not) of the given node. */
  public static List<Container> containersOf(String node) throws IOException {
    Output o = run("ps", "-a", "--no-trunc", "--filter", "label=io.coxswain.node=" + node, "--format",
        "{{.ID}}|{{.Label \"io.coxswain.pod.name\"}}|{{.Label \"io.coxswain.container.name\"}}|{{.State}}");
    if (o.code != 0) {
      throw new IOException("docker ps failed: " + o.out);
    }
    List<Container> list = new ArrayList<>();
    for (String line : o.out.split("\n")) {
      String[] f = line.split("\\|", -1);
      if (f.length == 4) {
        list.add(new Container(f[0], f[1], f[2], node, "running".equals(f[3])));
      }
    }
    return list;
  }

  public static void kill(String id) throws IOException {
    Output o = run("kill", id);
    if (o.code != 0) {
      throw new IOException("docker kill " + id + " failed: " + o.out);
    }
  }

  /** Removes every container of these nodes (the test's own), whatever state they are in. */
  public static void removeContainersOf(String... nodes) {
    for (String node : nodes) {
      try {
        List<String> ids = containersOf(node).stream().map(Container::id).toList();
        if (!ids.isEmpty()) {
          List<String> args = new ArrayList<>(List.of("rm", "-f"));
          args.addAll(ids);
          run(args.toArray(String[]::new));
        }
      } catch (IOException e) {
        System.err.println("cleanup of " + node + ": " + e.getMessage());
      }
    }
  }
}
