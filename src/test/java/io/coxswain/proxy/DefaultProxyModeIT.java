package io.coxswain.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.coxswain.testing.Explain;
import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The default proxy mode as a user meets it: a master on 127.0.21.1 started without {@code --proxy-mode}, by
 * root (as CI runs), chooses iptables and says so; a busybox httpd pod behind a NodePort service in the
 * default kind of range (inside 127.0.0.0/8) answers at its cluster IP and at the node port on the node
 * address, with no proxy socket listening on the cluster IP (the kernel forwards). Killed, the node leaves its
 * chains; started again it first removes what the crashed run left (and nothing of another node's); stopped
 * with SIGTERM, it removes its chains and jumps.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DefaultProxyModeIT {
  static final String ADDRESS = "127.0.21.1";
  static final String NODE = "pd-auto-m";
  static final NatRules MINE = new NatRules(ADDRESS);
  /** Another node's chains (127.0.21.9 runs nothing): a restart must leave them alone. */
  static final NatRules OTHER = new NatRules("127.0.21.9");
  static Path root;
  static NodeProcess master;
  static KubernetesClient client;
  static final Path ROUTE_LOCALNET = Path.of("/proc/sys/net/ipv4/conf/all/route_localnet");
  /** The host's route_localnet before the test (the node turns it on; the test puts it back). */
  static String routeLocalnetBefore;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(AutoProxyMode.effectiveUid(Files.readString(Path.of("/proc/self/status"))) == 0,
        "the default becomes iptables only as root (CI runs as root)");
    io.coxswain.kubelet.PodClusterSupport.requireDocker();
    io.coxswain.kubelet.PodClusterSupport.removeContainers(NODE);
    removeChains(MINE);
    removeChains(OTHER);
    routeLocalnetBefore = Files.readString(ROUTE_LOCALNET).trim();
    root = Files.createTempDirectory("default-proxy-mode-it");
    master = NodeProcess.master(root, NODE, ADDRESS, 6443, 2380, "--service-cidr=127.121.0.0/16",
        "--pod-infra-image=coxswain/pause:1").withDefaultProxyMode().start().awaitReady(Duration.ofSeconds(90));
    client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(master.clientConfig())
        .withRequestRetryBackoffLimit(3).build()).build();
    client.replicationControllers().resource(IptablesProxyIT.webRc(1)).create();
    client.services().resource(IptablesProxyIT.service("web", "None")).create();
    Wait.until("node " + NODE + " is Ready", Duration.ofSeconds(60), () -> {
      io.fabric8.kubernetes.api.model.Node n = client.nodes().withName(NODE).get();
      return n != null && n.getStatus().getConditions().stream()
          .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }, () -> Explain.pods(client, master, 40));
    Wait.until("web has a ready endpoint", Duration.ofSeconds(90), () -> {
      Endpoints ep = client.endpoints().withName("web").get();
      return ep != null && ep.getSubsets().stream().mapToInt(x -> x.getAddresses().size()).sum() == 1;
    }, () -> Explain.pods(client, master, 40));
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (master != null) {
      master.close();
    }
    io.coxswain.kubelet.PodClusterSupport.removeContainers(NODE);
    removeChains(MINE);
    removeChains(OTHER);
    // as it was, unless another node in iptables mode runs here
    List<String> left = iptables("-t", "nat", "-S").lines().filter(l -> l.startsWith("-N " + NatRules.PREFIX))
        .toList();
    if (routeLocalnetBefore != null && left.stream().allMatch(l -> l.equals("-N " + NatRules.LOCALNET_MARK))) {
      if (!left.isEmpty()) {
        iptables("-t", "nat", "-X", NatRules.LOCALNET_MARK);
      }
      Files.writeString(ROUTE_LOCALNET, routeLocalnetBefore);
    }
  }

  @Test
  @Order(1)
  void rootWithoutAFlagGetsIptablesAndTheKernelServesTheClusterIpAndNodePort() throws Exception {
    String log = Files.readString(master.logFile());
    assertTrue(log.contains("proxy mode auto: iptables (running as root with iptables v"), master.tail(40));
    String pod = client.pods().withLabel("app", "web").list().getItems().get(0).getMetadata().getName();
    String ip = client.services().withName("web").get().getSpec().getClusterIP();
    assertTrue(ip.startsWith("127.121."), ip);
    Wait.until("the cluster IP answers with the pod's name", Duration.ofSeconds(30), () -> answers(ip, 80, pod));
    int nodePort = client.services().withName("web").get().getSpec().getPorts().get(0).getNodePort();
    Wait.until("the node port answers on the node address", Duration.ofSeconds(30),
        () -> answers(ADDRESS, nodePort, pod));
    String nat = iptables("-t", "nat", "-S");
    assertTrue(nat.contains("-A OUTPUT -m comment --comment \"coxswain services " + MINE.natChain() + "\" -j "
        + MINE.natChain()), nat);
    assertTrue(nat.lines().anyMatch(l -> l.startsWith("-A " + MINE.natChain() + " -d " + ip + "/32 ")
        && l.contains("--dport 80 ")), "the cluster IP's rule is in the node's chain:\n" + nat);
    assertFalse(listening(ip, 80), "no process listens on the cluster IP: the kernel forwards");
    assertFalse(listening(ADDRESS, nodePort), "nor on the node port");
    assertEquals("1", Files.readString(ROUTE_LOCALNET).trim(), "loopback clients may be DNATed off the host");
    assertTrue(nat.contains("-A POSTROUTING -m comment --comment \"coxswain services " + MINE.postChain() + "\" -j "
        + MINE.postChain()), nat);
  }

  @Test
  @Order(2)
  void aRestartAfterACrashFirstRemovesWhatTheCrashedRunLeft() throws Exception {
    master.kill();
    assertTrue(iptables("-t", "nat", "-S").contains("-N " + MINE.natChain()), "a killed node leaves its chains");
    // chains of a service the crashed run served and that went meanwhile, and of another node on this host
    String stale = MINE.natChain() + "-0123456789";
    String others = OTHER.natChain() + "-0123456789";
    iptables("-t", "nat", "-N", stale);
    iptables("-t", "nat", "-N", others);
    master.start().awaitReady(Duration.ofSeconds(90));
    // the API is ready before the local minion (and its proxy, which clears leftovers) has started, and the
    // crashed run's rules still answer meanwhile: wait for the restarted run's minion (the same log file)
    String started = "minion " + NODE + " running on";
    Wait.until("the restarted node's minion is running", Duration.ofSeconds(90),
        () -> Files.readString(master.logFile()).split(java.util.regex.Pattern.quote(started), -1).length - 1 == 2);
    String pod = client.pods().withLabel("app", "web").list().getItems().get(0).getMetadata().getName();
    String ip = client.services().withName("web").get().getSpec().getClusterIP();
    Wait.until("the cluster IP answers again", Duration.ofSeconds(60), () -> answers(ip, 80, pod));
    String nat = iptables("-t", "nat", "-S");
    assertFalse(nat.contains(stale), "the crashed run's chain is gone:\n" + nat);
    assertTrue(nat.contains("-N " + others), "another node's chain stays:\n" + nat);
    for (String from : List.of("OUTPUT", "PREROUTING")) {
      long jumps = nat.lines().filter(l -> l.startsWith("-A " + from + " ") && l.endsWith("-j " + MINE.natChain()))
          .count();
      assertEquals(1, jumps, "one jump from " + from + " into the node's chain:\n" + nat);
    }
  }

  @Test
  @Order(3)
  void sigtermRemovesTheNodesChainsAndJumps() throws Exception {
    assertEquals(0, master.stop(), master.tail(30));
    for (String table : List.of("nat", "filter")) {
      String rules = iptables("-t", table, "-S");
      assertFalse(rules.contains(MINE.natChain()), "nothing of the stopped node in " + table + ":\n" + rules);
    }
    String nat = iptables("-t", "nat", "-S");
    assertTrue(nat.contains("-N " + OTHER.natChain() + "-0123456789"), nat);
    if (nat.contains("-N " + NatRules.LOCALNET_MARK)) {
      // the node turned route_localnet on; another node's chains are left, so it stays on for that one
      assertEquals("1", Files.readString(ROUTE_LOCALNET).trim());
    }
  }

  static boolean answers(String host, int port, String body) {
    try {
      return body.equals(IptablesProxyIT.get(host, port));
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether a TCP socket listens on host:port, from the kernel's own table (IPv4, this network namespace). */
  static boolean listening(String host, int port) throws IOException {
    String[] octets = host.split("\\.");
    String hex = String.format(Locale.ROOT, "%02X%02X%02X%02X:%04X", Integer.parseInt(octets[3]),
        Integer.parseInt(octets[2]), Integer.parseInt(octets[1]), Integer.parseInt(octets[0]), port);
    String any = String.format(Locale.ROOT, "00000000:%04X", port);
    return Files.readAllLines(Path.of("/proc/net/tcp")).stream().skip(1).map(l -> l.trim().split("\\s+"))
        .anyMatch(f -> (f[1].equals(hex) || f[1].equals(any)) && f[3].equals("0A"));
  }

  static String iptables(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("iptables", "-w"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    return out;
  }

  /** Removes a node's jumps and chains, whatever a failed run left. */
  static void removeChains(NatRules node) throws Exception {
    for (String table : List.of("nat", "filter")) {
      String rules = iptables("-t", table, "-S");
      for (String l : rules.lines().toList()) {
        String[] f = l.split(" ");
        if (l.startsWith("-A ") && !node.owns(f[1]) && f[f.length - 1].startsWith(node.natChain())) {
          List<String> delete = new ArrayList<>(List.of("sh", "-c", "iptables -w -t " + table + " -D "
              + l.substring(3)));
          new ProcessBuilder(delete).redirectErrorStream(true).start().waitFor();
        }
      }
      List<String> chains = rules.lines().filter(l -> l.startsWith("-N ")).map(l -> l.substring(3).trim())
          .filter(node::owns).toList();
      for (String c : chains) {
        iptables("-t", table, "-F", c);
      }
      for (String c : chains) {
        iptables("-t", table, "-X", c);
      }
    }
  }
}
