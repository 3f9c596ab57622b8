package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "exec", description = {
    "Run a command in a container: exec POD [-c CONTAINER] [-i] [-t] -- COMMAND [ARGS...].",
    "Speaks the v5.channel.k8s.io WebSocket protocol; the command's exit code becomes this one's."})
final class ExecCommand extends ClientCommand {
  static final String V5 = "v5.channel.k8s.io";
  static final String V4 = "v4.channel.k8s.io";

  @Parameters(index = "0", paramLabel = "POD | pod/POD")
  String pod;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND")
  List<String> command = new ArrayList<>();

  @Option(names = {"-c", "--container"}, paramLabel = "NAME")
  String container;

  @Option(names = {"-i", "--stdin"}, description = "Pass stdin to the container.")
  boolean stdin;

  @Option(names = {"-t", "--tty"}, description = "Stdin is a TTY.")
  boolean tty;

  @Override
  protected int execute() throws Exception {
    String name = pod.contains("/") ? pod.substring(pod.indexOf('/') + 1) : pod;
    Query q = new Query();
    for (String c : command) {
      q.add("command", c);
    }
    q.add("container", container).add("stdin", stdin ? "true" : null).add("stdout", "true")
        .add("stderr", tty ? null : "true").add("tty", tty ? "true" : null);
    URI http = api().uri(q.on(ResourceType.PODS.path(namespace(), name) + "/exec"));
    URI ws = URI.create(http.toString().replaceFirst("^http", "ws"));
    boolean terminal = tty && System.console() != null;
    if (tty && !terminal) {
      err().println("Unable to use a TTY - input is not a terminal or the right kind of file");
      err().flush();
    }
    ChannelListener listener = new ChannelListener(System.out, System.err);
    WebSocket.Builder builder = api().http().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).subprotocols(V5, V4);
    if (api().token() != null) {
      builder.header("Authorization", "Bearer " + api().token());
    }
    WebSocket socket;
    try {
      socket = builder.buildAsync(ws, listener).get();
    } catch (ExecutionException e) {
      throw handshakeFailure(e.getCause());
    }
    String saved = terminal ? Terminal.makeRaw() : null;
    try {
      if (terminal) {
        int[] size = Terminal.size();
        if (size != null) {
          send(socket, (byte) 4, ("{\"Width\":" + size[0] + ",\"Height\":" + size[1] + "}").getBytes(StandardCharsets.UTF_8));
        }
      }
      if (stdin) {
        boolean v5 = V5.equals(socket.getSubprotocol());
        Thread pump = new Thread(() -> pumpStdin(socket, System.in, v5), "exec-stdin");
        pump.setDaemon(true);
        pump.start();
      }
      listener.closed.get();
    } finally {
      if (saved != null) {
        Terminal.restore(saved);
      }
      System.out.flush();
    }
    return listener.exitCode(err());
  }

  private CliException handshakeFailure(Throwable cause) {
    if (cause instanceof WebSocketHandshakeException h) {
      Object body = h.getResponse().body();
      byte[] bytes = body instanceof byte[] b ? b : body instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : new byte[0];
      ApiError e = ApiError.fromResponse(h.getResponse().statusCode(), bytes);
      return new CliException(e.getMessage());
    }
    if (cause instanceof IOException io) {
      return api().unreachable(io);
    }
    return new CliException("error: " + cause);
  }

  private static void send(WebSocket socket, byte channel, byte[] data) {
    ByteBuffer buf = ByteBuffer.allocate(data.length + 1);
    buf.put(channel).put(data).flip();
    socket.sendBinary(buf, true).join();
  }

  private static void pumpStdin(WebSocket socket, InputStream in, boolean v5) {
    byte[] buf = new byte[4096];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (n > 0) {
          send(socket, (byte) 0, java.util.Arrays.copyOf(buf, n));
        }
      }
      if (v5) {
        send(socket, (byte) 255, new byte[] {0});
      }
    } catch (IOException | RuntimeException e) {
      // the session ended; nothing more to send
    }
  }

  /** Demultiplexes the channels: 1 stdout, 2 stderr, 3 the final Status. */
  static final class ChannelListener implements WebSocket.Listener {
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final OutputStream stdout;
    private final OutputStream stderr;
    private final ByteArrayOutputStream status = new ByteArrayOutputStream();
    private int channel = -1;
    private Throwable failure;

    ChannelListener(OutputStream stdout, OutputStream stderr) {
      this.stdout = stdout;
      this.stderr = stderr;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      accept(data, last);
      webSocket.request(1);
      return null;
    }

    void accept(ByteBuffer data, boolean last) {
      if (channel < 0 && data.hasRemaining()) {
        channel = data.get() & 0xff;
      }
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      try {
        switch (channel) {
          case 1 -> {
            stdout.write(bytes);
            stdout.flush();
          }
          case 2 -> {
            stderr.write(bytes);
            stderr.flush();
          }
          case 3 -> status.write(bytes);
          default -> { }
        }
      } catch (IOException e) {
        failure = e;
      }
      if (last) {
        channel = -1;
      }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(null);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      failure = error;
      closed.complete(null);
    }

    /** 0 on Success; the remote exit code on NonZeroExitCode; 1 with the message otherwise. */
    int exitCode(java.io.PrintWriter err) {
      if (status.size() == 0) {
        if (failure != null) {
          err.println("error: " + failure.getMessage());
          return 1;
        }
        return 0;
      }
      JsonNode s = CliJson.parse(status.toString(StandardCharsets.UTF_8));
      return exitCodeOf(s, err);
    }

    static int exitCodeOf(JsonNode s, java.io.PrintWriter err) {
      if ("Success".equals(s.path("status").asText())) {
        return 0;
      }
      if ("NonZeroExitCode".equals(s.path("reason").asText())) {
        for (JsonNode c : s.path("details").path("causes")) {
          if ("ExitCode".equals(c.path("reason").asText())) {
            try {
              return Integer.parseInt(c.path("message").asText());
            } catch (NumberFormatException e) {
              break;
            }
          }
        }
      }
      err.println("error: " + s.path("message").asText("the command failed"));
      err.flush();
      return 1;
    }
  }
}
