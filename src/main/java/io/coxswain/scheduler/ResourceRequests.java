package io.coxswain.scheduler;

import io.coxswain.model.Quantities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;
import java.util.Map;

/** A pod's cpu (millicores) and memory (bytes) requests. */
public record ResourceRequests(long cpuMilli, long memoryBytes) {
  /** What scoring assumes for a container that requests no cpu, as Kubernetes does. */
  public static final long DEFAULT_CPU_MILLI = 100;
  /** What scoring assumes for a container that requests no memory, as Kubernetes does. */
  public static final long DEFAULT_MEMORY_BYTES = 200L * 1024 * 1024;

  public static final ResourceRequests ZERO = new ResourceRequests(0, 0);

  public ResourceRequests plus(ResourceRequests other) {
    return new ResourceRequests(cpuMilli + other.cpuMilli, memoryBytes + other.memoryBytes);
  }

  /**
   * The pod's effective requests: the sum over its containers, at least the largest init container (init
   * containers run one at a time before the others), plus the pod overhead. A container that names a limit
   * but no request requests its limit.
   */
  public static ResourceRequests of(Pod pod) {
    return compute(pod, false);
  }

  /** Like {@link #of} but a container requesting nothing counts 100m cpu / 200Mi memory, for scoring. */
  public static ResourceRequests nonZeroOf(Pod pod) {
    return compute(pod, true);
  }

  private static ResourceRequests compute(Pod pod, boolean nonZero) {
    if (pod.getSpec() == null) {
      return ZERO;
    }
    long cpu = 0;
    long memory = 0;
    for (Container c : list(pod.getSpec().getContainers())) {
      cpu += amount(c.getResources(), "cpu", true, nonZero ? DEFAULT_CPU_MILLI : 0);
      memory += amount(c.getResources(), "memory", false, nonZero ? DEFAULT_MEMORY_BYTES : 0);
    }
    for (Container c : list(pod.getSpec().getInitContainers())) {
      cpu = Math.max(cpu, amount(c.getResources(), "cpu", true, nonZero ? DEFAULT_CPU_MILLI : 0));
      memory = Math.max(memory, amount(c.getResources(), "memory", false, nonZero ? DEFAULT_MEMORY_BYTES : 0));
    }
    Map<String, Quantity> overhead = pod.getSpec().getOverhead();
    if (overhead != null) {
      if (overhead.get("cpu") != null) {
        cpu += Quantities.milliValue(overhead.get("cpu"));
      }
      if (overhead.get("memory") != null) {
        memory += Quantities.value(overhead.get("memory"));
      }
    }
    return new ResourceRequests(cpu, memory);
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }

  private static long amount(ResourceRequirements r, String name, boolean milli, long absent) {
    Quantity q = null;
    if (r != null && r.getRequests() != null) {
      q = r.getRequests().get(name);
    }
    if (q == null && r != null && r.getLimits() != null) {
      q = r.getLimits().get(name);
    }
    if (q == null) {
      return absent;
    }
    try {
      return milli ? Quantities.milliValue(q) : Quantities.value(q);
    } catch (IllegalArgumentException e) {
      return absent;
    }
  }
}
