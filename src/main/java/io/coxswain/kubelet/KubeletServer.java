package io.coxswain.kubelet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.coxswain.security.KubeletTls;
import io.fabric8.kubernetes.api.model.Pod;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The kubelet's own port, which the API server relays {@code pods/log}, {@code pods/exec}, {@code pods/attach}
 * and stats to:
 * <ul>
 *   <li>{@code GET /containerLogs/{ns}/{pod}/{container}?follow&tailLines&previous&timestamps&sinceSeconds}</li>
 *   <li>{@code GET /exec/{ns}/{pod}/{container}?command=..&stdin&tty} as a WebSocket speaking the channel
 *       protocol kubectl uses ({@code v5.channel.k8s.io}, {@code v4.channel.k8s.io}): first byte 0 stdin,
 *       1 stdout, 2 stderr, 3 the final Status, 4 terminal resize, 255 close of a stream (v5)</li>
 *   <li>{@code GET /attach/{ns}/{pod}/{container}?stdin&tty}: the running container's own streams, as exec</li>
 *   <li>{@code GET /stats/summary}: node and pod cpu and memory</li>
 *   <li>{@code GET /metrics}: the node's meters (the service proxy's among them) in the Prometheus text format</li>
 * </ul>
 */
public final class KubeletServer extends VerticleBase {
  private static final List<String> PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io",
      "channel.k8s.io");

  private final String host;
  private final int port;
  private final ContainerRuntime runtime;
  private final String nodeName;
  private final BiFunction<String, String, Pod> pods;
  private final Supplier<String> metrics;
  private final KubeletTls tls;
  private HttpServer server;

  /** @param pods finds a pod bound to this node by namespace and name (the kubelet's cache) */
  public KubeletServer(String host, int port, ContainerRuntime runtime, String nodeName, BiFunction<String, String, Pod> pods) {
    this(host, port, runtime, nodeName, pods, null, null);
  }

  /**
   * As above, serving {@code metrics} (a Prometheus scrape; null: no {@code /metrics}) at {@code /metrics},
   * with mutual TLS when {@code tls} is given (plain HTTP otherwise: tests of the kubelet alone).
   */
  public KubeletServer(String host, int port, ContainerRuntime runtime, String nodeName, BiFunction<String, String, Pod> pods,
                       Supplier<String> metrics, KubeletTls tls) {
    this.metrics = metrics;
    this.tls = tls;
    this.host = host;
    this.port = port;
    this.runtime = runtime;
    this.nodeName = nodeName;
    this.pods = pods;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port)
        .setMaxWebSocketFrameSize(1 << 20).setWebSocketSubProtocols(PROTOCOLS);
    server = vertx.createHttpServer(tls == null ? options : tls.server(options));
    server.requestHandler(this::handle);
    return server.listen().onSuccess(s -> {
      // nothing else: the port is open
    });
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  public int actualPort() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    String[] parts = req.path().split("/");
    try {
      if (parts.length == 5 && parts[1].equals("containerLogs")) {
        logs(req, parts[2], parts[3], parts[4]);
      } else if (parts.length == 5 && parts[1].equals("exec")) {
        exec(req, parts[2], parts[3], parts[4]);
      } else if (parts.length == 5 && parts[1].equals("attach")) {
        attach(req, parts[2], parts[3], parts[4]);
      } else if (req.path().equals("/stats/summary")) {
        stats(req);
      } else if (req.path().equals("/metrics") && metrics != null) {
        req.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.get());
      } else if (req.path().equals("/healthz")) {
        req.response().end("ok");
      } else {
        error(req.response(), 404, "NotFound", "the kubelet serves no " + req.path());
      }
    } catch (RuntimeException e) {
      error(req.response(), 500, "InternalError", String.valueOf(e.getMessage()));
    }
  }

  /** The container's instances of a pod on this node, newest first. */
  private List<ObservedContainer> instances(Pod pod, String container) {
    List<ObservedContainer> out = new ArrayList<>();
    for (ObservedContainer c : runtime.listContainers(nodeName)) {
      if (!c.infra() && c.pod().uid().equals(pod.getMetadata().getUid()) && c.containerName().equals(container)) {
        out.add(c);
      }
    }
    out.sort(Comparator.comparing(ObservedContainer::restartCount).reversed());
    return out;
  }

  private Future<ObservedContainer> find(String ns, String name, String container, boolean previous) {
    Pod pod = pods.apply(ns, name);
    if (pod == null) {
      return Future.failedFuture(new NotFound("pod \"" + name + "\" not found on node " + nodeName));
    }
    return vertx.executeBlocking(() -> {
      List<ObservedContainer> all = instances(pod, container);
      int index = previous ? 1 : 0;
      if (all.size() <= index) {
        throw new NotFound(previous
            ? "previous terminated container \"" + container + "\" in pod \"" + name + "\" not found"
            : "container \"" + container + "\" in pod \"" + name + "\" is waiting to start");
      }
      return all.get(index);
    }, false);
  }

  private static final class NotFound extends RuntimeException {
    NotFound(String message) {
      super(message);
    }
  }

  private void logs(HttpServerRequest req, String ns, String name, String container) {
    boolean follow = "true".equals(req.getParam("follow"));
    boolean previous = "true".equals(req.getParam("previous"));
    boolean timestamps = "true".equals(req.getParam("timestamps"));
    Integer tail = req.getParam("tailLines") == null ? null : Integer.valueOf(req.getParam("tailLines"));
    Instant since = req.getParam("sinceSeconds") == null ? null
        : Instant.now().minusSeconds(Long.parseLong(req.getParam("sinceSeconds")));
    LogOptions options = new LogOptions(tail, since, timestamps, follow && !previous);
    HttpServerResponse resp = req.response();
    find(ns, name, container, previous).onFailure(err -> fail(resp, err)).onSuccess(c -> {
      resp.setChunked(true).putHeader("Content-Type", "text/plain");
      Context ctx = vertx.getOrCreateContext();
      vertx.<Closeable>executeBlocking(() -> runtime.streamLogs(c.id(), options, new StreamSink() {
        @Override
        public void onData(Channel channel, byte[] data) {
          Buffer b = Buffer.buffer(data);
          ctx.runOnContext(v -> {
            if (!resp.ended() && !resp.closed()) {
              resp.write(b);
            }
          });
        }

        @Override
        public void onEnd(Throwable error) {
          ctx.runOnContext(v -> {
            if (!resp.ended() && !resp.closed()) {
              resp.end();
            }
          });
        }
      }), false).onSuccess(stream -> resp.closeHandler(v -> {
        try {
          stream.close();
        } catch (Exception ignored) {
          // closing a finished stream
        }
      })).onFailure(err -> fail(resp, err));
    });
  }

  private void exec(HttpServerRequest req, String ns, String name, String container) {
    List<String> command = req.params().getAll("command");
    boolean stdin = "true".equals(req.getParam("stdin")) || "1".equals(req.getParam("stdin"));
    boolean tty = "true".equals(req.getParam("tty")) || "1".equals(req.getParam("tty"));
    if (command.isEmpty()) {
      error(req.response(), 400, "BadRequest", "you must specify at least one command for the container");
      return;
    }
    // accept the WebSocket at once (the handshake must not wait), then find the container
    req.toWebSocket().onSuccess(ws -> {
      ws.pause();
      find(ns, name, container, false).onComplete(ar -> {
        if (ar.failed()) {
          ws.resume();
          sendStatus(ws, -1, ar.cause().getMessage());
          ws.close();
        } else {
          ObservedContainer c = ar.result();
          ExecSpec spec = new ExecSpec(command, stdin, tty);
          session(ws, sink -> runtime.exec(c.id(), spec, sink));
        }
      });
    });
  }

  /**
   * {@code GET /attach/{ns}/{pod}/{container}?stdin&tty}: the running container's own output from now on and,
   * with stdin, its input, over the same WebSocket channel protocol as exec. The session ends when the
   * container's output ends (it exited) or the client leaves; its status on channel 3 tells how the streaming
   * went, not the container's exit code, which the pod's status has.
   */
  private void attach(HttpServerRequest req, String ns, String name, String container) {
    boolean stdin = "true".equals(req.getParam("stdin")) || "1".equals(req.getParam("stdin"));
    boolean tty = "true".equals(req.getParam("tty")) || "1".equals(req.getParam("tty"));
    req.toWebSocket().onSuccess(ws -> {
      ws.pause();
      find(ns, name, container, false).onComplete(ar -> {
        if (ar.failed() || !ar.result().running()) {
          ws.resume();
          sendStatus(ws, -1, ar.failed() ? ar.cause().getMessage()
              : "container " + container + " of pod " + name + " is not running");
          ws.close();
        } else {
          ObservedContainer c = ar.result();
          session(ws, sink -> runtime.attach(c.id(), stdin, tty, sink));
        }
      });
    });
  }

  private void session(ServerWebSocket ws, java.util.function.Function<StreamSink, ExecSession> open) {
    Context ctx = vertx.getOrCreateContext();
    vertx.executeBlocking(() -> open.apply(new StreamSink() {
      @Override
      public void onData(Channel channel, byte[] data) {
        Buffer frame = Buffer.buffer(data.length + 1).appendByte((byte) (channel == Channel.STDERR ? 2 : 1)).appendBytes(data);
        ctx.runOnContext(v -> {
          if (!ws.isClosed()) {
            ws.writeBinaryMessage(frame);
          }
        });
      }

      @Override
      public void onEnd(Throwable error) { }
    }), false).onFailure(err -> {
      ws.resume();
      sendStatus(ws, -1, String.valueOf(err.getMessage()));
      ws.close();
    }).onSuccess(session -> {
      ws.binaryMessageHandler(buf -> {
        if (buf.length() == 0) {
          return;
        }
        int channel = buf.getByte(0) & 0xff;
        byte[] data = buf.getBytes(1, buf.length());
        if (channel == 0) {
          vertx.executeBlocking(() -> {
            session.write(data);
            return null;
          }, true);
        } else if (channel == 4) {
          JsonNode size = Json.tree(data);
          vertx.executeBlocking(() -> {
            session.resize(size.path("Width").asInt(80), size.path("Height").asInt(24));
            return null;
          }, true);
        } else if (channel == 255 && data.length > 0 && data[0] == 0) {
          vertx.executeBlocking(() -> {
            session.closeStdin();
            return null;
          }, true);
        }
      });
      ws.textMessageHandler(text -> {
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        if (all.length > 0 && all[0] == '0') {
          byte[] data = java.util.Arrays.copyOfRange(all, 1, all.length);
          vertx.executeBlocking(() -> {
            session.write(data);
            return null;
          }, true);
        }
      });
      ws.closeHandler(v -> vertx.executeBlocking(() -> {
        session.close();
        return null;
      }, false));
      // the client writes stdin as soon as it is connected: frames wait (paused) until the handlers exist
      ws.resume();
      // no thread waits out the session: once its output has ended, the exit code is asked of the runtime
      Future.fromCompletionStage(session.outputEnded()).transform(ended ->
          vertx.<OptionalInt>executeBlocking(() -> session.awaitExit(Duration.ofSeconds(5)), false)).onComplete(ar -> {
        int code = ar.succeeded() && ar.result().isPresent() ? ar.result().getAsInt() : -1;
        // let the last output frames go first
        ctx.runOnContext(v -> {
          sendStatus(ws, code, null);
          ws.close();
        });
      });
    });
  }

  private static void sendStatus(ServerWebSocket ws, int exitCode, String error) {
    if (ws.isClosed()) {
      return;
    }
    ObjectNode status = Json.MAPPER.createObjectNode();
    status.putObject("metadata");
    if (exitCode == 0) {
      status.put("status", "Success");
    } else {
      status.put("status", "Failure");
      if (exitCode > 0) {
        status.put("message", "command terminated with non-zero exit code: exit status " + exitCode);
        status.put("reason", "NonZeroExitCode");
        ArrayNode causes = status.putObject("details").putArray("causes");
        causes.addObject().put("reason", "ExitCode").put("message", String.valueOf(exitCode));
      } else {
        status.put("message", error == null ? "the command's end was not observed" : error);
        status.put("reason", "InternalError");
      }
    }
    byte[] json = Json.bytes(status);
    ws.writeBinaryMessage(Buffer.buffer(json.length + 1).appendByte((byte) 3).appendBytes(json));
  }

  private static void add(ObjectNode figures, String field, long value) {
    figures.put(field, figures.path(field).asLong() + value);
  }

  private void stats(HttpServerRequest req) {
    vertx.executeBlocking(() -> {
      ObjectNode root = Json.MAPPER.createObjectNode();
      ObjectNode node = root.putObject("node");
      node.put("nodeName", nodeName);
      ArrayNode podsOut = root.putArray("pods");
      long totalCpu = 0;
      long totalNanoCores = 0;
      long totalMem = 0;
      long totalWorkingSet = 0;
      String now = Instant.now().toString();
      java.util.Map<String, ObjectNode> byPod = new java.util.LinkedHashMap<>();
      for (ObservedContainer c : runtime.listContainers(nodeName)) {
        if (!c.running() || c.infra()) {
          // the pause container uses next to nothing, and each sample costs the runtime a second
          continue;
        }
        ContainerStats s;
        try {
          s = runtime.stats(c.id());
        } catch (RuntimeException e) {
          continue;
        }
        // the summary API's shape: pods[].containers[] and pods[] each with cpu and memory
        ObjectNode p = byPod.computeIfAbsent(c.pod().uid(), u -> {
          ObjectNode n = podsOut.addObject();
          n.putObject("podRef").put("name", c.pod().name()).put("namespace", c.pod().namespace()).put("uid", u);
          n.putArray("containers");
          n.putObject("cpu").put("time", now).put("usageNanoCores", 0L).put("usageCoreNanoSeconds", 0L);
          n.putObject("memory").put("time", now).put("usageBytes", 0L).put("workingSetBytes", 0L);
          return n;
        });
        ObjectNode out = ((ArrayNode) p.get("containers")).addObject().put("name", c.containerName());
        out.putObject("cpu").put("time", s.time().toString()).put("usageNanoCores", s.cpuNanoCores())
            .put("usageCoreNanoSeconds", s.cpuUsageNanos());
        out.putObject("memory").put("time", s.time().toString()).put("usageBytes", s.memoryUsageBytes())
            .put("workingSetBytes", s.workingSetBytes());
        add((ObjectNode) p.get("cpu"), "usageNanoCores", s.cpuNanoCores());
        add((ObjectNode) p.get("cpu"), "usageCoreNanoSeconds", s.cpuUsageNanos());
        add((ObjectNode) p.get("memory"), "usageBytes", s.memoryUsageBytes());
        add((ObjectNode) p.get("memory"), "workingSetBytes", s.workingSetBytes());
        totalCpu += s.cpuUsageNanos();
        totalNanoCores += s.cpuNanoCores();
        totalMem += s.memoryUsageBytes();
        totalWorkingSet += s.workingSetBytes();
      }
      // the node's figures are what its pods use (several minions may share one host)
      node.putObject("cpu").put("time", now).put("usageNanoCores", totalNanoCores).put("usageCoreNanoSeconds", totalCpu);
      node.putObject("memory").put("time", now).put("usageBytes", totalMem).put("workingSetBytes", totalWorkingSet);
      return Json.string(root);
    }, false).onSuccess(json -> req.response().putHeader("Content-Type", "application/json").end(json))
        .onFailure(err -> fail(req.response(), err));
  }

  private static void fail(HttpServerResponse resp, Throwable err) {
    if (err instanceof NotFound) {
      error(resp, 404, "NotFound", err.getMessage());
    } else if (err instanceof ContainerRuntimeException) {
      error(resp, 503, "ServiceUnavailable", "container runtime: " + err.getMessage());
    } else {
      error(resp, 500, "InternalError", String.valueOf(err.getMessage()));
    }
  }

  static void error(HttpServerResponse resp, int code, String reason, String message) {
    if (resp.ended() || resp.headWritten()) {
      resp.reset();
      return;
    }
    ObjectNode s = Json.MAPPER.createObjectNode();
    s.put("kind", "Status").put("apiVersion", "v1").put("status", "Failure").put("message", message)
        .put("reason", reason).put("code", code);
    s.putObject("metadata");
    resp.setStatusCode(code).putHeader("Content-Type", "application/json").end(Json.string(s));
  }

}
