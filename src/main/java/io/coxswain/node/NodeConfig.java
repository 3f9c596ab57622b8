package io.coxswain.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything a node process is started with, built once by the command line and passed down. Immutable.
 *
 * @param role           master or minion
 * @param join           API address (host:port) of any master to join, or null to bootstrap a new cluster
 * @param dataDir        where the store (masters) and node state live
 * @param address        the address this node binds and advertises (tests use 127.0.0.N)
 * @param apiPort        the API server port (masters)
 * @param peerPort       the Raft port between masters
 * @param nodeName       this node's name (the Raft member id of a master, the Node name of a minion)
 * @param serviceCidr    the range cluster IPs come from
 * @param historyCount   how many changes the watch history keeps at most
 * @param historyAge     how long the watch history keeps a change at most
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
    Map<String, String> extra) {

  public enum Role { MASTER, MINION }

  public NodeConfig {
    extra = extra == null ? Map.of() : Map.copyOf(extra);
  }

  public String apiAddress() {
    return address + ":" + apiPort;
  }

  public String peerAddress() {
    return address + ":" + peerPort;
  }

  public static List<String> roles() {
    return List.of("master", "minion");
  }
}
