package io.coxswain.kubelet;

import java.util.List;
import java.util.Map;

/**
 * One app container to create and start.
 *
 * @param pod          the pod
 * @param nodeName     this node
 * @param name         the container's name in the pod spec
 * @param image        the image
 * @param pullPolicy   when to pull the image
 * @param command      the entrypoint (pod spec {@code command}), empty for the image's
 * @param args         the arguments (pod spec {@code args}), empty for the image's
 * @param workingDir   the working directory, or null for the image's
 * @param env          environment variables, in order
 * @param mounts       volumes mounted
 * @param cpuMillis    cpu limit in millicores, 0 for none
 * @param memoryBytes  memory limit in bytes, 0 for none
 * @param stdin        keep stdin open
 * @param stdinOnce    close stdin once the first attached client detaches (the pod spec's {@code stdinOnce})
 * @param tty          allocate a terminal
 * @param networkFrom  the infra container whose network namespace to join; null only when this spec is
 *                     part of a sync plan that starts the infra container first (the executor fills it)
 * @param hostNetwork  use the node's network namespace instead
 * @param restartCount the instance number (0 for the first, 1 after one restart, ...)
 * @param specHash     hash of the pod spec container, to notice changes
 * @param graceSeconds the pod's termination grace period
 */
public record ContainerSpec(
    PodRef pod,
    String nodeName,
    String name,
    String image,
    PullPolicy pullPolicy,
    List<String> command,
    List<String> args,
    String workingDir,
    Map<String, String> env,
    List<Mount> mounts,
    long cpuMillis,
    long memoryBytes,
    boolean stdin,
    boolean stdinOnce,
    boolean tty,
    String networkFrom,
    boolean hostNetwork,
    int restartCount,
    String specHash,
    long graceSeconds) {

  public ContainerSpec {
    command = command == null ? List.of() : List.copyOf(command);
    args = args == null ? List.of() : List.copyOf(args);
    env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
  }

  public ContainerSpec withNetworkFrom(String infraId) {
    return new ContainerSpec(pod, nodeName, name, image, pullPolicy, command, args, workingDir, env, mounts,
        cpuMillis, memoryBytes, stdin, stdinOnce, tty, infraId, hostNetwork, restartCount, specHash, graceSeconds);
  }

  public ContainerSpec withRestartCount(int count) {
    return new ContainerSpec(pod, nodeName, name, image, pullPolicy, command, args, workingDir, env, mounts,
        cpuMillis, memoryBytes, stdin, stdinOnce, tty, networkFrom, hostNetwork, count, specHash, graceSeconds);
  }

  public Map<String, String> labels() {
    return ContainerLabels.of(pod, nodeName, name, ContainerLabels.Role.APP, restartCount, specHash,
        graceSeconds);
  }
}
