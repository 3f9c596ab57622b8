package io.coxswain.kubelet;

import java.time.Duration;

/** An attached exec session. Blocking methods: call from worker threads. */
public interface ExecSession extends AutoCloseable {
  /** Writes to the command's stdin (only when started with stdin). */
  void write(byte[] data);

  /** Closes the command's stdin (end of input). */
  void closeStdin();

  /** Resizes the session's terminal (only with a tty). */
  void resize(int width, int height);

  /**
   * Completes when the command's output has ended, on whichever thread ends it: then {@link #awaitExit} answers
   * within moments. Lets a caller wait for the end of a session without holding a thread for it.
   */
  java.util.concurrent.CompletionStage<Void> outputEnded();

  /** Waits until the command ends and returns its exit code; empty-handed after the timeout. */
  java.util.OptionalInt awaitExit(Duration timeout);

  /** Stops streaming (the command itself may go on). */
  @Override
  void close();
}
