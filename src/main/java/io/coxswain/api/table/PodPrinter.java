package io.coxswain.api.table;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Pods: NAME READY STATUS RESTARTS AGE, wide IP NODE NOMINATED NODE READINESS GATES. */
public final class PodPrinter implements Printer<Pod> {
  static final String NODE_UNREACHABLE_REASON = "NodeLost";

  private static final List<Column> COLUMNS = List.of(
      Column.objectName(),
      Column.string("Ready", "The aggregate readiness state of this pod for accepting traffic."),
      Column.string("Status", "The aggregate status of the containers in this pod."),
      Column.string("Restarts", "The number of times the containers in this pod have been restarted and when the"
          + " last container in this pod has restarted."),
      Column.age(),
      Column.string("IP", "The pod's IP address (the first of status.podIPs).").wide(),
      Column.string("Node", "The node the pod is bound to (spec.nodeName).").wide(),
      Column.string("Nominated Node", "The node the scheduler nominated for this pod after a preemption.").wide(),
      Column.string("Readiness Gates", "How many of the pod's readiness gates are true.").wide());

  @Override
  public Class<Pod> type() {
    return Pod.class;
  }

  @Override
  public List<Column> columns() {
    return COLUMNS;
  }

  @Override
  public List<RowCondition> conditions(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase)) {
      return List.of(new RowCondition("Completed", "True", "Succeeded", "The pod has completed successfully."));
    }
    if ("Failed".equals(phase)) {
      return List.of(new RowCondition("Completed", "True", "Failed", "The pod failed."));
    }
    return List.of();
  }

  @Override
  public List<Object> cells(Pod pod, Instant now) {
    PodSpec spec = pod.getSpec() == null ? new PodSpec() : pod.getSpec();
    PodStatus st = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    Summary s = summarize(pod);
    String restarts = String.valueOf(s.restarts);
    if (s.restarts != 0 && s.lastRestart != null) {
      restarts = s.restarts + " (" + HumanDuration.format(Duration.between(s.lastRestart, now)) + " ago)";
    }
    List<Object> cells = new ArrayList<>();
    cells.add(pod.getMetadata().getName());
    cells.add(s.ready + "/" + s.total);
    cells.add(s.reason);
    cells.add(restarts);
    cells.add(HumanDuration.since(pod.getMetadata().getCreationTimestamp(), now));
    String ip = st.getPodIPs() != null && !st.getPodIPs().isEmpty() ? st.getPodIPs().get(0).getIp() : st.getPodIP();
    cells.add(orNone(ip));
    cells.add(orNone(spec.getNodeName()));
    cells.add(orNone(st.getNominatedNodeName()));
    List<PodReadinessGate> gates = nonNull(spec.getReadinessGates());
    if (gates.isEmpty()) {
      cells.add("<none>");
    } else {
      int trueGates = 0;
      for (PodReadinessGate g : gates) {
        for (PodCondition c : nonNull(st.getConditions())) {
          if (c.getType().equals(g.getConditionType())) {
            if ("True".equals(c.getStatus())) {
              trueGates++;
            }
            break;
          }
        }
      }
      cells.add(trueGates + "/" + gates.size());
    }
    return cells;
  }

  /** The STATUS kubectl shows for a pod (Running, ContainerCreating, CrashLoopBackOff, Init:0/1, Terminating...). */
  public static String status(Pod pod) {
    return summarize(pod).reason;
  }

  record Summary(String reason, int ready, int total, int restarts, Instant lastRestart) {}

  static Summary summarize(Pod pod) {
    PodSpec spec = pod.getSpec() == null ? new PodSpec() : pod.getSpec();
    PodStatus st = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    int total = nonNull(spec.getContainers()).size();
    int ready = 0;
    int restarts = 0;
    int sidecarRestarts = 0;
    Instant lastRestart = null;
    Instant lastSidecarRestart = null;
    String reason = st.getPhase() == null ? "" : st.getPhase();
    if (st.getReason() != null && !st.getReason().isEmpty()) {
      reason = st.getReason();
    }
    for (PodCondition c : nonNull(st.getConditions())) {
      if ("PodScheduled".equals(c.getType()) && "SchedulingGated".equals(c.getReason())) {
        reason = "SchedulingGated";
      }
    }
    Map<String, Container> inits = new HashMap<>();
    for (Container c : nonNull(spec.getInitContainers())) {
      inits.put(c.getName(), c);
      if (sidecar(c)) {
        total++;
      }
    }
    boolean initializing = false;
    List<ContainerStatus> initStatuses = nonNull(st.getInitContainerStatuses());
    for (int i = 0; i < initStatuses.size(); i++) {
      ContainerStatus cs = initStatuses.get(i);
      int count = cs.getRestartCount() == null ? 0 : cs.getRestartCount();
      restarts += count;
      Instant finished = lastFinished(cs);
      lastRestart = later(lastRestart, finished);
      boolean isSidecar = sidecar(inits.get(cs.getName()));
      if (isSidecar) {
        sidecarRestarts += count;
        lastSidecarRestart = later(lastSidecarRestart, finished);
      }
      ContainerState state = cs.getState() == null ? new ContainerState() : cs.getState();
      ContainerStateTerminated term = state.getTerminated();
      if (term != null && exitCode(term) == 0) {
        continue;
      }
      if (isSidecar && Boolean.TRUE.equals(cs.getStarted())) {
        if (Boolean.TRUE.equals(cs.getReady())) {
          ready++;
        }
        continue;
      }
      if (term != null) {
        if (empty(term.getReason())) {
          reason = signal(term) != 0 ? "Init:Signal:" + signal(term) : "Init:ExitCode:" + exitCode(term);
        } else {
          reason = "Init:" + term.getReason();
        }
      } else if (state.getWaiting() != null && !empty(state.getWaiting().getReason())
          && !"PodInitializing".equals(state.getWaiting().getReason())) {
        reason = "Init:" + state.getWaiting().getReason();
      } else {
        reason = "Init:" + i + "/" + nonNull(spec.getInitContainers()).size();
      }
      initializing = true;
      break;
    }
    if (!initializing || conditionTrue(st, "Initialized")) {
      restarts = sidecarRestarts;
      lastRestart = lastSidecarRestart;
      boolean hasRunning = false;
      List<ContainerStatus> statuses = nonNull(st.getContainerStatuses());
      for (int i = statuses.size() - 1; i >= 0; i--) {
        ContainerStatus cs = statuses.get(i);
        restarts += cs.getRestartCount() == null ? 0 : cs.getRestartCount();
        lastRestart = later(lastRestart, lastFinished(cs));
        ContainerState state = cs.getState() == null ? new ContainerState() : cs.getState();
        if (state.getWaiting() != null && !empty(state.getWaiting().getReason())) {
          reason = state.getWaiting().getReason();
        } else if (state.getTerminated() != null && !empty(state.getTerminated().getReason())) {
          reason = state.getTerminated().getReason();
        } else if (state.getTerminated() != null) {
          ContainerStateTerminated term = state.getTerminated();
          reason = signal(term) != 0 ? "Signal:" + signal(term) : "ExitCode:" + exitCode(term);
        } else if (Boolean.TRUE.equals(cs.getReady()) && state.getRunning() != null) {
          hasRunning = true;
          ready++;
        }
      }
      if ("Completed".equals(reason) && hasRunning) {
        reason = conditionTrue(st, "Ready") ? "Running" : "NotReady";
      }
    }
    String phase = st.getPhase();
    if (pod.getMetadata().getDeletionTimestamp() != null && NODE_UNREACHABLE_REASON.equals(st.getReason())) {
      reason = "Unknown";
    } else if (pod.getMetadata().getDeletionTimestamp() != null && !"Succeeded".equals(phase) && !"Failed".equals(phase)) {
      reason = "Terminating";
    }
    return new Summary(reason, ready, total, restarts, lastRestart);
  }

  private static boolean sidecar(Container c) {
    return c != null && "Always".equals(c.getRestartPolicy());
  }

  private static Instant lastFinished(ContainerStatus cs) {
    if (cs.getLastState() == null || cs.getLastState().getTerminated() == null) {
      return null;
    }
    return HumanDuration.parse(cs.getLastState().getTerminated().getFinishedAt());
  }

  private static Instant later(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return b.isAfter(a) ? b : a;
  }

  private static boolean conditionTrue(PodStatus st, String type) {
    for (PodCondition c : nonNull(st.getConditions())) {
      if (type.equals(c.getType()) && "True".equals(c.getStatus())) {
        return true;
      }
    }
    return false;
  }

  private static int exitCode(ContainerStateTerminated t) {
    return t.getExitCode() == null ? 0 : t.getExitCode();
  }

  private static int signal(ContainerStateTerminated t) {
    return t.getSignal() == null ? 0 : t.getSignal();
  }

  static boolean empty(String s) {
    return s == null || s.isEmpty();
  }

  static String orNone(String s) {
    return empty(s) ? "<none>" : s;
  }

  static <E> List<E> nonNull(List<E> list) {
    return list == null ? List.of() : list;
  }
}
