package io.coxswain.testing;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.stream.Collectors;

/** What a cluster looks like, as text for a failed wait's message. */
public final class Explain {
  private Explain() {}

  /**
   * Each pod of the namespace with its node, phase, conditions and containers' states, each node with its
   * conditions, then the last events.
   */
  public static String pods(KubernetesClient client) {
    StringBuilder out = new StringBuilder("pods:\n");
    try {
      for (Pod p : client.pods().list().getItems()) {
        out.append("  ").append(p.getMetadata().getName()).append(" node=").append(p.getSpec().getNodeName());
        if (p.getStatus() != null) {
          out.append(" phase=").append(p.getStatus().getPhase()).append(" conditions=")
              .append(p.getStatus().getConditions().stream().map(c -> c.getType() + "=" + c.getStatus())
                  .collect(Collectors.joining(",")));
          for (ContainerStatus c : p.getStatus().getContainerStatuses()) {
            out.append("\n    ").append(c.getName()).append(" ready=").append(c.getReady()).append(" restarts=")
                .append(c.getRestartCount()).append(" state=").append(c.getState());
          }
        }
        out.append('\n');
      }
      out.append("nodes:\n");
      for (io.fabric8.kubernetes.api.model.Node n : client.nodes().list().getItems()) {
        out.append("  ").append(n.getMetadata().getName());
        if (n.getStatus() != null && n.getStatus().getConditions() != null) {
          n.getStatus().getConditions().forEach(c -> out.append(' ').append(c.getType()).append('=')
              .append(c.getStatus()).append(" (").append(c.getReason()).append(", heartbeat ")
              .append(c.getLastHeartbeatTime()).append(')'));
        }
        out.append('\n');
      }
      out.append("events:\n");
      java.util.List<Event> events = client.v1().events().list().getItems();
      events.stream().sorted(Comparator.comparing(e -> String.valueOf(e.getLastTimestamp())))
          .skip(Math.max(0, events.size() - 30))
          .forEach((Event e) -> out.append("  ").append(e.getLastTimestamp()).append(' ')
              .append(e.getInvolvedObject().getName()).append(' ').append(e.getReason()).append(": ")
              .append(e.getMessage()).append(" (x").append(e.getCount()).append(")\n"));
    } catch (RuntimeException e) {
      out.append("  (could not list: ").append(e).append(")\n");
    }
    return out.toString();
  }

  /** As above, then the node's busy threads (see {@link #threads}) and the last {@code lines} of its log. */
  public static String pods(KubernetesClient client, NodeProcess node, int lines) {
    return pods(client) + threads(node.pid(), 20) + "log of " + node + ":\n" + node.tail(lines);
  }

  /** Frames that mean a thread is idle: waiting for work or for the network, not held up. */
  private static final java.util.List<String> IDLE = java.util.List.of("epollWait", "EPoll.wait", "Unsafe.park",
      "LockSupport.park", "Object.wait", "Thread.sleep", "ServerSocket", "accept0", "Selector", "ReferenceQueue",
      "Reference.waitForReferencePendingList", "Thread.run");

  /**
   * The threads of process {@code pid} (a JVM) that run or wait on something of Coxswain's, or are BLOCKED,
   * each as its name, state and first frames of Coxswain's; at most {@code maxLines} lines. Idle pools are left
   * out: what is left is what the process was doing when a wait gave up.
   */
  public static String threads(long pid, int maxLines) {
    StringBuilder out = new StringBuilder("threads of process " + pid + ":\n");
    try {
      Process p = new ProcessBuilder("jcmd", Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
      String dump = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      int lines = 0;
      for (String block : dump.split("\n\s*\n")) {
        java.util.List<String> l = block.lines().map(String::strip).toList();
        if (l.size() < 2 || !l.get(0).startsWith("\"")) {
          continue;
        }
        String state = l.get(1).replace("java.lang.Thread.State: ", "");
        java.util.List<String> frames = l.stream().filter(x -> x.startsWith("at ") || x.startsWith("- ")).toList();
        java.util.List<String> ours = frames.stream().filter(x -> x.contains("io.coxswain")).limit(3).toList();
        boolean blocked = state.startsWith("BLOCKED");
        boolean busy = !frames.isEmpty() && IDLE.stream().noneMatch(frames.get(0)::contains);
        if (!blocked && (ours.isEmpty() || !busy && frames.stream().limit(4).noneMatch(x -> x.contains("io.coxswain")))) {
          continue;
        }
        if (lines >= maxLines) {
          out.append("  (more left out)\n");
          break;
        }
        out.append("  ").append(l.get(0), 0, Math.min(l.get(0).length(), 60)).append(" ").append(state).append('\n');
        lines++;
        for (String f : frames.isEmpty() ? java.util.List.<String>of() : java.util.List.of(frames.get(0))) {
          out.append("    ").append(f).append('\n');
          lines++;
        }
        for (String f : ours) {
          if (!frames.isEmpty() && f.equals(frames.get(0))) {
            continue;
          }
          out.append("    ").append(f).append('\n');
          lines++;
        }
      }
    } catch (java.io.IOException e) {
      out.append("  (no thread dump: ").append(e.getMessage()).append(")\n");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out.toString();
  }
}
