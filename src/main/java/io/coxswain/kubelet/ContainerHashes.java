package io.coxswain.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import java.util.HashMap;
import java.util.Map;

/**
 * The spec hashes of pods' containers ({@link ContainerSpecs#hash}), each computed once per container object:
 * kept by pod uid and container name, and used again while the pod's spec holds the very same object (a
 * changed pod comes from the informer as new objects). A sync looks at every container of the node on every
 * run, and hashing one serializes it to JSON and digests that. Not thread-safe: one kubelet's syncs use it.
 */
public final class ContainerHashes {
  private record Entry(Container container, String hash) {}

  private final Map<String, Map<String, Entry>> byPod = new HashMap<>();

  /** The hash of {@code container}, a container of the pod {@code podUid} (null: not kept). */
  public String of(String podUid, Container container) {
    if (podUid == null) {
      return ContainerSpecs.hash(container);
    }
    Map<String, Entry> pod = byPod.computeIfAbsent(podUid, u -> new HashMap<>());
    Entry known = pod.get(container.getName());
    if (known != null && known.container() == container) {
      return known.hash();
    }
    String hash = ContainerSpecs.hash(container);
    pod.put(container.getName(), new Entry(container, hash));
    return hash;
  }

  /** Drops the hashes of a pod (it was deleted). */
  public void forget(String podUid) {
    if (podUid != null) {
      byPod.remove(podUid);
    }
  }

  /** Pods whose hashes are kept. */
  public int pods() {
    return byPod.size();
  }
}
