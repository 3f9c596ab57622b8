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

  /** Each pod of the namespace with its node, phase, conditions and containers' states, then the last events. */
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

  /** As above, then the last {@code lines} of the node's log. */
  public static String pods(KubernetesClient client, NodeProcess node, int lines) {
    return pods(client) + "log of " + node + ":\n" + node.tail(lines);
  }
}
