package io.coxswain.kubelet;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An exec's attached streams on the engine's own connection ({@code POST /exec/{id}/start} upgraded to a
 * raw stream), written and read with a socket channel so that the end of stdin becomes a half-close of
 * the connection: the engine then closes the command's stdin, which is how {@code sh} reading commands
 * learns there are no more. (docker-java 3.6's hijacked stdin never half-closes, so a shell fed on stdin
 * never ends.)
 *
 * <p>Reads and writes go straight to the channel (not through {@code Channels.newInputStream}, whose
 * reads hold the channel's blocking lock and would stall every write while waiting for output).
 */
final class HijackedExecStream implements Closeable {
  private final SocketChannel channel;
  private final boolean tty;
  private ByteBuffer pending;
  private volatile boolean outputShut;

  private HijackedExecStream(SocketChannel channel, boolean tty, ByteBuffer pending) {
    this.channel = channel;
    this.tty = tty;
    this.pending = pending;
  }

  /** Connects to {@code endpoint} (unix:///path or tcp://host:port) and starts exec {@code execId} attached. */
  static HijackedExecStream start(String endpoint, String execId, boolean tty) throws IOException {
    byte[] body = ("{\"Detach\":false,\"Tty\":" + tty + "}").getBytes(StandardCharsets.UTF_8);
    return open(endpoint, "/exec/" + execId + "/start", body, tty, "exec start");
  }

  /**
   * Attaches to the running container {@code containerId}'s own streams ({@code POST /containers/{id}/attach}):
   * its output from now on, and its stdin when asked (a container made with {@code StdinOnce} has its stdin
   * closed when this stream's input ends).
   */
  static HijackedExecStream attach(String endpoint, String containerId, boolean stdin, boolean tty) throws IOException {
    return open(endpoint, "/containers/" + containerId + "/attach?stream=1&stdout=1&stderr=1&stdin=" + (stdin ? 1 : 0),
        new byte[0], tty, "attach");
  }

  private static HijackedExecStream open(String endpoint, String path, byte[] body, boolean tty, String what)
      throws IOException {
    URI uri = URI.create(endpoint);
    SocketChannel ch;
    if ("unix".equals(uri.getScheme())) {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(uri.getPath()));
    } else if ("tcp".equals(uri.getScheme()) || "http".equals(uri.getScheme())) {
      ch = SocketChannel.open(new InetSocketAddress(uri.getHost(), uri.getPort()));
    } else {
      throw new IOException(what + " needs a unix:// or tcp:// engine endpoint, not " + endpoint);
    }
    try {
      String head = "POST " + path + " HTTP/1.1\r\n"
          + "Host: docker\r\n"
          + "Content-Type: application/json\r\n"
          + "Connection: Upgrade\r\n"
          + "Upgrade: tcp\r\n"
          + "Content-Length: " + body.length + "\r\n\r\n";
      writeFully(ch, ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
      writeFully(ch, ByteBuffer.wrap(body));
      ByteBuffer in = ByteBuffer.allocate(16 * 1024);
      int end;
      while ((end = headerEnd(in)) < 0) {
        if (!in.hasRemaining()) {
          throw new IOException("the engine's answer to " + what + " has no end of headers");
        }
        if (ch.read(in) < 0) {
          throw new IOException("the engine closed the connection before answering " + what);
        }
      }
      String header = new String(in.array(), 0, end, StandardCharsets.ISO_8859_1);
      String status = header.lines().findFirst().orElse("");
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !(parts[1].equals("101") || parts[1].equals("200"))) {
        throw new IOException("the engine refused " + what + ": " + status);
      }
      ByteBuffer rest = ByteBuffer.wrap(Arrays.copyOfRange(in.array(), end + 4, in.position()));
      return new HijackedExecStream(ch, tty, rest);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static int headerEnd(ByteBuffer in) {
    byte[] a = in.array();
    for (int i = 0; i + 3 < in.position(); i++) {
      if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** Writes to the command's stdin. */
  void write(byte[] data) throws IOException {
    if (!outputShut) {
      writeFully(channel, ByteBuffer.wrap(data));
    }
  }

  /** The end of stdin: half-closes the connection. */
  void closeStdin() throws IOException {
    if (!outputShut) {
      outputShut = true;
      if (channel.isOpen()) {
        channel.shutdownOutput();
      }
    }
  }

  /**
   * Reads output until the engine ends the stream, handing each chunk to {@code sink} (without a tty the
   * engine multiplexes stdout and stderr in frames: 1 byte stream, 3 zero bytes, a 4-byte big-endian size).
   */
  void pump(StreamSink sink) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
    buf.put(pending);
    pending = null;
    while (true) {
      buf.flip();
      if (tty) {
        if (buf.hasRemaining()) {
          byte[] data = new byte[buf.remaining()];
          buf.get(data);
          sink.onData(StreamSink.Channel.STDOUT, data);
        }
      } else {
        while (buf.remaining() >= 8) {
          int stream = buf.get(buf.position()) & 0xff;
          int size = buf.getInt(buf.position() + 4);
          if (size < 0 || size > (1 << 24)) {
            throw new IOException("bad frame size " + size + " in the engine's exec stream");
          }
          if (buf.remaining() < 8 + size) {
            if (8 + size > buf.capacity()) {
              ByteBuffer bigger = ByteBuffer.allocate(8 + size);
              bigger.put(buf);
              bigger.flip();
              buf = bigger;
            }
            break;
          }
          buf.position(buf.position() + 8);
          byte[] data = new byte[size];
          buf.get(data);
          if (size > 0) {
            sink.onData(stream == 2 ? StreamSink.Channel.STDERR : StreamSink.Channel.STDOUT, data);
          }
        }
      }
      buf.compact();
      if (channel.read(buf) < 0) {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    outputShut = true;
    channel.close();
  }
}
