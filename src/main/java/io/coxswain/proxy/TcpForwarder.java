package io.coxswain.proxy;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
 * back-pressure: a side whose write queue is full stops the other side's reads until it drains.
 *
 * <p>A client's end of stream closes the whole connection once what it sent is written (no half-close).
 * Bytes go through Vert.x's public socket API, which copies each buffer Netty read into a heap buffer; handing
 * Netty's buffers over directly (Vert.x's internal message API) was tried and dropped: it lost the bytes a
 * paused socket had read when its peer closed.
 */
final class TcpForwarder extends PortForwarder {
  private static final Logger LOG = LoggerFactory.getLogger(TcpForwarder.class);
  /** Bytes queued on a socket before reading from its peer stops. */
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

    /** Closes both sides at once (no backend, backend removed, service gone, socket error). */
    void abort() {
      forget();
      downstream.close();
      if (upstream != null) {
        upstream.close();
      }
    }

    /**
     * One side closed. Before the pipe exists that ends the connection. After, the side's reader is resumed
     * so that what it read before closing is still forwarded: its end of stream (which Vert.x delivers after
     * the queued bytes) then ends the other side through the pipe.
     */
    void sideClosed(NetSocket side) {
      if (upstream == null) {
        abort();
        return;
      }
      forget();
      side.resume();
    }

    private void forget() {
      if (!done) {
        done = true;
        if (connections.remove(this)) {
          meters.active.decrementAndGet();
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
    meters.accepted.increment();
    Connection c = new Connection(socket);
    socket.pause();
    if (closed) {
      c.abort();
      return;
    }
    socket.exceptionHandler(err -> c.abort());
    socket.closeHandler(v -> c.sideClosed(socket));
    connectNext(c);
  }

  private void connectNext(Connection c) {
    if (c.done) {
      return;
    }
    if (closed) {
      c.abort();
      return;
    }
    Backend b = balancer.pick(c.clientIp, System.currentTimeMillis(), c.tried);
    if (b == null) {
      meters.noEndpoints.increment();
      c.abort();
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
          c.abort();
        }
        return;
      }
      c.upstream = up;
      c.backend = b;
      connections.add(c);
      meters.active.incrementAndGet();
      up.exceptionHandler(err -> c.abort());
      up.closeHandler(v -> c.sideClosed(up));
      pipe(c.downstream, up, meters.bytesIn);
      pipe(up, c.downstream, meters.bytesOut);
      c.downstream.resume();
    });
  }

  /** Forwards what {@code from} reads to {@code to}; the end of {@code from} ends {@code to}. */
  static void pipe(NetSocket from, NetSocket to, Counter bytes) {
    to.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
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
        c.abort();
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
