package io.coxswain.kubelet;

/** A container port as the engine published it: reachable at {@code hostIp:hostPort}. */
public record PublishedPort(int containerPort, String protocol, String hostIp, int hostPort) {}
