package io.coxswain.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * A UDP service port. Each client ip:port is a flow with its own upstream socket (an ephemeral port), so
 * replies from the backend find their way back; the reply leaves through the listener the client wrote to.
 * A flow with no datagram either way for the idle timeout is dropped. New flows are balanced round robin.
 */
final class UdpForwarder extends PortForwarder {
  /** Datagrams kept for a flow while its upstream socket opens. */
  private static final int PENDING_LIMIT = 64;

  private final List<DatagramSocket> listeners = new ArrayList<>();
  private final Map<String, Flow> flows = new HashMap<>();
  private long sweepTimer = -1;

  UdpForwarder(Vertx vertx, ServicePortSpec spec, List<ListenAddress> addresses, ProxyOptions options,
               PortMeters meters, IntConsumer onPortalBound) {
    super(vertx, spec, addresses, options, meters, onPortalBound);
  }

  private final class Flow {
    final String key;
    final DatagramSocket inbound;
    final String clientHost;
    final int clientPort;
    final Backend backend;
    final List<Buffer> pending = new ArrayList<>();
    DatagramSocket upstream;
    long lastActive = System.nanoTime();
    boolean done;

    Flow(String key, DatagramSocket inbound, String clientHost, int clientPort, Backend backend) {
      this.key = key;
      this.inbound = inbound;
      this.clientHost = clientHost;
      this.clientPort = clientPort;
      this.backend = backend;
    }

    void toBackend(Buffer data) {
      lastActive = System.nanoTime();
      meters.bytesIn.increment(data.length());
      if (upstream == null) {
        if (pending.size() < PENDING_LIMIT) {
          pending.add(data);
        }
      } else {
        upstream.send(data, backend.port(), backend.host());
      }
    }

    void close() {
      if (done) {
        return;
      }
      done = true;
      if (flows.remove(key, this)) {
        meters.active.decrementAndGet();
      }
      if (upstream != null) {
        upstream.close();
      }
    }
  }

  @Override
  protected Future<Integer> listen(ListenAddress a) {
    // no SO_REUSEADDR: on UDP it would let a second proxy on this host bind the same cluster IP:port and take
    // datagrams from the first mid-flow (possibly before it knows any endpoint); the second one stands by instead
    DatagramSocket socket = vertx.createDatagramSocket(new DatagramSocketOptions());
    socket.handler(p -> receive(socket, p));
    return socket.listen(a.port(), a.host()).map(s -> {
      if (closed) {
        s.close();
      } else {
        listeners.add(s);
        startSweep();
      }
      return s.localAddress().port();
    });
  }

  private void receive(DatagramSocket inbound, DatagramPacket packet) {
    if (closed) {
      return;
    }
    String host = packet.sender().host();
    int port = packet.sender().port();
    String key = inbound.localAddress() + "|" + host + ":" + port;
    Flow flow = flows.get(key);
    if (flow == null) {
      Backend b;
      synchronized (balancer) {
        b = balancer.pick(host, System.currentTimeMillis(), Set.of());
      }
      if (b == null) {
        meters.noEndpoints.increment();
        return;
      }
      flow = open(key, inbound, host, port, b);
    }
    flow.toBackend(packet.data());
  }

  private Flow open(String key, DatagramSocket inbound, String host, int port, Backend b) {
    Flow flow = new Flow(key, inbound, host, port, b);
    flows.put(key, flow);
    meters.accepted.increment();
    meters.active.incrementAndGet();
    DatagramSocket up = vertx.createDatagramSocket(new DatagramSocketOptions());
    up.handler(reply -> {
      if (!flow.done) {
        flow.lastActive = System.nanoTime();
        meters.bytesOut.increment(reply.data().length());
        flow.inbound.send(reply.data(), flow.clientPort, flow.clientHost);
      }
    });
    String bindHost = b.host().startsWith("127.") ? "127.0.0.1" : "0.0.0.0";
    up.listen(0, bindHost).onComplete(ar -> {
      if (ar.failed()) {
        meters.connectErrors.increment();
        flow.close();
        return;
      }
      if (flow.done) {
        up.close();
        return;
      }
      flow.upstream = up;
      for (Buffer d : flow.pending) {
        up.send(d, b.port(), b.host());
      }
      flow.pending.clear();
    });
    return flow;
  }

  private void startSweep() {
    if (sweepTimer >= 0) {
      return;
    }
    long idleNanos = options.udpIdleTimeout().toNanos();
    long every = Math.max(100, Math.min(1000, options.udpIdleTimeout().toMillis() / 4));
    sweepTimer = vertx.setPeriodic(every, id -> {
      long now = System.nanoTime();
      for (Flow f : List.copyOf(flows.values())) {
        if (now - f.lastActive > idleNanos) {
          f.close();
        }
      }
    });
  }

  @Override
  protected void closeConnectionsNotIn(Set<Backend> keep) {
    for (Flow f : List.copyOf(flows.values())) {
      if (!keep.contains(f.backend)) {
        f.close();
      }
    }
  }

  @Override
  protected Future<Void> closeListeners() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
      sweepTimer = -1;
    }
    List<Future<Void>> closing = new ArrayList<>();
    for (DatagramSocket s : listeners) {
      closing.add(s.close());
    }
    listeners.clear();
    return Future.join(closing).mapEmpty();
  }

  int openFlows() {
    return flows.size();
  }
}
