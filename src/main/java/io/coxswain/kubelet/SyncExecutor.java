package io.coxswain.kubelet;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a {@link SyncResult}'s actions on a {@link ContainerRuntime}: the kubelet's one way of acting
 * on containers. Blocking: call it from a worker thread. Kills run in the background (a stop may take its
 * whole grace period) and a container already being stopped is not stopped twice; each pod's other steps
 * run in order. A failed pull is recorded as an {@code ErrImagePull} back-off; other failures are reported
 * and retried by the next sync.
 */
public final class SyncExecutor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SyncExecutor.class);

  /** What happened: the back-off state for the next sync and the failures met. */
  public record Outcome(Map<ContainerKey, BackOff> backOff, List<String> errors) {}

  /**
   * What one pod's steps did: whether something was started, and, for a new pod started whole, its
   * containers as the runtime reported them right after their starts (empty otherwise, or when an inspection
   * found one gone): the pod's status can be told from them without listing the node's containers again.
   */
  public record PodRun(boolean started, List<ObservedContainer> observed) {
    static final PodRun NOTHING = new PodRun(false, List.of());
  }

  private final ContainerRuntime runtime;
  private final Clock clock;
  private final ExecutorService killers;
  private final Set<String> stopping = ConcurrentHashMap.newKeySet();

  public SyncExecutor(ContainerRuntime runtime, Clock clock) {
    this.runtime = runtime;
    this.clock = clock;
    this.killers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "coxswain-kill");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Runs a whole plan: kills in the background, each pod's other steps in order ({@link #runPod}); a pod
   * whose step fails is left for the next sync, the other pods go on.
   */
  public Outcome execute(SyncResult plan) {
    Map<ContainerKey, BackOff> backOff = new HashMap<>(plan.backOff());
    List<String> errors = new ArrayList<>();
    Map<String, List<SyncAction>> byPod = new LinkedHashMap<>();
    for (SyncAction action : plan.actions()) {
      if (action instanceof SyncAction.KillContainer k) {
        killInBackground(k);
      } else {
        byPod.computeIfAbsent(action.pod().uid(), u -> new ArrayList<>()).add(action);
      }
    }
    for (List<SyncAction> steps : byPod.values()) {
      try {
        runPod(steps);
      } catch (PullFailed e) {
        backOff.put(e.key(), BackOff.afterFailure(backOff.get(e.key()), clock.instant(), e.pull().reason(),
            e.pull().getMessage()));
        errors.add(e.getMessage());
      } catch (RuntimeException e) {
        LOG.warn(e.getMessage());
        errors.add(e.getMessage());
      }
    }
    return new Outcome(backOff, errors);
  }

  /**
   * One pod's steps, in order, on the calling (worker) thread: its infra container first, then its app
   * containers joined to it (after making sure of their image), removals, kills (waiting for them). Stops at
   * the first failure. Returns whether something was started, and for a new pod what its containers are then.
   *
   * @throws PullFailed when a container's image cannot be had (its back-off key and the reason)
   */
  public PodRun runPod(List<SyncAction> steps) {
    if (runtime.createsAhead() && !steps.isEmpty() && steps.get(0) instanceof SyncAction.StartInfra infra
        && steps.stream().skip(1).allMatch(a -> a instanceof SyncAction.StartContainer)) {
      return startNewPod(infra, steps.subList(1, steps.size()).stream().map(a -> (SyncAction.StartContainer) a).toList());
    }
    String infraId = null;
    boolean started = false;
    for (SyncAction a : steps) {
      try {
        if (a instanceof SyncAction.StartInfra s) {
          infraId = runtime.startInfra(s.spec()).id();
          started = true;
        } else if (a instanceof SyncAction.StartContainer s) {
          ContainerSpec spec = s.spec();
          if (spec.networkFrom() == null && !spec.hostNetwork()) {
            spec = spec.withNetworkFrom(infraId);
          }
          try {
            runtime.ensureImage(spec.image(), spec.pullPolicy());
          } catch (ImagePullException e) {
            throw new PullFailed(new ContainerKey(spec.pod().uid(), spec.name()), e);
          }
          runtime.startContainer(spec);
          started = true;
        } else if (a instanceof SyncAction.RemoveContainer r) {
          if (!stopping.contains(r.containerId())) {
            runtime.remove(r.containerId());
          }
        } else if (a instanceof SyncAction.KillContainer k) {
          runtime.stop(k.containerId(), k.grace());
        }
      } catch (PullFailed e) {
        throw e;
      } catch (RuntimeException e) {
        throw new IllegalStateException(describe(a) + " failed: " + e.getMessage(), e);
      }
    }
    return started ? new PodRun(true, List.of()) : PodRun.NOTHING;
  }

  /**
   * A pod's first start, pipelined: its infra container is created, then started on a background thread while
   * the app containers' images are checked and the containers created (joined to the infra container, which
   * needs to exist, not to run); each is started once the infra container runs. What would have been done one
   * after the other costs the infra start plus the app starts. On a failure nothing created is left behind
   * half-made: created app containers are removed (the next sync starts over from the infra container).
   * Once started, each container is inspected (the infra container's inspection overlaps the app containers'
   * creation and start), and the pod is returned as it then is.
   */
  private PodRun startNewPod(SyncAction.StartInfra infra, List<SyncAction.StartContainer> apps) {
    String infraId;
    try {
      infraId = runtime.createInfra(infra.spec());
    } catch (RuntimeException e) {
      throw new IllegalStateException(describe(infra) + " failed: " + e.getMessage(), e);
    }
    java.util.concurrent.CompletableFuture<java.util.Optional<ObservedContainer>> infraStart =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          runtime.startCreatedInfra(infraId, infra.spec());
          return inspectQuietly(infraId);
        }, killers);
    List<String> created = new ArrayList<>();
    List<ContainerSpec> specs = new ArrayList<>();
    RuntimeException failure = null;
    for (SyncAction.StartContainer s : apps) {
      ContainerSpec spec = s.spec();
      if (spec.networkFrom() == null && !spec.hostNetwork()) {
        spec = spec.withNetworkFrom(infraId);
      }
      try {
        try {
          runtime.ensureImage(spec.image(), spec.pullPolicy());
        } catch (ImagePullException e) {
          throw new PullFailed(new ContainerKey(spec.pod().uid(), spec.name()), e);
        }
        created.add(runtime.createContainer(spec));
        specs.add(spec);
      } catch (PullFailed e) {
        failure = e;
        break;
      } catch (RuntimeException e) {
        failure = new IllegalStateException(describe(s) + " failed: " + e.getMessage(), e);
        break;
      }
    }
    java.util.Optional<ObservedContainer> infraSeen = java.util.Optional.empty();
    try {
      infraSeen = infraStart.join();
    } catch (java.util.concurrent.CompletionException e) {
      RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
      failure = new IllegalStateException(describe(infra) + " failed: " + cause.getMessage(), cause);
    }
    if (failure == null) {
      for (int i = 0; i < created.size(); i++) {
        try {
          runtime.startCreated(created.get(i), specs.get(i));
        } catch (RuntimeException e) {
          failure = new IllegalStateException(describe(apps.get(i)) + " failed: " + e.getMessage(), e);
          created = created.subList(i, created.size());
          break;
        }
      }
      if (failure == null) {
        List<ObservedContainer> observed = new ArrayList<>();
        infraSeen.ifPresent(observed::add);
        for (String id : created) {
          inspectQuietly(id).ifPresent(observed::add);
        }
        return new PodRun(true, observed.size() == created.size() + 1 ? List.copyOf(observed) : List.of());
      }
    }
    for (String id : created) {
      try {
        runtime.remove(id);
      } catch (RuntimeException e) {
        LOG.debug("removing created container {}: {}", id, e.getMessage());
      }
    }
    throw failure;
  }

  /** The runtime's view of a container just started; empty when it cannot be had (the next sync lists). */
  private java.util.Optional<ObservedContainer> inspectQuietly(String id) {
    try {
      return runtime.inspect(id);
    } catch (RuntimeException e) {
      LOG.debug("inspecting container {} after its start: {}", id, e.getMessage());
      return java.util.Optional.empty();
    }
  }

  /** Stops a container on a background thread, unless it is already being stopped. Returns the stop. */
  public java.util.concurrent.CompletableFuture<Void> killInBackground(SyncAction.KillContainer k) {
    if (!stopping.add(k.containerId())) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    return java.util.concurrent.CompletableFuture.runAsync(() -> {
      try {
        runtime.stop(k.containerId(), k.grace());
      } catch (RuntimeException e) {
        LOG.warn("stopping container {} of pod {} failed: {}", k.containerName(), k.pod(), e.getMessage());
      } finally {
        stopping.remove(k.containerId());
      }
    }, killers);
  }

  /** A container's image could not be had: its back-off key and the runtime's reason. */
  public static final class PullFailed extends RuntimeException {
    private final ContainerKey key;
    private final ImagePullException pull;

    PullFailed(ContainerKey key, ImagePullException pull) {
      super("pulling the image of container " + key.containerName() + " failed: " + pull.getMessage(), pull);
      this.key = key;
      this.pull = pull;
    }

    public ContainerKey key() {
      return key;
    }

    public ImagePullException pull() {
      return pull;
    }
  }

  /** Whether background kills are still running (tests wait for none). */
  public boolean stopping() {
    return !stopping.isEmpty();
  }

  private static String describe(SyncAction action) {
    if (action instanceof SyncAction.StartInfra) {
      return "starting the infra container of pod " + action.pod();
    } else if (action instanceof SyncAction.StartContainer s) {
      return "starting container " + s.spec().name() + " of pod " + action.pod();
    } else if (action instanceof SyncAction.RemoveContainer r) {
      return "removing container " + r.containerName() + " of pod " + action.pod();
    }
    return "acting on pod " + action.pod();
  }

  /** Lets running kills finish in the background and takes no new ones; does not wait. */
  public void shutdown() {
    killers.shutdown();
  }

  @Override
  public void close() {
    killers.shutdown();
    try {
      killers.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
