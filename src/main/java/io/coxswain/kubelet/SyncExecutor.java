package io.coxswain.kubelet;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
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
 * Carries out a {@link SyncResult}'s actions on a {@link ContainerRuntime}. Blocking: call it from a worker
 * thread. Kills run in the background (a stop may take its whole grace period) and a container already being
 * stopped is not stopped twice; everything else runs in order. A failed pull is recorded as an
 * {@code ErrImagePull} back-off; other failures are reported and retried by the next sync.
 */
public final class SyncExecutor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SyncExecutor.class);

  /** What happened: the back-off state for the next sync and the failures met. */
  public record Outcome(Map<ContainerKey, BackOff> backOff, List<String> errors) {}

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

  public Outcome execute(SyncResult plan) {
    Map<ContainerKey, BackOff> backOff = new HashMap<>(plan.backOff());
    List<String> errors = new ArrayList<>();
    Map<String, String> infraOf = new HashMap<>();
    Set<String> failedInfra = new java.util.HashSet<>();
    for (SyncAction action : plan.actions()) {
      try {
        if (action instanceof SyncAction.StartInfra s) {
          try {
            infraOf.put(s.pod().uid(), runtime.startInfra(s.spec()).id());
          } catch (RuntimeException e) {
            failedInfra.add(s.pod().uid());
            throw e;
          }
        } else if (action instanceof SyncAction.StartContainer s) {
          if (failedInfra.contains(s.pod().uid())) {
            continue;
          }
          ContainerSpec spec = s.spec();
          if (!spec.hostNetwork() && spec.networkFrom() == null) {
            spec = spec.withNetworkFrom(infraOf.get(s.pod().uid()));
          }
          try {
            runtime.ensureImage(spec.image(), spec.pullPolicy());
          } catch (ImagePullException e) {
            ContainerKey key = new ContainerKey(s.pod().uid(), spec.name());
            backOff.put(key, BackOff.afterFailure(backOff.get(key), clock.instant(), e.reason(), e.getMessage()));
            throw e;
          }
          runtime.startContainer(spec);
        } else if (action instanceof SyncAction.KillContainer k) {
          if (stopping.add(k.containerId())) {
            killers.execute(() -> {
              try {
                runtime.stop(k.containerId(), k.grace());
              } catch (RuntimeException e) {
                LOG.warn("stopping container {} of pod {} failed: {}", k.containerName(), k.pod(), e.getMessage());
              } finally {
                stopping.remove(k.containerId());
              }
            });
          }
        } else if (action instanceof SyncAction.RemoveContainer r) {
          if (!stopping.contains(r.containerId())) {
            runtime.remove(r.containerId());
          }
        }
      } catch (RuntimeException e) {
        String message = describe(action) + " failed: " + e.getMessage();
        LOG.warn(message);
        errors.add(message);
      }
    }
    return new Outcome(backOff, errors);
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
