package io.coxswain.node;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of a master that run only on the Raft leader (scheduler, controllers). They are built fresh
 * and started, in order, when this member becomes leader, and stopped at once when it stops leading, so
 * two masters never drive the cluster together for longer than a leadership change takes to be noticed.
 */
public final class LeaderComponents {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderComponents.class);

  /** A component with a start that completes when it is running, and a stop that never fails. */
  public interface Component {
    Future<Void> start();

    void stop();
  }

  private final Context context;
  private final List<Supplier<Component>> factories;
  private final List<Component> running = new ArrayList<>();
  private long generation;
  private boolean leading;

  public LeaderComponents(Context context, List<Supplier<Component>> factories) {
    this.context = context;
    this.factories = List.copyOf(factories);
  }

  /** Called from any thread when leadership changes. */
  public void leadershipChanged(boolean leader) {
    try {
      runOn(leader);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // the node is stopping: the store reports the lost leadership after Vert.x closed
      LOG.debug("leadership change to {} after Vert.x closed", leader);
    }
  }

  private void runOn(boolean leader) {
    context.runOnContext(v -> {
      if (leader == leading) {
        return;
      }
      leading = leader;
      generation++;
      if (leader) {
        LOG.info("leading: starting scheduler and controllers");
        startFrom(0, generation);
      } else {
        LOG.info("no longer leading: stopping scheduler and controllers");
        stopAll();
      }
    });
  }

  public boolean leading() {
    return leading;
  }

  private void startFrom(int index, long gen) {
    if (gen != generation || index >= factories.size()) {
      return;
    }
    Component c = factories.get(index).get();
    running.add(c);
    c.start().onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("a leader component failed to start: {}", ar.cause().toString());
      }
      startFrom(index + 1, gen);
    });
  }

  public void stopAll() {
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).stop();
      } catch (RuntimeException e) {
        LOG.warn("stopping a leader component: {}", e.toString());
      }
    }
    running.clear();
  }
}
