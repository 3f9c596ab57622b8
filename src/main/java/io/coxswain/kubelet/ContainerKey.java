package io.coxswain.kubelet;

/** One container of one pod, across its restarts. */
public record ContainerKey(String podUid, String containerName) {}
