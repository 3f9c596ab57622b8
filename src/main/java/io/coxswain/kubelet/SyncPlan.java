package io.coxswain.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The kubelet's decision, as a pure function: desired pods × observed containers × back-off state × now →
 * actions, pod statuses and the next back-off state. No I/O and no clock of its own.
 *
 * <ul>
 *   <li>a pod without a running infra container gets one; app containers missing are started;</li>
 *   <li>exited containers restart per restartPolicy (Always; OnFailure when the exit code is not 0; Never
 *       not at all) with back-off 10 s doubling to 5 min (CrashLoopBackOff); the back-off restarts from 10 s
 *       once a container ran for 10 minutes;</li>
 *   <li>a container whose spec changed (hash label) is killed and replaced;</li>
 *   <li>a pod with a deletionTimestamp first drains: for {@link #ENDPOINT_DRAIN} (at most its grace period)
 *       after the deletion was asked its containers keep running while the endpoints controller and every
 *       node's proxy stop sending it new connections (a terminating pod leaves its services' endpoints at
 *       once); then its app containers, then its infra container, are killed with the rest of the grace
 *       period, everything removed, and it is reported as terminated;</li>
 *   <li>containers of pods not desired (orphans) are killed with the grace they were created with, then
 *       removed; a finished pod (Succeeded/Failed) has its infra container stopped;</li>
 *   <li>of a container's exited instances only the latest is kept (for {@code logs --previous}).</li>
 * </ul>
 */
public final class SyncPlan {
  /**
   * How long a deleted pod keeps running before its containers are signalled: what proxies need to take it
   * out of their rules (an implicit {@code preStop} sleep, so that a rolling update loses no request).
   */
  public static final Duration ENDPOINT_DRAIN = Duration.ofSeconds(2);
  /** A container that ran this long before exiting starts its back-off afresh. */
  public static final Duration BACK_OFF_RESET = Duration.ofMinutes(10);

  private SyncPlan() {}

  public static SyncResult compute(SyncInput in) {
    return new Run(in).compute();
  }

  /** How one app container of a desired pod goes on. */
  private enum Decision { KEEP, START, WAIT, DONE, KILL_CHANGED }

  private static final class Run {
    private final SyncInput in;
    private final List<SyncAction> actions = new ArrayList<>();
    private final Map<String, PodStatus> statuses = new LinkedHashMap<>();
    private final Map<ContainerKey, BackOff> backOff = new HashMap<>();
    private final List<PodRef> terminated = new ArrayList<>();
    private final Map<String, List<PublishedPort>> published = new LinkedHashMap<>();
    private Instant nextSyncAt;

    Run(SyncInput in) {
      this.in = in;
    }

    SyncResult compute() {
      Map<String, List<ObservedContainer>> byPod = in.containers().stream()
          .collect(Collectors.groupingBy(c -> c.pod().uid(), LinkedHashMap::new, Collectors.toList()));
      Set<String> desired = new HashSet<>();
      List<Pod> pods = new ArrayList<>(in.pods());
      pods.sort(Comparator.comparing((Pod p) -> p.getMetadata().getNamespace())
          .thenComparing(p -> p.getMetadata().getName()));
      for (Pod pod : pods) {
        String uid = pod.getMetadata().getUid();
        desired.add(uid);
        List<ObservedContainer> mine = byPod.getOrDefault(uid, List.of());
        if (pod.getMetadata().getDeletionTimestamp() != null) {
          terminate(pod, mine);
        } else {
          sync(pod, mine);
        }
      }
      List<String> orphanUids = new ArrayList<>(byPod.keySet());
      orphanUids.removeIf(desired::contains);
      for (String uid : orphanUids) {
        List<ObservedContainer> mine = byPod.get(uid);
        stopAll(mine, null, "pod " + mine.get(0).pod() + " is no longer bound to this node");
      }
      return new SyncResult(List.copyOf(actions), statuses, Map.copyOf(backOff), nextSyncAt,
          List.copyOf(terminated), published);
    }

    // ------------------------------------------------------------ a desired pod

