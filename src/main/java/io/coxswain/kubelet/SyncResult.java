package io.coxswain.kubelet;

import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one kubelet sync decided.
 *
 * @param actions    the steps to take, in order per pod
 * @param statuses   the status to report for each desired pod, by pod uid
 * @param backOff    the back-off state to keep for the next sync
 * @param nextSyncAt the earliest time a back-off expires (sync again then), or null
 * @param terminated deleted pods whose containers are all gone: finish their deletion on the API
 * @param publishedPorts by pod uid, where each running pod's container ports are reachable on the node
 *                   (the infra container's published ports; with host networking the ports themselves):
 *                   what endpoints list as {@code nodeAddress:publishedPort}
 */
public record SyncResult(
    List<SyncAction> actions,
    Map<String, PodStatus> statuses,
    Map<ContainerKey, BackOff> backOff,
    Instant nextSyncAt,
    List<PodRef> terminated,
    Map<String, List<PublishedPort>> publishedPorts) {}
