package io.coxswain.kubelet;

import java.time.Instant;

/**
 * One sample of a container's resource use.
 *
 * @param time             when it was taken
 * @param cpuUsageNanos    total cpu time used since start, in nanoseconds
 * @param memoryUsageBytes memory in use now
 * @param memoryLimitBytes the memory limit (the node's memory when unlimited)
 * @param cpuNanoCores     cpu in use now, in billionths of a core (over the runtime's last sampling interval;
 *                         0 when the runtime has no earlier sample)
 * @param workingSetBytes  memory in use less the inactive page cache, what the kernel cannot reclaim at once
 */
public record ContainerStats(Instant time, long cpuUsageNanos, long memoryUsageBytes, long memoryLimitBytes,
    long cpuNanoCores, long workingSetBytes) {
  public ContainerStats(Instant time, long cpuUsageNanos, long memoryUsageBytes, long memoryLimitBytes) {
    this(time, cpuUsageNanos, memoryUsageBytes, memoryLimitBytes, 0, memoryUsageBytes);
  }
}
