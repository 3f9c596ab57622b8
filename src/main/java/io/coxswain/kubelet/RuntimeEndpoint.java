package io.coxswain.kubelet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where the container engine listens. In order: the {@code --container-runtime-endpoint} flag, then
 * {@code DOCKER_HOST}, then {@code /var/run/docker.sock}, then {@code /run/podman/podman.sock}, then
 * {@code $XDG_RUNTIME_DIR/podman/podman.sock}.
 */
public final class RuntimeEndpoint {
  public static final String DOCKER_SOCKET = "/var/run/docker.sock";
  public static final String PODMAN_SOCKET = "/run/podman/podman.sock";

  private RuntimeEndpoint() {}

  /**
   * Resolves the endpoint.
   *
   * @param flag         the flag's value, or null/blank
   * @param env          the process environment
   * @param socketExists tells whether a socket path exists
   * @return a URI such as {@code unix:///var/run/docker.sock} or {@code tcp://127.0.0.1:2375}
   * @throws IllegalStateException naming every place looked at, when none has an engine
   */
  public static String resolve(String flag, Map<String, String> env, Predicate<Path> socketExists) {
    if (flag != null && !flag.isBlank()) {
      return normalize(flag.trim());
    }
    String dockerHost = env.get("DOCKER_HOST");
    if (dockerHost != null && !dockerHost.isBlank()) {
      return normalize(dockerHost.trim());
    }
    List<String> candidates = new ArrayList<>(List.of(DOCKER_SOCKET, PODMAN_SOCKET));
    String xdg = env.get("XDG_RUNTIME_DIR");
    if (xdg != null && !xdg.isBlank()) {
      candidates.add(Path.of(xdg, "podman", "podman.sock").toString());
    }
    for (String candidate : candidates) {
      if (socketExists.test(Path.of(candidate))) {
        return "unix://" + candidate;
      }
    }
    throw new IllegalStateException("no container engine found: set --container-runtime-endpoint or"
        + " DOCKER_HOST, or start Docker or Podman (looked at " + String.join(", ", candidates) + ")");
  }

  /** A bare path becomes a unix:// URI; URIs are kept. */
  static String normalize(String endpoint) {
    if (endpoint.startsWith("/")) {
      return "unix://" + endpoint;
    }
    if (!endpoint.contains("://")) {
      throw new IllegalArgumentException("container runtime endpoint must be unix:///path, tcp://host:port"
          + " or an absolute socket path: " + endpoint);
    }
    return endpoint;
  }
}
