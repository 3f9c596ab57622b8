package io.coxswain.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a running node process ends: 0 after a stop asked for (SIGTERM), 1 when the node found itself unable to
 * go on (its store's Raft server stopped under it). Then a supervisor (systemd's Restart=on-failure, a container
 * restart policy) starts it again, rather than keeping a process that answers and can do nothing.
 */
public final class NodeExit {
  private static final Logger LOG = LoggerFactory.getLogger(NodeExit.class);
  private static volatile int code;

  private NodeExit() {}

  /** The exit code the process ends with. */
  public static int code() {
    return code;
  }

  /**
   * Logs why and ends the process with 1, stopping the node first (the shutdown hook). The exit runs on a
   * thread of its own: the caller may be one the stop waits for.
   */
  public static void fail(String why) {
    if (code != 0) {
      return;
    }
    code = 1;
    LOG.error("{}: exiting so that the node can be started again", why);
    Thread exit = new Thread(() -> System.exit(1), "coxswain-exit");
    exit.setDaemon(false);
    exit.start();
  }
}
