package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** exec's side of the v5.channel.k8s.io protocol, against a WebSocket endpoint that plays the kubelet. */
class ExecTest {
  Vertx vertx;
  HttpServer server;
  final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer(new HttpServerOptions().addWebSocketSubProtocol("v5.channel.k8s.io"))
        .webSocketHandler(ws -> {
          seen.add(ws.path() + "?" + ws.query() + " " + ws.subProtocol());
          if (!ws.path().endsWith("/pods/box/exec")) {
            ws.close((short) 1008, "no such pod");
            return;
          }
          ws.writeBinaryMessage(frame(1, "hello\n"));
          ws.writeBinaryMessage(frame(2, "careful\n"));
          StringBuilder stdin = new StringBuilder();
          ws.binaryMessageHandler(b -> {
            byte channel = b.getByte(0);
            if (channel == 0) {
              stdin.append(b.getString(1, b.length()));
            } else if (channel == (byte) 255) {
              ws.writeBinaryMessage(frame(1, "echo:" + stdin + "\n"));
              ws.writeBinaryMessage(frame(3, "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code\","
                  + "\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"7\"}]}}"));
              ws.close();
            }
          });
          if (!ws.query().contains("stdin=true")) {
            ws.writeBinaryMessage(frame(3, "{\"metadata\":{},\"status\":\"Success\"}"));
            ws.close();
          }
        });
    server.listen(0, "127.0.0.1").await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private static Buffer frame(int channel, String text) {
    return Buffer.buffer().appendByte((byte) channel).appendString(text);
  }

  private String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  @Test
  void stdoutStderrAndSuccess() {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      CliRunner.Result r = CliRunner.run(url(), "exec", "box", "-c", "main", "--", "sh", "-c", "echo hello");
      assertEquals(0, r.code(), r.toString());
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    assertEquals("hello\n", withoutLogs(o));
    assertEquals("careful\n", withoutLogs(e));
    assertEquals("/api/v1/namespaces/default/pods/box/exec?command=sh&command=-c&command=echo%20hello&container=main&stdout=true&stderr=true v5.channel.k8s.io",
        seen.get(0));
  }

  @Test
  void stdinAndTheRemoteExitCode() {
    PrintStream out = System.out;
    InputStream in = System.in;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    CliRunner.Result r;
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setIn(new ByteArrayInputStream("ping".getBytes(StandardCharsets.UTF_8)));
      r = CliRunner.run(url(), "exec", "-i", "pod/box", "--", "cat");
    } finally {
      System.setOut(out);
      System.setIn(in);
    }
    assertEquals(7, r.code(), r.toString());
    assertEquals("hello\necho:ping\n", withoutLogs(o));
  }

  /** The test JVM's own debug logging goes to the same System.out. */
  private static String withoutLogs(ByteArrayOutputStream b) {
    StringBuilder s = new StringBuilder();
    b.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d+ \\[.*")).forEach(l -> s.append(l).append('\n'));
    return s.toString();
  }
}
