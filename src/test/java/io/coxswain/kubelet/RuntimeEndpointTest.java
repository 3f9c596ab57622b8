package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RuntimeEndpointTest {
  static final String DOCKER = "/var/run/docker.sock";
  static final String PODMAN = "/run/podman/podman.sock";
  static final String USER_PODMAN = "/run/user/1000/podman/podman.sock";

  static Stream<Arguments> cases() {
    Map<String, String> xdg = Map.of("XDG_RUNTIME_DIR", "/run/user/1000");
    return Stream.of(
        Arguments.of("the flag wins over everything", "unix:///tmp/e.sock", Map.of("DOCKER_HOST", "tcp://h:1"),
            Set.of(DOCKER), "unix:///tmp/e.sock"),
        Arguments.of("a bare socket path in the flag", "/tmp/e.sock", Map.of(), Set.of(), "unix:///tmp/e.sock"),
        Arguments.of("DOCKER_HOST next", null, Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375"), Set.of(DOCKER),
            "tcp://127.0.0.1:2375"),
        Arguments.of("a blank flag is no flag", " ", Map.of("DOCKER_HOST", "unix:///x.sock"), Set.of(),
            "unix:///x.sock"),
        Arguments.of("then Docker's socket", null, xdg, Set.of(DOCKER, PODMAN, USER_PODMAN), "unix://" + DOCKER),
        Arguments.of("then Podman's rootful socket", null, xdg, Set.of(PODMAN, USER_PODMAN), "unix://" + PODMAN),
        Arguments.of("then the user's Podman socket", null, xdg, Set.of(USER_PODMAN), "unix://" + USER_PODMAN));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void resolves(String name, String flag, Map<String, String> env, Set<String> sockets, String expected) {
    assertEquals(expected, RuntimeEndpoint.resolve(flag, env, p -> sockets.contains(p.toString())));
  }

  @Test
  void noEngineNamesEveryPlaceLookedAt() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> RuntimeEndpoint.resolve(null, Map.of("XDG_RUNTIME_DIR", "/run/user/7"), p -> false));
    assertTrue(e.getMessage().contains(DOCKER), e.getMessage());
    assertTrue(e.getMessage().contains(PODMAN), e.getMessage());
    assertTrue(e.getMessage().contains(Path.of("/run/user/7/podman/podman.sock").toString()), e.getMessage());
  }

  @Test
  void aFlagThatIsNeitherPathNorUriIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RuntimeEndpoint.resolve("docker.sock", Map.of(), p -> true));
    assertTrue(e.getMessage().contains("docker.sock"));
  }
}
