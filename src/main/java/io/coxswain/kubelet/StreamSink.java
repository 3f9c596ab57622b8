package io.coxswain.kubelet;

/**
 * Receives a stream's output. Called on the runtime's own threads: hop to your event loop
 * ({@code context.runOnContext}) before touching anything of it.
 */
public interface StreamSink {
  enum Channel { STDOUT, STDERR }

  /** A chunk of output (bytes as produced; with a tty everything comes on STDOUT). */
  void onData(Channel channel, byte[] data);

  /** The stream ended: {@code error} is null on a normal end (including after close). */
  void onEnd(Throwable error);
}
