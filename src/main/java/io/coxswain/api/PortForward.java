package io.coxswain.api;

import io.coxswain.model.Json;
import io.coxswain.model.PublishedPorts;
import io.coxswain.store.Store;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdySettingsFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.DefaultSpdyWindowUpdateFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyHeaders;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySessionHandler;
import io.netty.handler.codec.spdy.SpdySettingsFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pods/portforward} ({@code kubectl port-forward}): the WebSocket kubectl 1.31 and newer open with the
 * subprotocol {@value #PROTOCOL}, which carries a SPDY/3.1 session as Kubernetes' port forwarding speaks it.
 * For each connection it forwards, the client opens two streams with the same {@code requestID} and
 * {@code port}: an error stream (this side writes a message there when the forward fails) and a data stream
 * (the bytes both ways). Netty's SPDY codec and session handler (framing, header compression, flow control,
 * pings) run on an embedded channel fed from the WebSocket's messages.
 *
 * <p>A pod's ports are reached as everything here reaches them: through the ports its node publishes on
 * its own address ({@code hostPort}, else the port the kubelet published, recorded in the pod's
 * {@value PublishedPorts#ANNOTATION} annotation), or at the node's address for a pod on the host's network.
 * So a port must be declared in the pod's containers ({@code containerPort}, TCP); another port is refused
 * on the error stream with a message that says so.
 */
public final class PortForward {
  /** The WebSocket subprotocol of port forwarding over a WebSocket: SPDY tunnelled inside it. */
  public static final String PROTOCOL = "SPDY/3.1+portforward.k8s.io";

  private final Store store;
  private NetClient net;

  public PortForward(Store store) {
    this.store = store;
  }

  public void mount(Vertx vertx, Router router) {
    net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5000));
    router.route("/api/v1/namespaces/:ns/pods/:name/portforward").handler(this::portForward);
  }

  private void portForward(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (!"websocket".equalsIgnoreCase(req.getHeader("Upgrade"))
        || !String.valueOf(req.getHeader("Sec-WebSocket-Protocol")).contains(PROTOCOL)) {
      error(ctx, 400, "BadRequest", "port-forward needs a WebSocket with the " + PROTOCOL
          + " subprotocol (SPDY alone is not served): use kubectl 1.31 or newer");
      return;
    }
    String ns = ctx.pathParam("ns");
    String name = ctx.pathParam("name");
    Context context = ctx.vertx().getOrCreateContext();
    Future.fromCompletionStage(store.get("/registry/pods/" + ns + "/" + name, Store.Consistency.LOCAL), context)
        .onFailure(err -> error(ctx, 503, "ServiceUnavailable", String.valueOf(err.getMessage())))
        .onSuccess(found -> {
          if (found.isEmpty()) {
            error(ctx, 404, "NotFound", "pods \"" + name + "\" not found");
            return;
          }
          Pod pod = Json.read(found.get().value(), Pod.class);
          String node = pod.getSpec().getNodeName();
          if (node == null || node.isEmpty() || pod.getStatus() == null
              || !"Running".equals(pod.getStatus().getPhase())) {
            error(ctx, 400, "BadRequest", "pod " + name + " is not running");
            return;
          }
          Future.fromCompletionStage(store.get("/registry/nodes/" + node, Store.Consistency.LOCAL), context)
              .onFailure(err -> error(ctx, 503, "ServiceUnavailable", String.valueOf(err.getMessage())))
              .onSuccess(n -> {
                String address = n.map(kv -> internalIp(Json.read(kv.value(), Node.class))).orElse(null);
                if (address == null) {
                  error(ctx, 503, "ServiceUnavailable", "node " + node + " has no address");
                  return;
                }
                req.toWebSocket().onSuccess(ws -> {
                  ws.endHandler(v -> RequestMetrics.upgradeEnded(ctx));
                  new Session(ws, context, pod, address).start();
                });
              });
        });
  }

  private static String internalIp(Node node) {
    if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
      return null;
    }
    return node.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType()))
        .map(NodeAddress::getAddress).findFirst().orElse(null);
  }

  /**
   * Where {@code port} of {@code pod} is reached from outside its node: the node's address and the port it
   * publishes for it; empty when no container declares it.
   */
  static Optional<Integer> reachablePort(Pod pod, int port) {
    if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
      return Optional.of(port);
    }
    PublishedPorts published = PublishedPorts.fromPod(pod);
    for (var c : pod.getSpec().getContainers()) {
      if (c.getPorts() == null) {
        continue;
      }
      for (var p : c.getPorts()) {
        String protocol = p.getProtocol() == null ? "TCP" : p.getProtocol();
        if (p.getContainerPort() != null && p.getContainerPort() == port && protocol.equals("TCP")) {
          if (p.getHostPort() != null && p.getHostPort() > 0) {
            return Optional.of(p.getHostPort());
          }
          var host = published.hostPort(c.getName(), port, "TCP");
          if (host.isPresent()) {
            return Optional.of(host.getAsInt());
          }
        }
      }
    }
    return Optional.empty();
  }

  /** One client's SPDY session: its streams, paired by request id, and their connections to the pod. */
  private final class Session extends ChannelInboundHandlerAdapter {
    private final ServerWebSocket ws;
    private final Context context;
    private final Pod pod;
    private final String address;
    private final EmbeddedChannel channel;
    /** error stream ids by request id, and data streams' connections by stream id */
    private final Map<String, Integer> errorStreams = new HashMap<>();
    private final Map<Integer, NetSocket> sockets = new HashMap<>();
    private final Map<Integer, ByteBuf> early = new HashMap<>();
    private final java.util.Set<Integer> endedEarly = new java.util.HashSet<>();
    /** data streams whose connection to the pod is being made: only their early bytes are kept */
    private final java.util.Set<Integer> connecting = new java.util.HashSet<>();
    private boolean closed;

    Session(ServerWebSocket ws, Context context, Pod pod, String address) {
      this.ws = ws;
      this.context = context;
      this.pod = pod;
      this.address = address;
      SpdySessionHandler session = new SpdySessionHandler(SpdyVersion.SPDY_3_1, true);
      // Kubernetes' clients send without regard to SPDY's windows: a window they overran would end the stream
      session.setSessionReceiveWindowSize(Integer.MAX_VALUE);
      this.channel = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1), session, this);
      DefaultSpdySettingsFrame settings = new DefaultSpdySettingsFrame();
      settings.setValue(SpdySettingsFrame.SETTINGS_INITIAL_WINDOW_SIZE, Integer.MAX_VALUE);
      channel.writeAndFlush(settings); // every stream's receive window, told to the client too
    }

    void start() {
      drain();
      ws.binaryMessageHandler(buf -> {
        if (!closed) {
          try {
            channel.writeInbound(Unpooled.wrappedBuffer(buf.getBytes()));
            drain();
          } catch (RuntimeException e) { // what the client sent is not SPDY as port forwarding speaks it
            close();
            ws.close((short) 1002, "not SPDY/3.1 port forwarding");
          }
        }
      });
      ws.closeHandler(v -> close());
      ws.exceptionHandler(e -> close());
    }

    /** Sends what the codec encoded meanwhile as WebSocket messages. */
    private void drain() {
      ByteBuf out;
      while ((out = channel.readOutbound()) != null) {
        try {
          byte[] bytes = new byte[out.readableBytes()];
          out.readBytes(bytes);
          if (!ws.isClosed()) {
            ws.writeBinaryMessage(Buffer.buffer(bytes));
          }
        } finally {
          out.release();
        }
      }
    }

    private void write(Object frame) {
      if (!closed) {
        channel.writeAndFlush(frame);
        drain();
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
      if (msg instanceof SpdySynStreamFrame syn) {
        opened(syn);
      } else if (msg instanceof SpdyDataFrame data) {
        try {
          NetSocket socket = sockets.get(data.streamId());
          if (socket != null && data.content().isReadable()) {
            byte[] bytes = new byte[data.content().readableBytes()];
            data.content().readBytes(bytes);
            socket.write(Buffer.buffer(bytes));
          } else if (connecting.contains(data.streamId()) && data.content().isReadable()) {
            // data before the connection is made: kept until then (a failed or ended stream's is dropped)
            early.computeIfAbsent(data.streamId(), id -> Unpooled.buffer()).writeBytes(data.content());
          }
          if (data.isLast() && socket != null) {
            endInput(socket);
          } else if (data.isLast() && connecting.contains(data.streamId())) {
            endedEarly.add(data.streamId()); // the client's end came before the connection: closed once made
          }
        } finally {
          data.release();
        }
      } else if (msg instanceof SpdyRstStreamFrame rst) {
        forget(rst.streamId());
        NetSocket socket = sockets.remove(rst.streamId());
        if (socket != null) {
          socket.close();
        }
      }
    }

    private void opened(SpdySynStreamFrame syn) {
      SpdyHeaders h = syn.headers();
      String type = header(h, "streamtype");
      String requestId = header(h, "requestid");
      String port = header(h, "port");
      int id = syn.streamId();
      // a reply's header block must not be empty: Go's SPDY framer inflates it and reads a count of headers
      DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(id);
      reply.headers().set("streamtype", type == null ? "" : type);
      write(reply);
      if ("error".equals(type)) {
        errorStreams.put(requestId, id);
        return;
      }
      if (!"data".equals(type)) {
        write(new DefaultSpdyDataFrame(id).setLast(true));
        return;
      }
      int wanted;
      try {
        wanted = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        fail(requestId, id, "invalid port " + port);
        return;
      }
      Optional<Integer> target = reachablePort(pod, wanted);
      if (target.isEmpty()) {
        fail(requestId, id, "port " + wanted + " is not a TCP containerPort of pod " + pod.getMetadata().getName()
            + ": ports are reached through the ports their node publishes, so declare it in the pod's containers");
        return;
      }
      connecting.add(id);
      net.connect(target.get(), address).onComplete(ar -> context.runOnContext(v -> {
        if (!connecting.contains(id)) { // the client reset the stream meanwhile, or the session ended
          if (ar.succeeded()) {
            ar.result().close();
          }
          return;
        }
        if (ar.failed()) {
          forget(id);
          fail(requestId, id, "cannot reach port " + wanted + " of pod " + pod.getMetadata().getName() + " at "
              + address + ":" + target.get() + ": " + ar.cause().getMessage());
          return;
        }
        NetSocket socket = ar.result();
        connecting.remove(id);
        sockets.put(id, socket);
        ByteBuf pending = early.remove(id);
        if (pending != null) {
          byte[] bytes = new byte[pending.readableBytes()];
          pending.readBytes(bytes);
          pending.release();
          socket.write(Buffer.buffer(bytes));
        }
        if (endedEarly.remove(id)) {
          endInput(socket);
        }
        socket.handler(b -> {
          write(new DefaultSpdyDataFrame(id, Unpooled.wrappedBuffer(b.getBytes())));
          windowBack(id, b.length());
          if (ws.writeQueueFull()) {
            socket.pause();
            ws.drainHandler(d -> socket.resume());
          }
        });
        socket.closeHandler(x -> {
          if (sockets.remove(id) != null) {
            write(new DefaultSpdyDataFrame(id).setLast(true));
          }
          Integer error = errorStreams.remove(requestId);
          if (error != null) {
            write(new DefaultSpdyDataFrame(error).setLast(true));
          }
        });
      }));
    }

    /**
     * Gives back the send window that {@code bytes} took, as if the client had: Kubernetes' clients do no SPDY
     * flow control (they never send a window update), so the session handler's windows would stall every
     * stream after its first 64 KB. What bounds the sending instead is the WebSocket's write queue.
     */
    private void windowBack(int streamId, int bytes) {
      if (!closed && bytes > 0) {
        ChannelHandlerContext codec = channel.pipeline().context(SpdyFrameCodec.class);
        codec.fireChannelRead(new DefaultSpdyWindowUpdateFrame(streamId, bytes));
        codec.fireChannelRead(new DefaultSpdyWindowUpdateFrame(0, bytes));
        drain();
      }
    }

    /** A data stream no longer waiting for its connection: what it sent meanwhile is dropped. */
    private void forget(int streamId) {
      connecting.remove(streamId);
      endedEarly.remove(streamId);
      ByteBuf pending = early.remove(streamId);
      if (pending != null) {
        pending.release();
      }
    }

    /** Tells the client on the request's error stream, and ends both of its streams. */
    private void fail(String requestId, int dataStream, String message) {
      Integer error = errorStreams.remove(requestId);
      if (error != null) {
        write(new DefaultSpdyDataFrame(error, Unpooled.wrappedBuffer(message.getBytes(StandardCharsets.UTF_8))));
        write(new DefaultSpdyDataFrame(error).setLast(true));
      }
      write(new DefaultSpdyDataFrame(dataStream).setLast(true));
    }

    private void close() {
      if (closed) {
        return;
      }
      channel.writeAndFlush(new DefaultSpdyGoAwayFrame(0));
      closed = true;
      sockets.values().forEach(NetSocket::close);
      sockets.clear();
      connecting.clear();
      early.values().forEach(ByteBuf::release);
      early.clear();
      channel.finishAndReleaseAll();
    }
  }

  /**
   * The client's end of its data stream: the connection to the pod is half-closed, so the pod's answer still
   * comes back (a client that shuts its sending side and then reads, as HTTP/1.0 clients do).
   */
  static void endInput(NetSocket socket) {
    if (socket instanceof io.vertx.core.internal.net.NetSocketInternal internal
        && internal.channelHandlerContext().channel() instanceof io.netty.channel.socket.DuplexChannel duplex) {
      internal.channelHandlerContext().executor().execute(() -> {
        internal.channelHandlerContext().flush();
        duplex.shutdownOutput();
      });
    } else {
      socket.close();
    }
  }

  private static String header(SpdyHeaders h, String name) {
    for (Map.Entry<CharSequence, CharSequence> e : h) {
      if (e.getKey().toString().equalsIgnoreCase(name)) {
        return e.getValue().toString();
      }
    }
    return null;
  }

  private static void error(RoutingContext ctx, int code, String reason, String message) {
    ctx.response().setStatusCode(code).putHeader("Content-Type", "application/json")
        .end(Json.string(ApiException.of(code, reason, message, null, null, null, null).status()));
  }
}
