package io.coxswain.node;

/** Wiring of a master: store, API server, leader-only scheduler and controllers, and a local minion. */
public final class Master {
  private Master() {}

  public static RunningNode start(NodeConfig config) {
    throw new IllegalStateException("the master is not wired yet");
  }
}
