package io.coxswain.kubelet;

import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.LinkedBlockingQueue;

/** An input stream fed chunk by chunk from other threads (an exec session's stdin). */
final class BlockingQueueInputStream extends InputStream {
  private static final byte[] END = new byte[0];

  private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
  private byte[] current;
  private int position;
  private volatile boolean ended;

  void feed(byte[] data) {
    if (!ended && data.length > 0) {
      chunks.add(data.clone());
    }
  }

  void end() {
    if (!ended) {
      ended = true;
      chunks.add(END);
    }
  }

  @Override
  public int read() throws InterruptedIOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws InterruptedIOException {
    if (length == 0) {
      return 0;
    }
    if (current == null || position >= current.length) {
      try {
        current = chunks.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("stdin read interrupted");
      }
      position = 0;
      if (current == END) {
        chunks.add(END);
        return -1;
      }
    }
    int n = Math.min(length, current.length - position);
    System.arraycopy(current, position, buffer, offset, n);
    position += n;
    return n;
  }

  @Override
  public int available() {
    return current == null ? 0 : current.length - position;
  }

  @Override
  public void close() {
    end();
  }
}
