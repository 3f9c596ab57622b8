package io.coxswain.proxy;

import io.coxswain.client.ClusterClient;
import io.coxswain.client.Informer;
import io.coxswain.client.ListOptions;
import io.coxswain.client.ResourceKind;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Service;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service proxy of a node: every service port reachable at clusterIP:port on this node, and NodePort
 * services also at nodeAddress:nodePort. Services and Endpoints come from two informers (or, with no client,
 * from {@link #putService}/{@link #putEndpoints} calls); each change is applied at once: listeners are bound,
 * rebound or closed, and backends replaced without touching connections to backends that remain.
 *
 * <p>See the package documentation for the loopback, userspace and iptables modes.
 */
public final class ProxyVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyVerticle.class);

  private final ClusterClient client;
  private final String nodeAddress;
  private final ProxyOptions options;
  private final MeterRegistry registry;
  private final CommandRunner runnerOrNull;
  private final ServiceTable table = new ServiceTable();
  private final Map<ServicePortKey, PortForwarder> forwarders = new LinkedHashMap<>();
  private CommandRunner runner;
  private IptablesRules rules;
  private NatProxy nat;
  private NetClient netClient;
  private final List<Context> acceptContexts = new ArrayList<>();
  private Informer<Service> services;
  private Informer<Endpoints> endpoints;
  private long affinityTimer = -1;
  private long counterTimer = -1;
  private boolean reconcileQueued;

  /**
   * @param client      where Services and Endpoints come from; null: only what is put through the methods
   * @param nodeAddress the address NodePort services are served on
   * @param options     mode and timeouts
   * @param registry    where the per-port meters go ({@link PortMeters})
   */
  public ProxyVerticle(ClusterClient client, String nodeAddress, ProxyOptions options, MeterRegistry registry) {
    this(client, nodeAddress, options, registry, null);
  }

  /** As above, with the runner of iptables commands (null: {@link ProcessCommandRunner}). */
  public ProxyVerticle(ClusterClient client, String nodeAddress, ProxyOptions options, MeterRegistry registry,
                       CommandRunner runner) {
    this.client = client;
    this.nodeAddress = nodeAddress;
    this.options = options;
    this.registry = registry;
    this.runnerOrNull = runner;
  }

  @Override
  public Future<?> start() {
    // TCP connections are spread over one event loop per core (this verticle's own first)
    acceptContexts.add(context);
    for (int i = 1; i < options.eventLoops(); i++) {
      acceptContexts.add(((VertxInternal) vertx).createEventLoopContext());
    }
    netClient = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true)
        .setReceiveBufferSize(TcpForwarder.SOCKET_BUFFER_BYTES).setSendBufferSize(TcpForwarder.SOCKET_BUFFER_BYTES)
        .setConnectTimeout((int) Math.max(1, options.connectTimeout().toMillis()))
        .setIdleTimeout((int) options.tcpIdleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
    affinityTimer = vertx.setPeriodic(60_000, id ->
        forwarders.values().forEach(f -> f.expireAffinities(System.currentTimeMillis())));
    Future<Void> ready = Future.succeededFuture();
    if (options.mode() == ProxyMode.USERSPACE) {
      runner = runnerOrNull != null ? runnerOrNull : new ProcessCommandRunner(vertx);
      rules = new IptablesRules(options.iptablesCommand());
      ready = runAll(rules.setup());
    } else if (options.mode() == ProxyMode.IPTABLES) {
      runner = runnerOrNull != null ? runnerOrNull : new ProcessCommandRunner(vertx);
      nat = new NatProxy(runner, options.iptablesCommand(), new NatRules(nodeAddress), registry);
      NatProxy counting = nat;
      counterTimer = vertx.setPeriodic(NatProxy.COUNTER_PERIOD.toMillis(), id -> counting.pollCounters());
      NatProxy starting = nat;
      // what was installed before the failure goes again: a proxy that does not start leaves no rule behind
      ready = nat.start().recover(e -> starting.stop().transform(x -> Future.failedFuture(new IllegalStateException(
          "proxy mode iptables: cannot install the iptables rules (" + e.getMessage() + "): run the node as root"
          + " with the iptables command, or use --proxy-mode=loopback", e))));
    }
    return ready.onSuccess(v -> startInformers());
  }

  private void startInformers() {
    if (client == null) {
      return;
    }
    services = new Informer<>(vertx, client, ResourceKind.SERVICES, null, ListOptions.ALL, options.resync());
    services.addHandler(new Informer.Handler<>() {
      @Override
      public void onAdd(Service obj) {
        table.putService(obj);
        reconcileSoon();
      }

      @Override
      public void onUpdate(Service old, Service obj) {
        table.putService(obj);
        reconcileSoon();
      }

      @Override
      public void onDelete(Service obj) {
        table.removeService(obj.getMetadata().getNamespace(), obj.getMetadata().getName());
        reconcileSoon();
      }
    });
    endpoints = new Informer<>(vertx, client, ResourceKind.ENDPOINTS, null, ListOptions.ALL, options.resync());
    endpoints.addHandler(new Informer.Handler<>() {
      @Override
      public void onAdd(Endpoints obj) {
        table.putEndpoints(obj);
        reconcileSoon();
      }

      @Override
      public void onUpdate(Endpoints old, Endpoints obj) {
        table.putEndpoints(obj);
        reconcileSoon();
      }

      @Override
      public void onDelete(Endpoints obj) {
        table.removeEndpoints(obj.getMetadata().getNamespace(), obj.getMetadata().getName());
        reconcileSoon();
      }
    });
    // not awaited: the proxy serves what it learns whenever the API answers
    services.start();
    endpoints.start();
  }

  @Override
  public Future<?> stop() {
    if (services != null) {
      services.stop();
    }
    if (endpoints != null) {
      endpoints.stop();
    }
    if (affinityTimer >= 0) {
      vertx.cancelTimer(affinityTimer);
    }
    if (counterTimer >= 0) {
      vertx.cancelTimer(counterTimer);
    }
    List<Future<Void>> closing = new ArrayList<>();
    for (PortForwarder f : forwarders.values()) {
      closing.add(f.close());
    }
    forwarders.clear();
    Future<Void> closed = Future.join(closing).mapEmpty();
    if (rules != null) {
      closed = closed.eventually(() -> runAll(rules.teardown()));
    }
    if (nat != null) {
      closed = closed.eventually(() -> nat.stop());
    }
    return closed.eventually(() -> netClient.close());
  }

  /** Adds or replaces a service; completes when its listeners have bound (or failed and will retry). */
  public Future<Void> putService(Service service) {
    return onContext(() -> {
      table.putService(service);
      return reconcile();
    });
  }

  public Future<Void> removeService(String namespace, String name) {
    return onContext(() -> {
      table.removeService(namespace, name);
      return reconcile();
    });
  }

  public Future<Void> putEndpoints(Endpoints ep) {
    return onContext(() -> {
      table.putEndpoints(ep);
      return reconcile();
    });
  }

  public Future<Void> removeEndpoints(String namespace, String name) {
    return onContext(() -> {
      table.removeEndpoints(namespace, name);
      return reconcile();
    });
  }

  /** What is served now. */
  public Future<Map<ServicePortKey, ServicePortSpec>> ports() {
    return onContext(() -> {
      Map<ServicePortKey, ServicePortSpec> out = new LinkedHashMap<>();
      forwarders.forEach((k, f) -> out.put(k, f.spec()));
      return Future.succeededFuture(out);
    });
  }

  /** Iptables mode: the local port clusterIP:port is redirected to (-1: not bound yet or unknown port). */
  public Future<Integer> localPort(ServicePortKey key) {
    return onContext(() -> {
      PortForwarder f = forwarders.get(key);
      return Future.succeededFuture(f == null ? -1 : f.portalPort());
    });
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        action.get().onComplete(p);
      } catch (RuntimeException e) {
        p.fail(e);
      }
    });
    return p.future();
  }

  /** Reconciles once after the events queued now (a list or resync delivers many at once). */
  private void reconcileSoon() {
    if (!reconcileQueued) {
      reconcileQueued = true;
      context.runOnContext(v -> {
        reconcileQueued = false;
        reconcile();
      });
    }
  }

  /** Converges the forwarders on the table: close the gone, rebind the moved, start the new, update the rest. */
  private Future<Void> reconcile() {
    Map<ServicePortKey, ServicePortSpec> wanted = table.ports();
    if (nat != null) {
      nat.apply(wanted.values()); // the kernel forwards: no listener of our own
      return Future.succeededFuture();
    }
    List<Future<Void>> pending = new ArrayList<>();
    for (ServicePortKey key : List.copyOf(forwarders.keySet())) {
      ServicePortSpec spec = wanted.get(key);
      PortForwarder f = forwarders.get(key);
      if (spec == null || !spec.sameListeners(f.spec())) {
        forwarders.remove(key);
        pending.add(close(f));
      }
    }
    Future<Void> closed = Future.join(pending).mapEmpty();
    List<Future<Void>> started = new ArrayList<>();
    for (ServicePortSpec spec : wanted.values()) {
      PortForwarder f = forwarders.get(spec.key());
      if (f != null) {
        f.update(spec);
      } else {
        PortForwarder created = create(spec);
        forwarders.put(spec.key(), created);
        // a moved listener binds once its old one is closed (it may be the same address)
        started.add(closed.transform(ar -> created.start()));
      }
    }
    started.add(closed);
    return Future.join(started).mapEmpty();
  }

  private Future<Void> close(PortForwarder f) {
    LOG.debug("closing service port {}", f.spec().key());
    int local = f.portalPort();
    Future<Void> closed = f.close();
    if (rules != null && local > 0) {
      ServicePortSpec s = f.spec();
      closed = closed.eventually(() -> runner.run(rules.deleteRedirect(s.key(), s.clusterIp(), s.port(), local)))
          .mapEmpty();
    }
    return closed;
  }

  private PortForwarder create(ServicePortSpec spec) {
    List<PortForwarder.ListenAddress> addresses = new ArrayList<>();
    if (options.mode() == ProxyMode.USERSPACE) {
      addresses.add(new PortForwarder.ListenAddress(options.listenAddress(), 0, true));
    } else {
      addresses.add(new PortForwarder.ListenAddress(spec.clusterIp(), spec.port(), false));
    }
    if (spec.nodePort() > 0) {
      addresses.add(new PortForwarder.ListenAddress(nodeAddress, spec.nodePort(), false));
    }
    PortMeters meters = new PortMeters(registry, spec.key(), spec.port());
    java.util.function.IntConsumer onPortal = local -> {
      if (rules != null) {
        runner.run(rules.addRedirect(spec.key(), spec.clusterIp(), spec.port(), local)).onComplete(ar -> {
          if (ar.failed() || ar.result() != 0) {
            LOG.warn("service {}: iptables rule {}:{} -> {} failed ({})", spec.key(), spec.clusterIp(), spec.port(),
                local, ar.failed() ? ar.cause().getMessage() : "exit " + ar.result());
          }
        });
      }
    };
    LOG.debug("serving service port {} at {}", spec.key(), addresses);
    return spec.udp()
        ? new UdpForwarder(vertx, spec, addresses, options, meters, onPortal)
        : new TcpForwarder(vertx, netClient, acceptContexts, spec, addresses, options, meters, onPortal);
  }

  /** Runs commands one after the other; failures are logged, not fatal (a chain may already exist). */
  private Future<Void> runAll(List<List<String>> commands) {
    Future<Void> chain = Future.succeededFuture();
    for (List<String> cmd : commands) {
      chain = chain.transform(ar -> runner.run(cmd).transform(r -> {
        if (r.failed()) {
          LOG.warn("{} failed: {}", String.join(" ", cmd), r.cause().getMessage());
        } else if (r.result() != 0) {
          LOG.debug("{} exited {}", String.join(" ", cmd), r.result());
        }
        return Future.<Void>succeededFuture();
      }));
    }
    return chain;
  }
}
