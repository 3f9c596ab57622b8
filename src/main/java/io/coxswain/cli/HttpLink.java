package io.coxswain.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The CLI's HTTP/1.1 client of one API server: blocking sockets (TLS by the JDK's SSLSocket), one kept-alive
 * connection reused by the requests that follow each other, and a connection of its own for each streamed
 * response (watch, logs). The JDK's HttpClient does the same with a selector thread, executors, reactive
 * streams and method handles built at first use, a fifth of a one-shot command's time; a command sends
 * one request after another, and this is all it needs. Bodies are framed by Content-Length, chunked, or the
 * end of the connection.
 */
final class HttpLink {
  /** A response: its status, headers (lower-case names) and body, which the caller reads and closes. */
  record Response(int status, Map<String, String> headers, InputStream body) {
    byte[] bytes() throws IOException {
      try (InputStream in = body) {
        return in.readAllBytes();
      }
    }
  }

  private static final java.util.Set<String> IDEMPOTENT = java.util.Set.of("GET", "HEAD", "PUT", "DELETE");
  private final String host;
  private final int port;
  private final String hostHeader;
  private final SSLContext tls;
  private final boolean checkHost;
  private final int connectTimeoutMillis;
  /** The connection kept alive between requests; null when none is idle. Guarded by this. */
  private Connection idle;

  /**
   * @param tls       the TLS context for https (null: plain HTTP)
   * @param checkHost whether the server's certificate must name the host (off only for
   *                  insecure-skip-tls-verify)
   */
  HttpLink(URI server, SSLContext tls, boolean checkHost, int connectTimeoutMillis) {
    String h = server.getHost();
    this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    this.port = server.getPort() > 0 ? server.getPort() : tls != null ? 443 : 80;
    this.hostHeader = (host.contains(":") ? "[" + host + "]" : host) + (server.getPort() > 0 ? ":" + server.getPort() : "");
    this.tls = tls;
    this.checkHost = checkHost;
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  /**
   * Sends one request and reads the response's head. With {@code stream} the connection is the response's
   * alone (closed with its body); otherwise the body is read whole and the connection kept for the next request.
   */
  Response exchange(String method, String target, Map<String, String> headers, byte[] body, boolean stream)
      throws IOException {
    Connection c = takeIdle();
    if (c != null) {
      try {
        return exchange(c, method, target, headers, body, stream);
      } catch (StaleConnection e) {
        c.close();
        // the server closed the kept-alive connection without a word: a request that changes nothing when
        // repeated is sent again, once, on a new connection; a POST or PATCH is not
        if (!IDEMPOTENT.contains(method)) {
          throw new EOFException("the server closed the connection without answering");
        }
      }
    }
    c = connect();
    try {
      return exchange(c, method, target, headers, body, stream);
    } catch (StaleConnection e) {
      c.close();
      throw new EOFException("the server closed the connection without answering");
    }
  }

  private Response exchange(Connection c, String method, String target, Map<String, String> headers, byte[] body,
                            boolean stream) throws IOException {
    StringBuilder head = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
        .append("Host: ").append(hostHeader).append("\r\n");
    for (Map.Entry<String, String> h : headers.entrySet()) {
      head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    Response r;
    try {
      try {
        c.out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        if (body != null) {
          c.out.write(body);
        }
        c.out.flush();
      } catch (IOException e) {
        throw new StaleConnection();
      }
      r = readResponse(c, method);
    } catch (StaleConnection e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    if (stream) {
      return r;
    }
    byte[] bytes;
    try {
      bytes = r.body().readAllBytes();
    } catch (IOException e) {
      c.close();
      throw e;
    }
    if (c.reusable) {
      release(c);
    } else {
      c.close();
    }
    return new Response(r.status(), r.headers(), new java.io.ByteArrayInputStream(bytes));
  }

  private Response readResponse(Connection c, String method) throws IOException {
    while (true) {
      String status = c.readLine(true);
      if (!status.startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP response from the server: " + status);
      }
      String[] parts = status.split(" ", 3);
      int code;
      try {
        code = Integer.parseInt(parts.length > 1 ? parts[1] : "");
      } catch (NumberFormatException e) {
        throw new IOException("a malformed HTTP status line from the server: " + status);
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (String line = c.readLine(false); !line.isEmpty(); line = c.readLine(false)) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
              (a, b) -> a + ", " + b);
        }
      }
      if (code >= 100 && code < 200) {
        continue; // an interim response (100 Continue): the real one follows
      }
      boolean close = status.startsWith("HTTP/1.0") || "close".equalsIgnoreCase(headers.get("connection"));
      InputStream body;
      String length = headers.get("content-length");
      if (method.equals("HEAD") || code == 204 || code == 304) {
        body = InputStream.nullInputStream();
      } else if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
        body = new Chunked(c);
      } else if (length != null) {
        long n;
        try {
          n = Long.parseLong(length);
        } catch (NumberFormatException e) {
          throw new IOException("a malformed Content-Length from the server: " + length);
        }
        body = new Bounded(c, n);
      } else {
        close = true;
        body = new ToEnd(c);
      }
      c.reusable = !close;
      return new Response(code, headers, body);
    }
  }

