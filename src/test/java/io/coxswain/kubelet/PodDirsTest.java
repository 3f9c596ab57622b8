package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodDirsTest {
  static Pod pod(String uid) {
    return new PodBuilder().withNewMetadata().withNamespace("default").withName("p-" + uid).withUid(uid)
        .endMetadata().build();
  }

  static ObservedContainer container(String uid) {
    return new ObservedContainer("c-" + uid, new PodRef(uid, "default", "p-" + uid), "app",
        ContainerLabels.Role.APP, 0, "", "coxswain/busybox:1", "sha256:bb1", ObservedContainer.State.EXITED, 0,
        null, null, null, false, null, List.of(), 30);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("no directories", List.of(), List.of(pod("a")), List.of(), Set.of()),
        Arguments.of("a desired pod keeps its directory", List.of("a"), List.of(pod("a")), List.of(), Set.of()),
        Arguments.of("a deleted pod whose container is still there keeps it", List.of("b"), List.of(),
            List.of(container("b")), Set.of()),
        Arguments.of("a deleted pod with no container left loses it", List.of("a", "c"), List.of(pod("a")),
            List.of(container("a")), Set.of("c")),
        Arguments.of("several at once", List.of("x", "y", "z"), List.of(pod("y")), List.of(), Set.of("x", "z")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void orphans(String name, List<String> dirs, List<Pod> desired, List<ObservedContainer> containers,
      Set<String> expected) {
    assertEquals(expected, PodDirs.orphans(dirs, desired, containers));
  }

  @Test
  void removeDeletesTheTreeButNotWhatALinkPointsTo(@TempDir Path tmp) throws Exception {
    Path pods = tmp.resolve("pods");
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("keep"), "x");
    Path vol = Files.createDirectories(pods.resolve("u1/volumes/empty-dir/data"));
    Files.writeString(vol.resolve("file"), "hello");
    Files.createSymbolicLink(vol.resolve("link"), outside);
    Files.createDirectories(pods.resolve("u2"));

    assertEquals(List.of("u1", "u2"), PodDirs.list(pods).stream().sorted().toList());
    PodDirs.remove(pods, "u1");
    assertFalse(Files.exists(pods.resolve("u1")));
    assertTrue(Files.exists(outside.resolve("keep")));
    assertTrue(Files.exists(pods.resolve("u2")));
    PodDirs.remove(pods, "../outside"); // not a pod directory: ignored
    assertTrue(Files.exists(outside.resolve("keep")));
    assertEquals(List.of(), PodDirs.list(tmp.resolve("none")));
  }
}
