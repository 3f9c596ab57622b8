package io.coxswain.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one service port: its listeners (cluster IP, node port), the balancer over its backends, its open
 * connections or flows and its meters. Every method runs on the proxy's event loop.
 */
abstract class PortForwarder {
  private static final Logger LOG = LoggerFactory.getLogger(PortForwarder.class);

  /**
   * One address to listen on. {@code portal}: the listener for the cluster IP in iptables mode (port 0: any
   * free port, redirected to by an iptables rule once bound).
   */
  record ListenAddress(String host, int port, boolean portal) {
    @Override
    public String toString() {
      return host + ":" + (port == 0 ? "*" : Integer.toString(port));
    }
  }

  protected final Vertx vertx;
  protected final ProxyOptions options;
  protected final PortMeters meters;
  protected final RoundRobinBalancer balancer;
  protected ServicePortSpec spec;
  protected boolean closed;
  private final List<ListenAddress> addresses;
  private final IntConsumer onPortalBound;
  private final Set<ListenAddress> warned = new HashSet<>();
  private final Set<Long> retryTimers = new HashSet<>();
  private int portalPort = -1;

  PortForwarder(Vertx vertx, ServicePortSpec spec, List<ListenAddress> addresses, ProxyOptions options,
                PortMeters meters, IntConsumer onPortalBound) {
    this.vertx = vertx;
    this.spec = spec;
    this.addresses = List.copyOf(addresses);
    this.options = options;
    this.meters = meters;
    this.onPortalBound = onPortalBound;
    this.balancer = new RoundRobinBalancer(spec.backends(), spec.affinitySeconds());
  }

  ServicePortSpec spec() {
    return spec;
  }

  /** The local port of the iptables-mode listener, -1 until it is bound. */
  int portalPort() {
    return portalPort;
  }

  /** Binds every listener; completes once each has bound or failed (a failed one is retried later). */
  Future<Void> start() {
    List<Future<Void>> binds = new ArrayList<>();
    for (ListenAddress a : addresses) {
      binds.add(bind(a));
    }
    return Future.join(binds).mapEmpty();
  }

  private Future<Void> bind(ListenAddress a) {
    if (closed) {
      return Future.succeededFuture();
    }
    return listen(a).<Void>map(port -> {
      if (warned.remove(a)) {
        LOG.info("service {} now listens on {}:{}", spec.key(), a.host(), port);
      }
      if (a.portal()) {
        portalPort = port;
        onPortalBound.accept(port);
      }
      return null;
    }).recover(err -> {
      if (warned.add(a)) {
        LOG.warn("service {} cannot listen on {}: {} (retrying every {} ms; when several nodes or clusters share"
            + " this host, another node's proxy may hold it: give each cluster its own --service-cidr)", spec.key(), a,
            err.getMessage(), options.bindRetry().toMillis());
      } else {
        LOG.debug("service {} still cannot listen on {}: {}", spec.key(), a, err.getMessage());
      }
      if (!closed) {
        long[] id = new long[1];
        id[0] = vertx.setTimer(Math.max(1, options.bindRetry().toMillis()), t -> {
          retryTimers.remove(id[0]);
          bind(a);
        });
        retryTimers.add(id[0]);
      }
      return Future.succeededFuture();
    });
  }

  /** Takes new backends: new connections go to them; those to backends that are gone are closed. */
  void update(ServicePortSpec newSpec) {
    this.spec = newSpec;
    balancer.update(newSpec.backends(), newSpec.affinitySeconds());
    closeConnectionsNotIn(Set.copyOf(newSpec.backends()));
  }

  /** Closes the listeners and every connection, and unregisters the meters. */
  Future<Void> close() {
    closed = true;
    retryTimers.forEach(vertx::cancelTimer);
    retryTimers.clear();
    closeConnectionsNotIn(Set.of());
    meters.remove();
    return closeListeners();
  }

  void expireAffinities(long nowMillis) {
    balancer.expire(nowMillis);
  }

  /** Listens on one address; yields the bound port. */
  protected abstract Future<Integer> listen(ListenAddress a);

  protected abstract Future<Void> closeListeners();

  protected abstract void closeConnectionsNotIn(Set<Backend> keep);
}