  private synchronized Connection takeIdle() {
    Connection c = idle;
    idle = null;
    return c;
  }

  private void release(Connection c) {
    Connection old;
    synchronized (this) {
      old = idle;
      idle = c;
    }
    if (old != null) {
      old.close();
    }
  }

  /** Closes the idle connection, if any. */
  void close() {
    Connection c = takeIdle();
    if (c != null) {
      c.close();
    }
  }

  private Connection connect() throws IOException {
    Socket plain = new Socket();
    try {
      plain.setTcpNoDelay(true);
      plain.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
      if (tls == null) {
        return new Connection(plain);
      }
      SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true);
      if (checkHost) {
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
      }
      s.startHandshake();
      return new Connection(s);
    } catch (IOException | RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  /** The server closed a reused connection before any byte of the answer: the request may be sent again. */
  private static final class StaleConnection extends IOException {
    private static final long serialVersionUID = 1L;

    StaleConnection() {
      super("the kept-alive connection was closed by the server");
    }
  }

  private static final class Connection {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    boolean reusable;

    Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream(), 16384);
      this.out = new BufferedOutputStream(socket.getOutputStream(), 8192);
    }

    /**
     * One header line (ISO-8859-1, without CRLF). The end of the connection (or a reset) before the first byte
     * of a status line means the server closed it without answering.
     */
    String readLine(boolean statusLine) throws IOException {
      StringBuilder b = new StringBuilder(64);
      while (true) {
        int ch;
        try {
          ch = in.read();
        } catch (java.net.SocketException e) {
          if (statusLine && b.length() == 0) {
            throw new StaleConnection();
          }
          throw e;
        }
        if (ch < 0) {
          if (statusLine && b.length() == 0) {
            throw new StaleConnection();
          }
          throw new EOFException("the server closed the connection in the middle of a response");
        }
        if (ch == '\n') {
          int n = b.length();
          if (n > 0 && b.charAt(n - 1) == '\r') {
            b.setLength(n - 1);
          }
          return b.toString();
        }
        if (b.length() > 65536) {
          throw new IOException("an HTTP header line longer than 64 KiB from the server");
        }
        b.append((char) ch);
      }
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  /** A body of a known length; closing it before its end closes the connection. */
  private static final class Bounded extends FilterInputStream {
    private final Connection c;
    private long left;

    Bounded(Connection c, long length) {
      super(c.in);
      this.c = c;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("the server closed the connection before the end of the body");
      }
      left -= n;
      return n;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), left);
    }

    @Override
    public void close() {
      c.close();
    }
  }

  /** A chunked body, decoded; trailers are read and dropped. */
  private static final class Chunked extends InputStream {
    private final Connection c;
    private long left;
    private boolean done;

    Chunked(Connection c) {
      this.c = c;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (left == 0) {
        String size = c.readLine(false);
        int semi = size.indexOf(';');
        try {
          left = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
        } catch (NumberFormatException e) {
          throw new IOException("a malformed chunk size from the server: " + size);
        }
        if (left == 0) {
          while (!c.readLine(false).isEmpty()) {
            // trailers
          }
          done = true;
          return -1;
        }
      }
      int n = c.in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("the server closed the connection in the middle of a chunk");
      }
      left -= n;
      if (left == 0) {
        c.readLine(false); // the CRLF after the chunk's data
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      return done ? 0 : (int) Math.min(c.in.available(), left);
    }

    @Override
    public void close() {
      c.close();
    }
  }

  /** A body that ends with the connection. */
  private static final class ToEnd extends FilterInputStream {
    private final Connection c;

    ToEnd(Connection c) {
      super(c.in);
      this.c = c;
    }

    @Override
    public void close() {
      c.close();
    }
  }
}