    private void sync(Pod pod, List<ObservedContainer> mine) {
      PodRef ref = ContainerSpecs.ref(pod);
      String policy = restartPolicy(pod);
      List<ObservedContainer> infras = sortedNewestFirst(mine.stream().filter(ObservedContainer::infra));
      ObservedContainer infra = infras.stream().filter(ObservedContainer::running).findFirst().orElse(null);
      Set<String> specNames = new HashSet<>();
      List<ContainerPlan> plans = new ArrayList<>();
      for (Container c : pod.getSpec().getContainers()) {
        specNames.add(c.getName());
        List<ObservedContainer> instances = instances(mine, c.getName());
        plans.add(decide(pod, c, instances, policy));
      }
      boolean terminal = isTerminalPhase(pod);

      // containers no longer in the spec, and surplus instances
      for (ObservedContainer c : mine) {
        if (!c.infra() && !specNames.contains(c.containerName())) {
          stopOrRemove(c, c.grace(), "container " + c.containerName() + " is not in the pod spec");
        }
      }
      for (ContainerPlan plan : plans) {
        for (int i = 1; i < plan.instances.size(); i++) {
          ObservedContainer older = plan.instances.get(i);
          if (older.running()) {
            actions.add(new SyncAction.KillContainer(older.id(), ref, older.containerName(), older.grace(),
                "a newer instance of the container exists"));
          } else if (i >= 2) {
            // the instance before the latest stays (logs --previous); older ones go
            actions.add(new SyncAction.RemoveContainer(older.id(), ref, older.containerName(),
                "superseded by a newer instance"));
          }
        }
      }

      PodStatus status = status(pod, plans, infra);
      String phase = status.getPhase();
      boolean finished = terminal || "Succeeded".equals(phase) || "Failed".equals(phase);
      if (finished) {
        // nothing restarts in a finished pod; its network namespace goes away
        for (ContainerPlan plan : plans) {
          if (plan.latest() != null && plan.latest().running()) {
            actions.add(new SyncAction.KillContainer(plan.latest().id(), ref, plan.name(), plan.latest().grace(),
                "the pod has finished"));
          }
        }
        if (infra != null) {
          actions.add(new SyncAction.KillContainer(infra.id(), ref, infra.containerName(), infra.grace(),
              "the pod has finished"));
        }
        statuses.put(ref.uid(), terminal && pod.getStatus() != null ? pod.getStatus() : status);
        return;
      }

      if (infra != null && ContainerSpecs.hostNetwork(pod)) {
        published.put(ref.uid(), ContainerSpecs.infra(pod, in.nodeName(), in.hostIP()).ports().stream()
            .map(p -> new PublishedPort(p.containerPort(), p.protocol(), p.hostIp(), p.containerPort())).toList());
      } else if (infra != null) {
        published.put(ref.uid(), infra.publishedPorts());
      }
      if (infra == null) {
        // no network namespace: containers still running lost it (or never had it) and are replaced
        for (ContainerPlan plan : plans) {
          if (plan.latest() != null && plan.latest().running()) {
            actions.add(new SyncAction.KillContainer(plan.latest().id(), ref, plan.name(), plan.latest().grace(),
                "the pod's infra container is not running"));
          }
        }
      }
      for (ObservedContainer old : infras) {
        if (!old.running()) {
          actions.add(new SyncAction.RemoveContainer(old.id(), ref, old.containerName(),
              "the infra container exited"));
        }
      }
      if (infra == null) {
        actions.add(new SyncAction.StartInfra(ContainerSpecs.infra(pod, in.nodeName(), in.hostIP())));
      }
      for (ContainerPlan plan : plans) {
        switch (plan.decision) {
          case START -> {
            int restartCount = plan.latest() == null ? 0 : plan.latest().restartCount() + 1;
            actions.add(new SyncAction.StartContainer(ContainerSpecs.container(pod, plan.spec, in.nodeName(),
                in.hostIP(), in.podsDir(), ServiceEnv.forPod(pod, in.services()), infra == null ? null : infra.id(), restartCount)));
          }
          case KILL_CHANGED -> {
            if (infra != null) {
              actions.add(new SyncAction.KillContainer(plan.latest().id(), ref, plan.name(), plan.latest().grace(),
                  "the container's spec changed"));
            }
          }
          default -> { }
        }
      }
      statuses.put(ref.uid(), status);
    }

