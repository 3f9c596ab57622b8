package io.coxswain.kubelet;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A container as the engine reports it, read back from its labels and state.
 *
 * @param id             the engine's container id
 * @param pod            the pod it belongs to (from its labels)
 * @param containerName  the pod spec's container name, or {@code POD} for the infra container
 * @param role           infra or app
 * @param restartCount   how many times this pod container was restarted before this instance
 * @param specHash       hash of the container spec it was created from
 * @param image          the image as asked for
 * @param imageId        the engine's image id
 * @param state          created, running, exited (or unknown)
 * @param exitCode       the exit code once exited, else null
 * @param createdAt      when the engine created it
 * @param startedAt      when it last started, or null
 * @param finishedAt     when it last exited, or null
 * @param oomKilled      killed by the kernel for exceeding its memory limit
 * @param error          the engine's error message (e.g. a failed start), or null
 * @param publishedPorts ports published on the node (infra containers)
 * @param graceSeconds   the pod's termination grace period when it was created
 */
public record ObservedContainer(
    String id,
    PodRef pod,
    String containerName,
    ContainerLabels.Role role,
    int restartCount,
    String specHash,
    String image,
    String imageId,
    State state,
    Integer exitCode,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    boolean oomKilled,
    String error,
    List<PublishedPort> publishedPorts,
    long graceSeconds) {

  public enum State { CREATED, RUNNING, EXITED, UNKNOWN }

  public ObservedContainer {
    publishedPorts = publishedPorts == null ? List.of() : List.copyOf(publishedPorts);
  }

  public boolean running() {
    return state == State.RUNNING;
  }

  public boolean infra() {
    return role == ContainerLabels.Role.INFRA;
  }

  public Duration grace() {
    return Duration.ofSeconds(Math.max(0, graceSeconds));
  }

  public ObservedContainer withState(State newState, Integer newExitCode, Instant newStartedAt,
      Instant newFinishedAt) {
    return new ObservedContainer(id, pod, containerName, role, restartCount, specHash, image, imageId,
        newState, newExitCode, createdAt, newStartedAt, newFinishedAt, oomKilled, error, publishedPorts,
        graceSeconds);
  }

  public ObservedContainer withOomKilled(boolean killed) {
    return new ObservedContainer(id, pod, containerName, role, restartCount, specHash, image, imageId,
        state, exitCode, createdAt, startedAt, finishedAt, killed, error, publishedPorts, graceSeconds);
  }
}
