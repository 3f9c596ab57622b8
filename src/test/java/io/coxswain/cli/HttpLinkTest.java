package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HttpLinkTest {
  /**
   * A server that answers each request with the next scripted reply, given as raw bytes; a reply of null
   * closes the connection without answering. Records each request's head and the connection it came on.
   */
  static final class ScriptedServer implements AutoCloseable {
    final ServerSocket listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final Thread acceptor;
    private int connections;

    ScriptedServer(String... script) throws IOException {
      for (String r : script) {
        replies.add(r);
      }
      acceptor = new Thread(this::accept);
      acceptor.setDaemon(true);
      acceptor.start();
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    private void accept() {
      while (!listener.isClosed()) {
        try {
          Socket s = listener.accept();
          int n;
          synchronized (this) {
            n = ++connections;
          }
          Thread t = new Thread(() -> answer(s, n));
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void answer(Socket s, int connection) {
      try (s) {
        InputStream in = s.getInputStream();
        while (true) {
          String head = readHead(in);
          if (head == null) {
            return;
          }
          int length = 0;
          for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
              length = Integer.parseInt(line.substring(15).trim());
            }
          }
          String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
          requests.add("#" + connection + " " + head.split("\r\n")[0] + (body.isEmpty() ? "" : " " + body));
          String reply = replies.poll(10, TimeUnit.SECONDS);
          if (reply == null || reply.equals("CLOSE")) {
            return;
          }
          s.getOutputStream().write(reply.getBytes(StandardCharsets.UTF_8));
          s.getOutputStream().flush();
          if (reply.contains("Connection: close")) {
            return;
          }
        }
      } catch (IOException | InterruptedException e) {
        // the test is over
      }
    }

    private static String readHead(InputStream in) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int ch;
      while ((ch = in.read()) >= 0) {
        b.write(ch);
        String s = b.toString(StandardCharsets.ISO_8859_1);
        if (s.endsWith("\r\n\r\n")) {
          return s.substring(0, s.length() - 4);
        }
      }
      return null;
    }

    @Override
    public void close() throws IOException {
      listener.close();
    }
  }

  private static String text(HttpLink.Response r) throws IOException {
    return new String(r.bytes(), StandardCharsets.UTF_8);
  }

  @Test
  void bodiesFramedEveryWayAHttp11ServerFramesThem() throws Exception {
    record Case(String name, String reply, int status, String body) {}
    for (Case c : List.of(
        new Case("content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, "hello"),
        new Case("chunked, extensions, trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3;x=y\r\nhel\r\n2\r\nlo\r\n0\r\nX-Trailer: t\r\n\r\n", 200, "hello"),
        new Case("no length: to the end", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello", 200, "hello"),
        new Case("204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", 204, ""),
        new Case("interim 100 first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 201, "ok"),
        new Case("error status keeps its body", "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found", 404, "not found"),
        new Case("bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", 200, "hi"))) {
      try (ScriptedServer server = new ScriptedServer(c.reply())) {
        HttpLink link = new HttpLink(server.uri(), null, false, 5000);
        HttpLink.Response r = link.exchange("GET", "/x", Map.of("Accept", "*/*"), null, false);
        assertEquals(c.status(), r.status(), c.name());
        assertEquals(c.body(), text(r), c.name());
        link.close();
      }
    }
  }

  @Test
  void keepsOneConnectionForRequestsThatFollowEachOtherAndSendsHostAndLength() throws Exception {
    String ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    try (ScriptedServer server = new ScriptedServer(ok, ok, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", ok)) {
      HttpLink link = new HttpLink(server.uri(), null, false, 5000);
      for (int i = 0; i < 4; i++) {
        assertEquals("ok", text(link.exchange(i == 1 ? "POST" : "GET", "/r" + i, Map.of(), i == 1 ? "{}".getBytes() : null, false)));
      }
      // the third answer said Connection: close, so the fourth request opened a second connection
      assertEquals(List.of("#1 GET /r0 HTTP/1.1", "#1 POST /r1 HTTP/1.1 {}", "#1 GET /r2 HTTP/1.1", "#2 GET /r3 HTTP/1.1"),
          server.requests);
      link.close();
    }
  }

  @Test
  void aKeptConnectionTheServerDroppedIsRetriedForAGetButNotForAPost() throws Exception {
    String ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    try (ScriptedServer server = new ScriptedServer(ok, "CLOSE", ok, ok, "CLOSE")) {
      HttpLink link = new HttpLink(server.uri(), null, false, 5000);
      assertEquals("ok", text(link.exchange("GET", "/a", Map.of(), null, false)));
      // the server closes the kept connection instead of answering: the GET goes again on a new one
      assertEquals("ok", text(link.exchange("GET", "/b", Map.of(), null, false)));
      assertEquals("ok", text(link.exchange("GET", "/c", Map.of(), null, false)));
      IOException e = assertThrows(IOException.class, () -> link.exchange("POST", "/d", Map.of(), new byte[0], false));
      assertTrue(e.getMessage().contains("closed the connection without answering"), e.getMessage());
      assertEquals(List.of("#1 GET /a HTTP/1.1", "#1 GET /b HTTP/1.1", "#2 GET /b HTTP/1.1", "#2 GET /c HTTP/1.1",
          "#2 POST /d HTTP/1.1"), server.requests);
    }
  }

  @Test
  void aStreamedBodyArrivesAsItIsSentAndHasAConnectionOfItsOwn() throws Exception {
    try (ScriptedServer server = new ScriptedServer(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nline1\n\r\n6\r\nline2\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) {
      HttpLink link = new HttpLink(server.uri(), null, false, 5000);
      HttpLink.Response watch = link.exchange("GET", "/watch", Map.of(), null, true);
      assertEquals("ok", text(link.exchange("GET", "/other", Map.of(), null, false)));
      try (InputStream in = watch.body()) {
        assertEquals("line1\nline2\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      assertEquals(List.of("#1 GET /watch HTTP/1.1", "#2 GET /other HTTP/1.1"), server.requests);
    }
  }

  @Test
  void malformedAnswersAreErrorsNotHangs() throws Exception {
    record Case(String name, String reply, String message) {}
    for (Case c : List.of(
        new Case("not HTTP", "SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP response"),
        new Case("bad status", "HTTP/1.1 abc OK\r\n\r\n", "malformed HTTP status line"),
        new Case("bad length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "malformed Content-Length"),
        new Case("bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk size"),
        new Case("short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc", "before the end of the body"))) {
      try (ScriptedServer server = new ScriptedServer(c.reply(), "CLOSE")) {
        HttpLink link = new HttpLink(server.uri(), null, false, 5000);
        IOException e = assertThrows(IOException.class, () -> link.exchange("GET", "/", Map.of(), null, false), c.name());
        assertTrue(String.valueOf(e.getMessage()).contains(c.message()), c.name() + ": " + e.getMessage());
      }
    }
  }
}
