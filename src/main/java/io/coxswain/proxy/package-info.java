/**
 * The service proxy that runs on every node ({@link io.coxswain.proxy.ProxyVerticle}): every service port is
 * reachable at its cluster IP and port on this node, and NodePort services also at the node port on the
 * node's address. It learns Services and Endpoints from two informers; {@link io.coxswain.proxy.ServiceTable}
 * turns them into one {@link io.coxswain.proxy.ServicePortSpec} per port, and a TCP or UDP forwarder per port
 * listens, balances new connections round robin (or by client IP with {@code sessionAffinity: ClientIP}) over
 * the ready endpoints, and pipes bytes both ways with back-pressure on the proxy's event loop.
 *
 * <h2>Modes</h2>
 *
 * <p><b>auto</b> (the default): resolved once when the minion starts ({@link io.coxswain.proxy.AutoProxyMode},
 * the probe {@link io.coxswain.proxy.IptablesProbe}): iptables when the process's effective uid is 0 and
 * iptables answers, else loopback; the minion logs which and why.
 *
 * <p><b>loopback</b> ({@code --proxy-mode=loopback}; auto without root). Cluster IPs come from a range inside
 * 127.0.0.0/8 ({@code --service-cidr=127.100.0.0/16} by default). On Linux every 127.x.y.z address answers on
 * the loopback interface, so the proxy simply binds clusterIP:port, with no firewall rule and no privilege
 * beyond that of binding the port (ports below 1024 need root or CAP_NET_BIND_SERVICE). A cluster IP is then
 * reachable only from processes of the host itself: this mode suits one-host clusters, tests and
 * development, and pods that share the host's network. A container with its own network namespace (the
 * usual pod) has its own loopback and cannot reach it.
 *
 * <p>Several minions on one host (tests, demos) share that host's loopback, so a cluster IP:port is one socket
 * address for all their proxies. The first proxy to bind it serves it; the others log once that it is in use
 * and keep trying, so one of them takes it over within the bind retry when the holder stops. Each proxy still
 * serves node ports on its own node address. SO_REUSEPORT was not chosen: the kernel would spread a client's
 * connections over proxies that each keep their own ClientIP affinity table (breaking session affinity) and
 * would reset connections queued on a proxy that dies. Across hosts nothing changes: one proxy per host.
 *
 * <p><b>userspace</b> ({@code --proxy-mode=userspace}), the original Kubernetes userspace proxy's way, for
 * clusters that span hosts or pods with their own network namespace. Cluster IPs come from a range that is
 * routed nowhere (say {@code --service-cidr=10.96.0.0/16}). For each service port the proxy listens on a free
 * local port ({@code 0.0.0.0:<random>}) and installs, in the nat table, one rule in its own chain
 * {@code COXSWAIN-SERVICES}:
 *
 * <pre>
 * iptables -w -t nat -N COXSWAIN-SERVICES
 * iptables -w -t nat -I OUTPUT     -m comment --comment "coxswain service portals" -j COXSWAIN-SERVICES
 * iptables -w -t nat -I PREROUTING -m comment --comment "coxswain service portals" -j COXSWAIN-SERVICES
 * iptables -w -t nat -A COXSWAIN-SERVICES -p tcp -d 10.96.0.10/32 --dport 80 \
 *     -m comment --comment default/web/TCP -j REDIRECT --to-ports 41234
 * </pre>
 *
 * <p>OUTPUT catches connections made by processes on the host; PREROUTING catches those arriving from
 * containers (through the bridge) and from other hosts. REDIRECT rewrites the destination to this host, where
 * the proxy's listener accepts and forwards to an endpoint (nodeAddress:publishedPort, on any host). Rules are
 * built by {@link io.coxswain.proxy.IptablesRules} and run with {@code ProcessBuilder} on a worker thread; a
 * rule is deleted when its service port goes, and the chain is flushed at start (rules a crashed run left)
 * and removed at stop. This mode needs root (CAP_NET_ADMIN) and the {@code iptables} command; the local
 * listeners bind 0.0.0.0, so firewall them from outside networks if the hosts are exposed.
 *
 * <p><b>iptables</b> ({@code --proxy-mode=iptables}), Kubernetes' iptables mode: no proxy process in the data
 * path. {@link io.coxswain.proxy.NatRules} renders, and {@link io.coxswain.proxy.NatProxy} applies with one
 * atomic {@code iptables-restore --noflush} per change, DNAT rules sending clusterIP:port and every local
 * address's node port straight to an endpoint, chosen by the kernel with equal odds ({@code statistic}),
 * ClientIP affinity by {@code recent}, and a REJECT in the filter table for a port without endpoints. Each
 * node has its own chains ({@code CXS-<hash of its address>}), removed at stop; a start first removes what a
 * crashed run of the same node left. Loopback clients of a 127.0.0.0/8 cluster IP or node port reach
 * endpoints off the host through a masquerade ({@code CXS-<hash>-POST}) and {@code route_localnet}, which
 * the node turns on while it runs (see {@link io.coxswain.proxy.NatRules}). Fastest, and works for any
 * cluster IP range. The per-service meters come from the kernel's counters of per-port mangle and filter
 * chains ({@link io.coxswain.proxy.NatCounters}), read every 2 s. The kernel cannot retry a refused connection
 * on another endpoint; instead an endpoint whose refusals grew is left out of the rules for a while
 * ({@link io.coxswain.proxy.NatProxy#takeOutRefusing}).
 *
 * <h2>Behaviour</h2>
 * <ul>
 *   <li>An endpoint port is matched to a service port by name (the unnamed to the unnamed) and protocol;
 *       services without a selector work the same with the Endpoints the user wrote.</li>
 *   <li>A refused or failed connect tries the next endpoint, up to all of them; with no ready endpoint (or
 *       none that accepts) the client's connection is closed at once.</li>
 *   <li>Endpoint changes apply at once; connections to endpoints that remain are untouched, connections to
 *       removed ones are closed. A changed cluster IP, port or node port rebinds; a deleted service closes its
 *       listeners and connections.</li>
 *   <li>UDP: one flow per client ip:port, each with its own upstream socket, dropped after an idle timeout.</li>
 *   <li>A listener that cannot bind (port in use, no permission) is logged once and retried.</li>
 *   <li>TCP connections are accepted on, and carried by, one event loop per core ({@link
 *       io.coxswain.proxy.ProxyOptions#eventLoops()}); a connection's two sockets share its loop.</li>
 *   <li>Meters per service port are listed in {@link io.coxswain.proxy.PortMeters}; a minion serves them, in
 *       the Prometheus text format, at {@code /metrics} on its kubelet port.</li>
 * </ul>
 */
package io.coxswain.proxy;
