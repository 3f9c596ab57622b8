package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Pod spec details turned into runtime terms: pull policies, image names, variable references. */
class ContainerSpecsTest {
  static Stream<Arguments> pullPolicies() {
    return Stream.of(
        Arguments.of(null, "busybox", PullPolicy.ALWAYS),
        Arguments.of(null, "busybox:latest", PullPolicy.ALWAYS),
        Arguments.of(null, "localhost:5000/busybox", PullPolicy.ALWAYS),
        Arguments.of(null, "localhost:5000/busybox:1", PullPolicy.IF_NOT_PRESENT),
        Arguments.of("", "coxswain/busybox:1", PullPolicy.IF_NOT_PRESENT),
        Arguments.of(null, "busybox@sha256:abc", PullPolicy.IF_NOT_PRESENT),
        Arguments.of("Always", "coxswain/busybox:1", PullPolicy.ALWAYS),
        Arguments.of("IfNotPresent", "busybox", PullPolicy.IF_NOT_PRESENT),
        Arguments.of("Never", "busybox", PullPolicy.NEVER));
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @MethodSource("pullPolicies")
  void pullPolicyDefaultsLikeKubernetes(String value, String image, PullPolicy expected) {
    assertEquals(expected, PullPolicy.of(value, image));
  }

  @Test
  void imageNamesSplitIntoRepositoryAndTag() {
    assertEquals(new DockerRuntime.ImageName("registry.k8s.io/pause", "3.10", null),
        DockerRuntime.ImageName.parse("registry.k8s.io/pause:3.10"));
    assertEquals(new DockerRuntime.ImageName("localhost:5000/app", "latest", null),
        DockerRuntime.ImageName.parse("localhost:5000/app"));
    assertEquals(new DockerRuntime.ImageName("busybox", null, "sha256:abc"),
        DockerRuntime.ImageName.parse("busybox@sha256:abc"));
  }

  static Stream<Arguments> expansions() {
    return Stream.of(
        Arguments.of("plain", "plain"),
        Arguments.of("$(A)", "1"),
        Arguments.of("x$(A)y$(B)z", "x1y2z"),
        Arguments.of("$(MISSING)", "$(MISSING)"),
        Arguments.of("$$(A)", "$(A)"),
        Arguments.of("cost $5", "cost $5"),
        Arguments.of("$(A", "$(A"),
        Arguments.of("$HOME", "$HOME"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("expansions")
  void variableReferencesExpandLikeKubernetes(String text, String expected) {
    assertEquals(expected, ContainerSpecs.expand(text, Map.of("A", "1", "B", "2")));
  }
}
