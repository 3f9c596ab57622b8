package io.coxswain.kubelet;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything one kubelet sync looks at.
 *
 * @param nodeName    this node
 * @param hostIP      the node's address: ports are published there; it is also every pod's IP
 * @param podsDir     where pod directories live ({@code <podsDir>/<uid>/volumes/empty-dir/<name>})
 * @param pods        the pods bound to this node (from the API; deleted ones carry a deletionTimestamp)
 * @param containers  the node's containers as the runtime lists them
 * @param backOff     the back-off state returned by the previous sync (plus failed pulls)
 * @param readiness   readiness probe results; a running container without an entry counts as ready
 * @param services    the services the node knows: each container gets the variables of its pod's ones
 *                    ({@link ServiceEnv})
 * @param now         the current time
 * @param hashes      the containers' spec hashes kept between syncs (null: each computed anew)
 */
public record SyncInput(
    String nodeName,
    String hostIP,
    Path podsDir,
    List<Pod> pods,
    List<ObservedContainer> containers,
    Map<ContainerKey, BackOff> backOff,
    Map<ContainerKey, Boolean> readiness,
    List<Service> services,
    Instant now,
    ContainerHashes hashes) {

  /** An input whose container spec hashes are computed anew. */
  public SyncInput(String nodeName, String hostIP, Path podsDir, List<Pod> pods, List<ObservedContainer> containers,
                   Map<ContainerKey, BackOff> backOff, Map<ContainerKey, Boolean> readiness, List<Service> services,
                   Instant now) {
    this(nodeName, hostIP, podsDir, pods, containers, backOff, readiness, services, now, null);
  }

  /** The spec hash of a container of {@code pod}. */
  public String specHash(Pod pod, io.fabric8.kubernetes.api.model.Container container) {
    return hashes == null ? ContainerSpecs.hash(container) : hashes.of(pod.getMetadata().getUid(), container);
  }

  public SyncInput {
    pods = List.copyOf(pods);
    containers = List.copyOf(containers);
    backOff = backOff == null ? Map.of() : Map.copyOf(backOff);
    readiness = readiness == null ? Map.of() : Map.copyOf(readiness);
    services = services == null ? List.of() : List.copyOf(services);
  }
}
