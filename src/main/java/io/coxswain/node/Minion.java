package io.coxswain.node;

/** Wiring of a minion: one list+watch client feeding the kubelet and the proxy. */
public final class Minion {
  private Minion() {}

  public static RunningNode start(NodeConfig config) {
    throw new IllegalStateException("the minion is not wired yet");
  }
}
