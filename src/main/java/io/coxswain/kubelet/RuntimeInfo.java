package io.coxswain.kubelet;

/** What the engine says of the machine: for the node's capacity and nodeInfo. */
public record RuntimeInfo(int cpus, long memoryBytes, String osType, String architecture,
    String kernelVersion, String operatingSystem) {}
