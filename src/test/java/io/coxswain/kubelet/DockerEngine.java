package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import org.junit.jupiter.api.Assumptions;

/**
 * The Docker engine integration tests run against. Without one they skip, except under {@code CI=true}
 * where a missing engine fails the run.
 */
final class DockerEngine {
  static final String BUSYBOX_1 = "coxswain/busybox:1";
  static final String BUSYBOX_2 = "coxswain/busybox:2";

  private DockerEngine() {}

  static DockerRuntime connectOrSkip() {
    boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
    String why;
    try {
      DockerRuntime runtime = DockerRuntime.connect(null, null);
      if (runtime.ping()) {
        for (String image : new String[] {BUSYBOX_1, BUSYBOX_2}) {
          if (!runtime.imagePresent(image)) {
            runtime.close();
            fail("test image " + image + " is missing: run packaging/build-test-image.sh");
          }
        }
        return runtime;
      }
      why = "the engine at " + runtime.endpoint() + " does not answer";
      runtime.close();
    } catch (IllegalStateException e) {
      why = e.getMessage();
    }
    if (ci) {
      fail("CI=true and no Docker engine: " + why);
    }
    Assumptions.abort("no Docker engine (" + why + "); start one or run .ci/run");
    throw new AssertionError("unreachable");
  }

  static boolean exists(String path) {
    return Files.exists(java.nio.file.Path.of(path));
  }
}
