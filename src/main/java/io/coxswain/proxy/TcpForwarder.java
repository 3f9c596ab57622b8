package io.coxswain.proxy;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP service port: accepts, picks a backend (the next one when a connect fails), and pipes both ways with
 * back-pressure: a side whose write queue is full pauses the other side's reads until it drains.
 */
final class TcpForwarder extends PortForwarder {
  private static final Logger LOG = LoggerFactory.getLogger(TcpForwarder.class);
  /** Bytes queued on a socket before reading from its peer pauses. */
  static final int WRITE_QUEUE_BYTES = 256 * 1024;

  private final NetClient client;
  private final List<NetServer> servers = new ArrayList<>();
  private final Set<Connection> connections = new LinkedHashSet<>();

  TcpForwarder(Vertx vertx, NetClient client, ServicePortSpec spec, List<ListenAddress> addresses,
               ProxyOptions options, PortMeters meters, IntConsumer onPortalBound) {
    super(vertx, spec, addresses, options, meters, onPortalBound);
    this.client = client;
  }

  /** One proxied connection: the client's socket and, once connected, the backend's. */
  private final class Connection {
    final NetSocket downstream;
    final String clientIp;
    final Set<Backend> tried = new HashSet<>();
    NetSocket upstream;
    Backend backend;
    boolean done;

    Connection(NetSocket downstream) {
      this.downstream = downstream;
      this.clientIp = downstream.remoteAddress() == null ? "" : downstream.remoteAddress().host();
    }

    /** Ends both sides: queued bytes are still written (a graceful end) unless {@code abort}. */
    void finish(boolean abort) {
      if (done) {
        return;
      }
      done = true;
      if (connections.remove(this)) {
        meters.active.decrementAndGet();
      }
      if (abort) {
        downstream.close();
        if (upstream != null) {
          upstream.close();
        }
      } else {
        downstream.end();
        if (upstream != null) {
          upstream.end();
        }
      }
    }
  }

  @Override
  protected Future<Integer> listen(ListenAddress a) {
    NetServerOptions o = new NetServerOptions().setHost(a.host()).setPort(a.port())
        .setTcpNoDelay(true).setReuseAddress(true).setAcceptBacklog(1024)
        .setIdleTimeout((int) options.tcpIdleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    NetServer server = vertx.createNetServer(o).connectHandler(this::accept);
    return server.listen().map(s -> {
      if (closed) {
        s.close();
      } else {
        servers.add(s);
      }
      return s.actualPort();
    });
  }

  private void accept(NetSocket socket) {
    if (socket instanceof NetSocketInternal raw) {
      // take Netty's buffers from the start: what the client sends before the backend answers waits in the
      // connection (paused), not in a queue that switching to the message handler later would drop
      raw.messageHandler(msg -> ReferenceCountUtil.release(msg));
    }
    socket.pause();
    meters.accepted.increment();
    if (closed) {
      socket.close();
      return;
    }
    Connection c = new Connection(socket);
    socket.exceptionHandler(err -> c.finish(true));
    socket.closeHandler(v -> c.finish(false));
    connectNext(c);
  }

  private void connectNext(Connection c) {
    if (c.done) {
      return;
    }
    if (closed) {
      c.finish(true);
      return;
    }
    Backend b = balancer.pick(c.clientIp, System.currentTimeMillis(), c.tried);
    if (b == null) {
      meters.noEndpoints.increment();
      c.finish(true);
      return;
    }
    c.tried.add(b);
    client.connect(b.port(), b.host()).onComplete(ar -> {
      if (ar.failed()) {
        meters.connectErrors.increment();
        LOG.debug("service {}: connect to {} failed: {}", spec.key(), b, ar.cause().getMessage());
        connectNext(c);
        return;
      }
      NetSocket up = ar.result();
      if (c.done || closed || !balancer.backends().contains(b)) {
        up.close();
        if (!c.done && !closed) {
          connectNext(c); // the backend was removed while connecting: another one
        } else {
          c.finish(true);
        }
        return;
      }
      c.upstream = up;
      c.backend = b;
      connections.add(c);
      meters.active.incrementAndGet();
      up.exceptionHandler(err -> c.finish(true));
      up.closeHandler(v -> c.finish(false));
      pipe(c.downstream, up, meters.bytesIn);
      pipe(up, c.downstream, meters.bytesOut);
      c.downstream.resume();
    });
  }

  /**
   * Forwards what {@code from} reads to {@code to}. Through Vert.x's internal socket API the buffers Netty read
   * pass to the other socket as they are (no copy into a heap buffer and back); the public API is the
   * fallback. Either way a full write queue pauses the reader until it drains.
   */
  static void pipe(NetSocket from, NetSocket to, Counter bytes) {
    to.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    if (from instanceof NetSocketInternal in && to instanceof NetSocketInternal out) {
      in.messageHandler(msg -> {
        if (msg instanceof ByteBuf buf) {
          bytes.increment(buf.readableBytes());
          out.writeMessage(buf);
          if (out.writeQueueFull()) {
            in.pause();
            out.drainHandler(v -> in.resume());
          }
        } else {
          ReferenceCountUtil.release(msg);
        }
      });
      in.endHandler(v -> out.end());
      return;
    }
    from.handler(buf -> {
      bytes.increment(buf.length());
      to.write(buf);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
    from.endHandler(v -> to.end());
  }

  @Override
  protected void closeConnectionsNotIn(Set<Backend> keep) {
    for (Connection c : List.copyOf(connections)) {
      if (!keep.contains(c.backend)) {
        c.finish(true);
      }
    }
  }

  @Override
  protected Future<Void> closeListeners() {
    List<Future<Void>> closing = new ArrayList<>();
    for (NetServer s : servers) {
      closing.add(s.close());
    }
    servers.clear();
    return Future.join(closing).mapEmpty();
  }

  int openConnections() {
    return connections.size();
  }
}
