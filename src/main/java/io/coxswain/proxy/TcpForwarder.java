package io.coxswain.proxy;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP service port: accepts, picks a backend (the next one when a connect fails), and pipes both ways with
 * back-pressure: a side whose write queue is full stops the other side's reads until it drains.
 *
 * <p>Each listen address is served from several event loops (the proxy's accept contexts): Vert.x shares one
 * bound socket among the servers of one address and hands accepted connections to their loops in turn. A
 * connection then lives on the loop that accepted it, the backend connect included (the client connects on
 * the caller's context), so its two sockets never cross threads; only the balancer (its monitor), the set of
 * open connections (concurrent) and the meters are shared.
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
  /**
   * SO_RCVBUF and SO_SNDBUF of both sides; Vert.x also reads into buffers of this size (a fixed allocator), so a
   * bulk transfer moves in large chunks: fewer reads, writes and handler calls per byte.
   */
  static final int SOCKET_BUFFER_BYTES = 256 * 1024;

  private final NetClient client;
  private final List<Context> acceptContexts;
  private final List<NetServer> servers = new ArrayList<>();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

  /** @param acceptContexts the event-loop contexts that accept and carry connections (at least one) */
  TcpForwarder(Vertx vertx, NetClient client, List<Context> acceptContexts, ServicePortSpec spec,
               List<ListenAddress> addresses, ProxyOptions options, PortMeters meters, IntConsumer onPortalBound) {
    super(vertx, spec, addresses, options, meters, onPortalBound);
    this.client = client;
    this.acceptContexts = List.copyOf(acceptContexts);
  }

  /** One proxied connection: the client's socket and, once connected, the backend's. */
  private final class Connection {
    final NetSocket downstream;
    final String clientIp;
    final Set<Backend> tried = new HashSet<>();
    volatile NetSocket upstream;
    volatile Backend backend;
    volatile boolean done;

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
     * so that what it read before closing is still forwarded: its end of stream then ends the other side
     * through the pipe, after those bytes ({@link #pipe}).
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
      done = true;
      if (connections.remove(this)) {
        meters.active.decrementAndGet();
      }
    }
  }

  /**
   * Binds on the first accept context, then joins the other contexts to the bound port (port 0 included: they
   * share the port the first one got). A context that cannot join only means fewer loops for this address.
   */
  @Override
  protected Future<Integer> listen(ListenAddress a) {
    return listenOn(acceptContexts.get(0), a.host(), a.port()).compose(port -> {
      List<Future<Integer>> more = new ArrayList<>();
      for (Context ctx : acceptContexts.subList(1, acceptContexts.size())) {
        more.add(listenOn(ctx, a.host(), port).onFailure(err ->
            LOG.debug("service {}: {}:{} on one more event loop: {}", spec.key(), a.host(), port, err.getMessage())));
      }
      return Future.join(more).transform(ar -> Future.succeededFuture(port));
    });
  }

  private Future<Integer> listenOn(Context ctx, String host, int port) {
    NetServerOptions o = new NetServerOptions().setHost(host).setPort(port)
        .setTcpNoDelay(true).setReuseAddress(true).setAcceptBacklog(1024)
        .setReceiveBufferSize(SOCKET_BUFFER_BYTES).setSendBufferSize(SOCKET_BUFFER_BYTES)
        .setIdleTimeout((int) options.tcpIdleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    Promise<Integer> bound = Promise.promise();
    Context home = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      NetServer server = vertx.createNetServer(o).connectHandler(this::accept);
      server.listen().onComplete(ar -> home.runOnContext(x -> {
        if (ar.failed()) {
          bound.fail(ar.cause());
        } else if (closed) {
          ar.result().close();
          bound.complete(ar.result().actualPort());
        } else {
          servers.add(ar.result());
          bound.complete(ar.result().actualPort());
        }
      }));
    });
    return bound.future();
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
    Backend b;
    synchronized (balancer) {
      b = balancer.pick(c.clientIp, System.currentTimeMillis(), c.tried);
    }
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
      if (c.done || closed || !stillBackend(b)) {
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
      meters.active.incrementAndGet();
      connections.add(c);
      up.exceptionHandler(err -> c.abort());
      up.closeHandler(v -> c.sideClosed(up));
      pipe(c.downstream, up, meters.bytesIn);
      pipe(up, c.downstream, meters.bytesOut);
      c.downstream.resume();
    });
  }

  private boolean stillBackend(Backend b) {
    synchronized (balancer) {
      return balancer.backends().contains(b);
    }
  }

  /** Forwards what {@code from} reads to {@code to}; the end of {@code from} ends {@code to}, after its bytes. */
  static void pipe(NetSocket from, NetSocket to, Counter bytes) {
    to.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    boolean[] ending = new boolean[1];
    from.handler(buf -> {
      bytes.increment(buf.length());
      to.write(buf);
      if (!ending[0] && to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
    // Vert.x can tell the end of a socket paused here before the bytes it still holds for it (a client that
    // sent 64 MB and closed while the backend's queue was full: ~300 KB came after the end, and were lost in
    // a backend already ended). Those bytes are in memory by then: no more pausing, let them through, and end
    // the other side in a task after them (the socket's context runs the resumed delivery before it).
    from.endHandler(v -> {
      ending[0] = true;
      from.resume();
      io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
      if (context == null) {
        to.end();
      } else {
        context.runOnContext(x -> to.end());
      }
    });
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
