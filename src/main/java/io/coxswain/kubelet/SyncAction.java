package io.coxswain.kubelet;

import java.time.Duration;

/**
 * One step the kubelet takes to bring its node's containers to the desired state. Within one plan the
 * actions of a pod come in order: a {@link StartInfra} precedes the {@link StartContainer}s of the same
 * pod, whose {@code spec.networkFrom()} is then null and must be filled with the new infra container's id.
 * Kills may take their whole grace period: run them concurrently and do not issue a second kill for a
 * container whose stop is still in progress.
 */
public sealed interface SyncAction {
  PodRef pod();

  /** Create and start the pod's infra container. */
  record StartInfra(InfraSpec spec) implements SyncAction {
    @Override
    public PodRef pod() {
      return spec.pod();
    }
  }

  /** Ensure the image (per its pull policy), then create and start an app container. */
  record StartContainer(ContainerSpec spec) implements SyncAction {
    @Override
    public PodRef pod() {
      return spec.pod();
    }
  }

  /** Stop a running container: SIGTERM, then SIGKILL after {@code grace}. */
  record KillContainer(String containerId, PodRef pod, String containerName, Duration grace, String reason)
      implements SyncAction {}

  /** Remove a container that no longer runs. */
  record RemoveContainer(String containerId, PodRef pod, String containerName, String reason)
      implements SyncAction {}
}
