package io.coxswain.security;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A master's certificates, in {@code DATA_DIR/pki}: the cluster CA (made by the first master, received
 * by the others when they join), the API's serving certificate (made fresh at every start, for the
 * addresses this master answers on), the master's own client identity (an admin) for its internal clients,
 * its Raft peer identity (serving and client, group {@link Identity#PEERS}: the only identity the peer port
 * lets in), and {@code DATA_DIR/admin.kubeconfig} written once for the cluster's administrator (its certificate and key
 * also as {@code pki/admin.crt} and {@code pki/admin.key}, for curl).
 */
public record MasterPki(CertificateAuthority ca, Credentials serving, Credentials self, Credentials peer,
                        Path adminKubeconfig) {
  public static final String ADMIN_KUBECONFIG = "admin.kubeconfig";
  public static final String CLUSTER_NAME = "coxswain";

  public static Path dir(Path dataDir) {
    return dataDir.resolve("pki");
  }

  /**
   * @param address   this master's --address
   * @param serviceIp the cluster IP of the kubernetes service
   */
  public static MasterPki prepare(Path dataDir, String nodeName, String address, int apiPort, String serviceIp)
      throws IOException {
    return prepare(dataDir, nodeName, address, apiPort, serviceIp, false);
  }

  /** As above; {@code renewAdmin} also writes the admin kubeconfig afresh (a rotation). */
  public static MasterPki prepare(Path dataDir, String nodeName, String address, int apiPort, String serviceIp,
                                  boolean renewAdmin) throws IOException {
    Path dir = dir(dataDir);
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, nodeName);
    Credentials serving = ca.newIdentity("kube-apiserver:" + nodeName, List.of(), servingNames(address, serviceIp), false);
    serving.save(dir, "apiserver");
    Credentials self = ca.newIdentity("coxswain:master:" + nodeName, List.of(Identity.ADMINS), List.of(), true);
    Credentials peer = ca.newIdentity("coxswain:peer:" + nodeName, List.of(Identity.PEERS),
        servingNames(address, null), true);
    peer.save(dir, "peer");
    Path kubeconfig = dataDir.resolve(ADMIN_KUBECONFIG);
    if (renewAdmin || !Files.exists(kubeconfig)) {
      Credentials admin = ca.newIdentity("admin", List.of(Identity.ADMINS), List.of(), true);
      admin.save(dir, "admin"); // the same identity as PEM files, for curl and scripts
      KubeconfigFile.write(kubeconfig, "https://" + hostPort(address, apiPort), CLUSTER_NAME, "admin", admin);
    }
    return new MasterPki(ca, serving, self, peer, kubeconfig);
  }

  static String hostPort(String address, int port) {
    return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
  }

  static List<String> servingNames(String address, String serviceIp) {
    Set<String> names = new LinkedHashSet<>(List.of(address, "127.0.0.1", "localhost", "kubernetes", "kubernetes.default",
        "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"));
    if (serviceIp != null) {
      names.add(serviceIp);
    }
    try {
      names.add(InetAddress.getLocalHost().getHostName());
    } catch (IOException e) {
      // no host name to add
    }
    if (address.equals("0.0.0.0")) {
      names.remove("0.0.0.0");
    }
    return new ArrayList<>(names);
  }

  /** A node's identity, signed here directly (a master's local minion), naming its address for its kubelet port. */
  public Credentials nodeIdentity(String nodeName, String address) {
    return ca.newIdentity(Identity.NODE_PREFIX + nodeName, List.of(Identity.NODES), List.of(address), true, true);
  }
}
