package io.coxswain.kubelet;

/**
 * A host directory mounted into a container.
 *
 * @param kind          EMPTY_DIR (a pod-private directory under the kubelet's data dir, created when
 *                      missing) or HOST_PATH (a path of the node as given)
 * @param volumeName    the pod volume's name
 * @param hostPath      the directory on the node
 * @param containerPath where it appears in the container
 * @param readOnly      mounted read-only
 */
public record Mount(Kind kind, String volumeName, String hostPath, String containerPath, boolean readOnly) {
  public enum Kind { EMPTY_DIR, HOST_PATH }
}
