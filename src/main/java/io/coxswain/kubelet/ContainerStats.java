package io.coxswain.kubelet;

import java.time.Instant;

/**
 * One sample of a container's resource use.
 *
 * @param time             when it was taken
 * @param cpuUsageNanos    total cpu time used since start, in nanoseconds
 * @param memoryUsageBytes memory in use now
 * @param memoryLimitBytes the memory limit (the node's memory when unlimited)
 */
public record ContainerStats(Instant time, long cpuUsageNanos, long memoryUsageBytes, long memoryLimitBytes) {}
