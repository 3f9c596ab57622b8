package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the pod integration tests share: the engine check, kubectl, docker and pod status look-ups. */
public final class PodClusterSupport {
  static final String KUBECTL = "/usr/bin/kubectl";

  private PodClusterSupport() {}

  /** Fails (CI=true) or skips without a Docker engine and the test images. */
  public static void requireDocker() {
    DockerEngine.connectOrSkip().close();
  }

  static KubernetesClient client(io.coxswain.testing.NodeProcess master) {
    Config config = new ConfigBuilder(master.clientConfig())
        .withRequestRetryBackoffLimit(0).build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  record Result(int code, String out, String err) {}

  /** Runs a command with {@code stdin} (null for none), waiting at most 60 s. */
  static Result run(List<String> cmd, String stdin) throws IOException, InterruptedException {
    Path out = Files.createTempFile("pods-it", ".out");
    Path err = Files.createTempFile("pods-it", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      if (stdin == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      }
      Process p = pb.start();
      if (stdin != null) {
        try (var in = p.getOutputStream()) {
          new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)).transferTo(in);
        }
      }
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        fail(String.join(" ", cmd) + " did not end in 60 s; output so far: " + Files.readString(out)
            + " / " + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static Result kubectl(Path kubeconfig, String stdin, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(KUBECTL, "--kubeconfig=" + kubeconfig));
    cmd.addAll(List.of(args));
    return run(cmd, stdin);
  }

  /** Ids of the containers (all states) labelled with this node. */
  static List<String> containersOf(String node) throws IOException, InterruptedException {
    Result r = run(List.of("docker", "ps", "-aq", "--no-trunc", "--filter", "label=" + ContainerLabels.NODE + "=" + node),
        null);
    return r.out().lines().map(String::trim).filter(s -> !s.isEmpty()).sorted().toList();
  }

  /** Removes every container labelled with one of these nodes. */
  public static void removeContainers(String... nodes) {
    for (String node : nodes) {
      try {
        List<String> ids = containersOf(node);
        if (!ids.isEmpty()) {
          List<String> cmd = new ArrayList<>(List.of("docker", "rm", "-f"));
          cmd.addAll(ids);
          run(cmd, null);
        }
      } catch (IOException e) {
        // nothing left to remove
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static ContainerStatus status(Pod pod, String container) {
    if (pod == null || pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return null;
    }
    return pod.getStatus().getContainerStatuses().stream().filter(s -> s.getName().equals(container)).findFirst()
        .orElse(null);
  }

  static String condition(Pod pod, String type) {
    if (pod == null || pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    return pod.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).map(PodCondition::getStatus)
        .findFirst().orElse(null);
  }
}
