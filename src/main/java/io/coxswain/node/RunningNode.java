package io.coxswain.node;

/** A started node; {@link #stop()} shuts it down cleanly (called on SIGTERM). */
public interface RunningNode {
  void stop();
}