    /** What becomes of one app container; records back-off state and the next wake-up. */
    private ContainerPlan decide(Pod pod, Container spec, List<ObservedContainer> instances, String policy) {
      ContainerKey key = new ContainerKey(pod.getMetadata().getUid(), spec.getName());
      BackOff entry = in.backOff().get(key);
      ObservedContainer latest = instances.isEmpty() ? null : instances.get(0);
      String hash = in.specHash(pod, spec);
      if (latest == null) {
        return startUnlessPullBackOff(key, entry, spec, instances, Decision.START);
      }
      if (latest.running()) {
        keep(key, entry);
        boolean changed = latest.specHash() != null && !latest.specHash().isEmpty() && !latest.specHash().equals(hash);
        return new ContainerPlan(spec, instances, changed ? Decision.KILL_CHANGED : Decision.KEEP, null);
      }
      // exited, or created but never started
      boolean changed = latest.specHash() != null && !latest.specHash().isEmpty() && !latest.specHash().equals(hash);
      if (changed) {
        return startUnlessPullBackOff(key, entry, spec, instances, Decision.START);
      }
      if (!restarts(policy, exitCode(latest))) {
        keep(key, entry);
        return new ContainerPlan(spec, instances, Decision.DONE, null);
      }
      if (entry != null && BackOff.IMAGE_PULL_BACK_OFF.equals(reasonShown(entry))) {
        return startUnlessPullBackOff(key, entry, spec, instances, Decision.START);
      }
      BackOff crash = entry != null && BackOff.CRASH_LOOP.equals(entry.reason()) ? entry : null;
      if (crash != null && ranLongEnough(latest)) {
        crash = null;
      }
      Instant finished = latest.finishedAt() != null ? latest.finishedAt() : in.now();
      if (crash != null && in.now().isBefore(finished.plus(crash.delay()))) {
        Instant until = finished.plus(crash.delay());
        BackOff waiting = new BackOff(crash.delay(), until, BackOff.CRASH_LOOP, "back-off "
            + seconds(crash.delay()) + " restarting failed container=" + spec.getName() + " pod="
            + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "("
            + pod.getMetadata().getUid() + ")");
        backOff.put(key, waiting);
        wakeAt(until);
        return new ContainerPlan(spec, instances, Decision.WAIT, waiting);
      }
      Duration next = crash == null ? BackOff.INITIAL : BackOff.next(crash.delay());
      backOff.put(key, new BackOff(next, in.now().plus(next), BackOff.CRASH_LOOP, ""));
      return new ContainerPlan(spec, instances, Decision.START, null);
    }

    private ContainerPlan startUnlessPullBackOff(ContainerKey key, BackOff entry, Container spec,
        List<ObservedContainer> instances, Decision otherwise) {
      if (entry != null && ImagePullException.ERR_IMAGE_PULL.equals(entry.reason())
          || entry != null && ImagePullException.ERR_IMAGE_NEVER_PULL.equals(entry.reason())) {
        backOff.put(key, entry);
        if (entry.active(in.now())) {
          wakeAt(entry.until());
          return new ContainerPlan(spec, instances, Decision.WAIT, entry);
        }
        return new ContainerPlan(spec, instances, otherwise, entry);
      }
      keep(key, entry);
      return new ContainerPlan(spec, instances, otherwise, null);
    }

    private void keep(ContainerKey key, BackOff entry) {
      if (entry != null) {
        backOff.put(key, entry);
      }
    }

    private boolean ranLongEnough(ObservedContainer c) {
      return c.startedAt() != null && c.finishedAt() != null
          && Duration.between(c.startedAt(), c.finishedAt()).compareTo(BACK_OFF_RESET) >= 0;
    }

    private void wakeAt(Instant at) {
      if (nextSyncAt == null || at.isBefore(nextSyncAt)) {
        nextSyncAt = at;
      }
    }

