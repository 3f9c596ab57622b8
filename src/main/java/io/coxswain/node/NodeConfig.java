package io.coxswain.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Everything a node process is started with, built once by the command line and passed down. Immutable.
 *
 * @param role               master or minion
 * @param join               API address (host:port) of any master to join, or null to bootstrap a new cluster
 * @param dataDir            where the store (masters) and node state live
 * @param address            the address this node binds and advertises (tests use 127.0.0.N)
 * @param apiPort            the API server port (masters)
 * @param peerPort           the Raft port between masters
 * @param nodeName           this node's name (the Raft member id of a master, the Node name of a minion)
 * @param serviceCidr        the range cluster IPs come from
 * @param historyCount       how many changes the watch history keeps at most
 * @param historyAge         how long the watch history keeps a change at most
 * @param localMinion        whether a master also runs a minion of itself
 * @param minion             the minion's settings (minions, and a master's local minion)
 * @param nodeMonitorGrace   heartbeat age after which a node is Ready=Unknown (masters)
 * @param podEvictionTimeout time after that until the node's pods are deleted (masters)
 * @param joinToken          the token presented when joining through {@code join} (null: none given; a node
 *                           that joined before uses the certificate it got then)
 */
public record NodeConfig(
    Role role,
    String join,
    Path dataDir,
    String address,
    int apiPort,
    int peerPort,
    String nodeName,
    String serviceCidr,
    int historyCount,
    Duration historyAge,
    boolean localMinion,
    MinionSettings minion,
    Duration nodeMonitorGrace,
    Duration podEvictionTimeout,
    String joinToken) {

  public enum Role { MASTER, MINION }

  /**
   * @param runtimeEndpoint  the container runtime socket (null: DOCKER_HOST, then Docker's, then Podman's)
   * @param infraImage       the image of pods' infra containers
   * @param kubeletPort      the kubelet's own port (logs, exec, stats)
   * @param labels           extra labels of the Node
   * @param reservedCpuMilli cpu kept back from allocatable
   * @param reservedMemory   memory kept back from allocatable, bytes
   * @param maxPods          pods this node takes at most
   * @param hollow           run this many hollow minions (fake runtime) instead of one real one; 0 for real
   * @param heartbeat        how often the Node status is written
   * @param proxyMode        the {@code --proxy-mode} as given: auto (resolved when the minion starts, see
   *                         {@link io.coxswain.proxy.AutoProxyMode}), loopback, userspace or iptables
   */
  public record MinionSettings(String runtimeEndpoint, String infraImage, int kubeletPort, Map<String, String> labels,
                               long reservedCpuMilli, long reservedMemory, int maxPods, int hollow,
                               Duration heartbeat, String proxyMode) {
    public MinionSettings {
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
  }

  public String apiAddress() {
    return address + ":" + apiPort;
  }

  public String peerAddress() {
    return address + ":" + peerPort;
  }

  /** The same settings for a master's local minion, joining the master itself. */
  public NodeConfig asLocalMinion() {
    return new NodeConfig(Role.MINION, apiAddress(), dataDir.resolve("minion"), address, apiPort, peerPort, nodeName,
        serviceCidr, historyCount, historyAge, false, minion, nodeMonitorGrace, podEvictionTimeout, null);
  }
}
