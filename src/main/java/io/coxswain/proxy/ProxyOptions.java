package io.coxswain.proxy;

import java.time.Duration;

/**
 * How the proxy runs.
 *
 * @param mode              loopback (bind cluster IPs) or iptables (redirect them to local ports)
 * @param tcpIdleTimeout    a proxied TCP connection with no traffic either way for this long is closed
 * @param udpIdleTimeout    a UDP flow (client ip:port) with no datagram either way for this long is dropped
 * @param connectTimeout    how long a connect to one backend may take before the next one is tried
 * @param bindRetry         how often a listener that could not bind is tried again
 * @param listenAddress     iptables mode: the address the per-port local listeners bind (0.0.0.0 so that
 *                          redirected traffic from containers and other hosts reaches them)
 * @param iptablesCommand   iptables mode: the iptables command
 * @param resync            how often the informers replay their caches (null or zero: never)
 * @param eventLoops        how many event loops accept and carry TCP connections (at least 1)
 */
public record ProxyOptions(ProxyMode mode, Duration tcpIdleTimeout, Duration udpIdleTimeout, Duration connectTimeout,
                           Duration bindRetry, String listenAddress, String iptablesCommand, Duration resync,
                           int eventLoops) {
  public ProxyOptions {
    if (eventLoops < 1) {
      throw new IllegalArgumentException("eventLoops must be at least 1, not " + eventLoops);
    }
  }

  /** As the canonical constructor, with one event loop per available processor. */
  public ProxyOptions(ProxyMode mode, Duration tcpIdleTimeout, Duration udpIdleTimeout, Duration connectTimeout,
                      Duration bindRetry, String listenAddress, String iptablesCommand, Duration resync) {
    this(mode, tcpIdleTimeout, udpIdleTimeout, connectTimeout, bindRetry, listenAddress, iptablesCommand, resync,
        Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  public static ProxyOptions defaults() {
    return new ProxyOptions(ProxyMode.LOOPBACK, Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(5),
        Duration.ofSeconds(5), "0.0.0.0", "iptables", Duration.ofMinutes(5));
  }

  public ProxyOptions withEventLoops(int n) {
    return new ProxyOptions(mode, tcpIdleTimeout, udpIdleTimeout, connectTimeout, bindRetry, listenAddress,
        iptablesCommand, resync, n);
  }

  public ProxyOptions withMode(ProxyMode m) {
    return new ProxyOptions(m, tcpIdleTimeout, udpIdleTimeout, connectTimeout, bindRetry, listenAddress,
        iptablesCommand, resync,
        eventLoops);
  }

  public ProxyOptions withTcpIdleTimeout(Duration d) {
    return new ProxyOptions(mode, d, udpIdleTimeout, connectTimeout, bindRetry, listenAddress, iptablesCommand, resync,
        eventLoops);
  }

  public ProxyOptions withUdpIdleTimeout(Duration d) {
    return new ProxyOptions(mode, tcpIdleTimeout, d, connectTimeout, bindRetry, listenAddress, iptablesCommand, resync,
        eventLoops);
  }

  public ProxyOptions withBindRetry(Duration d) {
    return new ProxyOptions(mode, tcpIdleTimeout, udpIdleTimeout, connectTimeout, d, listenAddress, iptablesCommand,
        resync,
        eventLoops);
  }

  public ProxyOptions withListenAddress(String a) {
    return new ProxyOptions(mode, tcpIdleTimeout, udpIdleTimeout, connectTimeout, bindRetry, a, iptablesCommand,
        resync,
        eventLoops);
  }
}
