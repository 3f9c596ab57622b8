package io.coxswain.kubelet;

/** The result of a command run to completion in a container. */
public record ExecResult(int exitCode, String stdout, String stderr) {}
