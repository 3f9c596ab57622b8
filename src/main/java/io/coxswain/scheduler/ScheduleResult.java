package io.coxswain.scheduler;

import java.util.List;
import java.util.Map;

/** What the scheduler decided for one pod: a node, or why no node fits. */
public sealed interface ScheduleResult {
  /** The pod fits on this node. */
  record Scheduled(String nodeName) implements ScheduleResult {}

  /**
   * No node fits. {@code reasonsByNode} lists each node's failures (sorted by node name); {@code message} is
   * Kubernetes' summary, e.g. "0/3 nodes are available: 2 Insufficient memory, 1 node(s) didn't match node
   * selector."
   */
  record Unschedulable(Map<String, List<String>> reasonsByNode, String message) implements ScheduleResult {
    public Unschedulable {
      reasonsByNode = Map.copyOf(reasonsByNode);
    }
  }
}