    // ------------------------------------------------------------ deletion and orphans

    private void terminate(Pod pod, List<ObservedContainer> mine) {
      PodRef ref = ContainerSpecs.ref(pod);
      long grace = ContainerSpecs.deletionGraceSeconds(pod);
      Instant drained = drainedAt(pod, grace);
      boolean draining = drained != null && in.now().isBefore(drained)
          && mine.stream().anyMatch(c -> !c.infra() && c.running());
      boolean stillRunning = true;
      if (draining) {
        wakeAt(drained);
      } else {
        // the drain counts against the grace period, as a preStop hook's time does
        long left = drained == null ? grace : Math.max(0, grace - drainOf(grace).toSeconds());
        stillRunning = stopAll(mine, Duration.ofSeconds(left), "the pod is being deleted");
      }
      if (!stillRunning && mine.isEmpty()) {
        terminated.add(ref);
      }
      List<ContainerPlan> plans = new ArrayList<>();
      for (Container c : pod.getSpec().getContainers()) {
        plans.add(new ContainerPlan(c, instances(mine, c.getName()), Decision.DONE, null));
      }
      ObservedContainer infra = mine.stream().filter(c -> c.infra() && c.running()).findFirst().orElse(null);
      statuses.put(ref.uid(), status(pod, plans, infra));
    }

    /**
     * When a deleted pod's drain ends: {@link #ENDPOINT_DRAIN} (at most its grace period) after the deletion
     * was asked (its deletionTimestamp less the grace period); null when there is none to wait for.
     */
    private Instant drainedAt(Pod pod, long grace) {
      String at = pod.getMetadata().getDeletionTimestamp();
      if (grace <= 0 || at == null) {
        return null;
      }
      Instant deletion;
      try {
        deletion = Instant.parse(at);
      } catch (java.time.format.DateTimeParseException e) {
        return null;
      }
      return deletion.minusSeconds(grace).plus(drainOf(grace));
    }

    private static Duration drainOf(long grace) {
      return ENDPOINT_DRAIN.compareTo(Duration.ofSeconds(grace)) < 0 ? ENDPOINT_DRAIN : Duration.ofSeconds(grace);
    }

    /**
     * Kills app containers first, the infra container once no app container runs, and removes what no
     * longer runs. Returns whether anything still runs.
     */
    private boolean stopAll(List<ObservedContainer> mine, Duration grace, String reason) {
      boolean appRunning = mine.stream().anyMatch(c -> !c.infra() && c.running());
      boolean anyRunning = false;
      for (ObservedContainer c : mine) {
        if (c.running()) {
          anyRunning = true;
          if (!c.infra() || !appRunning) {
            actions.add(new SyncAction.KillContainer(c.id(), c.pod(), c.containerName(),
                grace == null ? c.grace() : grace, reason));
          }
        }
      }
      if (!anyRunning) {
        for (ObservedContainer c : mine) {
          actions.add(new SyncAction.RemoveContainer(c.id(), c.pod(), c.containerName(), reason));
        }
      }
      return anyRunning;
    }

    private void stopOrRemove(ObservedContainer c, Duration grace, String reason) {
      actions.add(c.running() ? new SyncAction.KillContainer(c.id(), c.pod(), c.containerName(), grace, reason)
          : new SyncAction.RemoveContainer(c.id(), c.pod(), c.containerName(), reason));
    }

    // ------------------------------------------------------------ status

