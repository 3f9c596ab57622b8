package io.coxswain.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The meters of one proxied service port, tagged {@code namespace}, {@code service}, {@code port} (name, or
 * number when unnamed) and {@code protocol}. For UDP a "connection" is a flow (one client ip:port).
 */
public final class PortMeters {
  public static final String ACCEPTED = "coxswain.proxy.connections.accepted";
  public static final String ACTIVE = "coxswain.proxy.connections.active";
  /** Bytes from clients to backends. */
  public static final String BYTES_IN = "coxswain.proxy.bytes.in";
  /** Bytes from backends to clients. */
  public static final String BYTES_OUT = "coxswain.proxy.bytes.out";
  /** Connects to a backend that failed (refused, unreachable, timed out), each one counted. */
  public static final String CONNECT_ERRORS = "coxswain.proxy.connect.errors";
  /** Connections closed at once because the service had no ready backend (or none accepted). */
  public static final String NO_ENDPOINTS = "coxswain.proxy.no.endpoints";

  final Counter accepted;
  final Counter bytesIn;
  final Counter bytesOut;
  final Counter connectErrors;
  final Counter noEndpoints;
  final AtomicInteger active = new AtomicInteger();
  private final Gauge activeGauge;
  private final MeterRegistry registry;

  public PortMeters(MeterRegistry registry, ServicePortKey key, int portNumber) {
    this(registry, key, portNumber, true);
  }

  /**
   * @param withActive whether to register the gauge of open connections (the iptables mode, where the kernel
   *                   forwards and only counts, has none)
   */
  public PortMeters(MeterRegistry registry, ServicePortKey key, int portNumber, boolean withActive) {
    this.registry = registry;
    Tags tags = tags(key, portNumber);
    accepted = Counter.builder(ACCEPTED).tags(tags).description("connections (TCP) or flows (UDP) accepted")
        .register(registry);
    bytesIn = Counter.builder(BYTES_IN).tags(tags).baseUnit("bytes").description("bytes from clients to backends")
        .register(registry);
    bytesOut = Counter.builder(BYTES_OUT).tags(tags).baseUnit("bytes").description("bytes from backends to clients")
        .register(registry);
    connectErrors = Counter.builder(CONNECT_ERRORS).tags(tags).description("failed connects to backends")
        .register(registry);
    noEndpoints = Counter.builder(NO_ENDPOINTS).tags(tags).description("clients rejected for want of a backend")
        .register(registry);
    activeGauge = withActive ? Gauge.builder(ACTIVE, active, AtomicInteger::get).tags(tags)
        .description("open connections (TCP) or flows (UDP)").register(registry) : null;
  }

  public static Tags tags(ServicePortKey key, int portNumber) {
    return Tags.of("namespace", key.namespace(), "service", key.service(), "port", key.portTag(portNumber),
        "protocol", key.protocol());
  }

  /** Unregisters the meters (the service port is gone). */
  public void remove() {
    for (Meter m : List.<Meter>of(accepted, bytesIn, bytesOut, connectErrors, noEndpoints)) {
      registry.remove(m);
    }
    if (activeGauge != null) {
      registry.remove(activeGauge);
    }
  }
}
