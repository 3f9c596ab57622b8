package io.coxswain.kubelet;

/**
 * The engine behind a {@link ContainerRuntime}.
 *
 * @param name       "docker", "podman" or "fake"
 * @param version    the engine's version, e.g. 20.10.24
 * @param apiVersion the API version spoken, e.g. 1.41
 */
public record RuntimeVersion(String name, String version, String apiVersion) {
  /** The form Kubernetes puts in nodeInfo.containerRuntimeVersion, e.g. {@code docker://20.10.24}. */
  public String nodeInfoVersion() {
    return name + "://" + version;
  }
}