    private PodStatus status(Pod pod, List<ContainerPlan> plans, ObservedContainer infra) {
      String uid = pod.getMetadata().getUid();
      List<ContainerStatus> containerStatuses = new ArrayList<>();
      int waiting = 0;
      int running = 0;
      int stopped = 0;
      int failed = 0;
      int succeeded = 0;
      List<String> unready = new ArrayList<>();
      for (ContainerPlan plan : plans) {
        ContainerStatus cs = containerStatus(pod, plan, infra);
        containerStatuses.add(cs);
        ContainerState state = cs.getState();
        if (state.getRunning() != null) {
          running++;
        } else if (state.getTerminated() != null) {
          stopped++;
          if (state.getTerminated().getExitCode() == 0) {
            succeeded++;
          } else {
            failed++;
          }
        } else if (cs.getLastState() != null && cs.getLastState().getTerminated() != null) {
          stopped++;
          if (cs.getLastState().getTerminated().getExitCode() == 0) {
            succeeded++;
          } else {
            failed++;
          }
        } else {
          waiting++;
        }
        if (!Boolean.TRUE.equals(cs.getReady())) {
          unready.add(plan.name());
        }
      }
      String policy = restartPolicy(pod);
      int total = plans.size();
      String phase;
      if (waiting > 0) {
        phase = "Pending";
      } else if (running > 0) {
        phase = "Running";
      } else if (stopped == total && total > 0) {
        if ("Always".equals(policy)) {
          phase = "Running";
        } else if ("OnFailure".equals(policy)) {
          phase = failed > 0 ? "Running" : "Succeeded";
        } else {
          phase = failed > 0 ? "Failed" : "Succeeded";
        }
      } else {
        phase = "Pending";
      }
      if (("Succeeded".equals(phase) || "Failed".equals(phase))
          && plans.stream().anyMatch(p -> p.decision == Decision.START)) {
        phase = "Running"; // a container is about to start again (its spec changed): not finished
      }
      boolean finished = "Succeeded".equals(phase) || "Failed".equals(phase);
      boolean ready = unready.isEmpty() && !finished && total > 0;
      String notReadyReason = finished ? "PodCompleted" : "ContainersNotReady";
      String notReadyMessage = finished ? null : "containers with unready status: [" + String.join(" ", unready) + "]";
      PodStatus previous = pod.getStatus();
      List<PodCondition> conditions = List.of(
          condition(previous, "Initialized", true, null, null),
          condition(previous, "Ready", ready, notReadyReason, notReadyMessage),
          condition(previous, "ContainersReady", ready, notReadyReason, notReadyMessage),
          condition(previous, "PodScheduled", true, null, null));
      String startTime = previous != null && previous.getStartTime() != null ? previous.getStartTime()
          : time(in.now());
      PodStatusBuilder status = new PodStatusBuilder()
          .withPhase(phase)
          .withConditions(conditions)
          .withHostIP(in.hostIP())
          .withStartTime(startTime)
          .withContainerStatuses(containerStatuses)
          .withQosClass(previous != null ? previous.getQosClass() : null);
      if (infra != null || ContainerSpecs.hostNetwork(pod)) {
        status.withPodIP(in.hostIP()).withPodIPs(new PodIP(in.hostIP()));
      }
      return status.build();
    }

    private ContainerStatus containerStatus(Pod pod, ContainerPlan plan, ObservedContainer infra) {
      ObservedContainer latest = plan.latest();
      ObservedContainer previous = plan.instances.size() > 1 ? plan.instances.get(1) : null;
      ContainerStatusBuilder cs = new ContainerStatusBuilder()
          .withName(plan.name())
          .withImage(plan.spec.getImage())
          .withImageID(latest == null || latest.imageId() == null ? "" : latest.imageId())
          .withRestartCount(latest == null ? 0 : latest.restartCount());
      if (latest != null) {
        cs.withContainerID("docker://" + latest.id());
      }
      ContainerState state;
      ContainerState last = previous == null ? null : terminated(previous);
      boolean ready = false;
      if (latest == null) {
        state = waiting(plan.backOff == null ? "ContainerCreating" : reasonShown(plan.backOff),
            plan.backOff == null ? null : plan.backOff.message());
      } else if (latest.running()) {
        state = new ContainerStateBuilder().withNewRunning().withStartedAt(time(latest.startedAt())).endRunning()
            .build();
        Boolean probe = in.readiness().get(new ContainerKey(pod.getMetadata().getUid(), plan.name()));
        ready = infra != null || ContainerSpecs.hostNetwork(pod) ? probe == null || probe : false;
        if (pod.getMetadata().getDeletionTimestamp() != null) {
          ready = false;
        }
      } else if (plan.decision == Decision.WAIT) {
        state = waiting(reasonShown(plan.backOff), plan.backOff.message());
        last = terminated(latest);
      } else {
        state = terminated(latest);
      }
      cs.withState(state).withReady(ready).withStarted(latest != null && latest.running());
      if (last != null) {
        cs.withLastState(last);
      } else {
        cs.withLastState(new ContainerState());
      }
      return cs.build();
    }

    private ContainerState terminated(ObservedContainer c) {
      int code = exitCode(c);
      String reason;
      String message = null;
      if (c.oomKilled()) {
        reason = "OOMKilled";
      } else if (c.state() == ObservedContainer.State.CREATED) {
        reason = "ContainerCannotRun";
        message = c.error();
      } else if (code == 0) {
        reason = "Completed";
      } else {
        reason = "Error";
        message = c.error();
      }
      return new ContainerStateBuilder().withNewTerminated()
          .withExitCode(code)
          .withReason(reason)
          .withMessage(message)
          .withStartedAt(time(c.startedAt()))
          .withFinishedAt(time(c.finishedAt()))
          .withContainerID("docker://" + c.id())
          .endTerminated()
          .build();
    }

    private static ContainerState waiting(String reason, String message) {
      return new ContainerStateBuilder().withNewWaiting().withReason(reason)
          .withMessage(message == null || message.isEmpty() ? null : message).endWaiting().build();
    }

    private PodCondition condition(PodStatus previous, String type, boolean value, String reason,
        String message) {
      String status = value ? "True" : "False";
      String since = time(in.now());
      if (previous != null && previous.getConditions() != null) {
        for (PodCondition old : previous.getConditions()) {
          if (type.equals(old.getType()) && status.equals(old.getStatus()) && old.getLastTransitionTime() != null) {
            since = old.getLastTransitionTime();
          }
        }
      }
      return new PodConditionBuilder().withType(type).withStatus(status)
          .withReason(value ? null : reason).withMessage(value ? null : message)
          .withLastTransitionTime(since).withLastProbeTime(null).build();
    }

    // ------------------------------------------------------------ small things

    private static List<ObservedContainer> instances(List<ObservedContainer> mine, String name) {
      return sortedNewestFirst(mine.stream().filter(c -> !c.infra() && name.equals(c.containerName())));
    }

    private static List<ObservedContainer> sortedNewestFirst(java.util.stream.Stream<ObservedContainer> s) {
      return s.sorted(Comparator.comparingInt(ObservedContainer::restartCount)
              .thenComparing(c -> c.createdAt() == null ? Instant.EPOCH : c.createdAt())
              .thenComparing(ObservedContainer::id)
              .reversed())
          .toList();
    }

    private static boolean isTerminalPhase(Pod pod) {
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private static String restartPolicy(Pod pod) {
      String policy = pod.getSpec().getRestartPolicy();
      return policy == null || policy.isBlank() ? "Always" : policy;
    }

    private static boolean restarts(String policy, int exitCode) {
      return switch (policy) {
        case "Never" -> false;
        case "OnFailure" -> exitCode != 0;
        default -> true;
      };
    }

    private static int exitCode(ObservedContainer c) {
      if (c.exitCode() != null) {
        return c.exitCode();
      }
      return c.state() == ObservedContainer.State.CREATED ? 128 : 0;
    }

    private static String seconds(Duration d) {
      long s = d.toSeconds();
      return s >= 60 && s % 60 == 0 ? (s / 60) + "m0s" : s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
    }

    static String time(Instant t) {
      return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
  }

  /** The waiting reason a back-off shows: failed pulls appear as ImagePullBackOff while backing off. */
  static String reasonShown(BackOff entry) {
    if (ImagePullException.ERR_IMAGE_PULL.equals(entry.reason())) {
      return BackOff.IMAGE_PULL_BACK_OFF;
    }
    return entry.reason();
  }

  private record ContainerPlan(Container spec, List<ObservedContainer> instances, Decision decision,
      BackOff backOff) {
    ContainerPlan {
      instances = List.copyOf(instances);
    }

    String name() {
      return spec.getName();
    }

    ObservedContainer latest() {
      return instances.isEmpty() ? null : instances.get(0);
    }
  }
}
