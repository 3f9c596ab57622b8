package io.coxswain.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Services end to end on real processes and containers: a master on 127.0.7.1 that runs no pods, two minions
 * on 127.0.7.2 and 127.0.7.3, busybox httpd pods that answer with their own name, reached through cluster IPs
 * (from 127.107.0.0/16) and node ports.
 *
 * <p>Both minions run a proxy in loopback mode on one host, so a cluster IP:port is one socket address for both:
 * the first proxy to bind it serves it and the other stands by (it takes the address over when it is freed),
 * while each serves the service's node port on its own address. "Through both proxies" is therefore shown on the
 * node ports, and each proxy's own counters (its {@code /metrics}) prove that it carried the traffic.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServicesIT {
  private static final String MASTER_IP = "127.0.7.1";
  private static final String[] MINION_IPS = {"127.0.7.2", "127.0.7.3"};
  private static final String[] MINIONS = {"svcit-a", "svcit-b"};
  private static final String MASTER = "svcit-m";
  private static final String IMAGE = "coxswain/busybox:1";

  private static Path root;
  private static NodeProcess master;
  private static final List<NodeProcess> minions = new ArrayList<>();
  private static KubernetesClient client;
  private static DatagramSocket udpEcho;

  @BeforeAll
  static void startCluster() throws Exception {
    requireDocker();
    root = Files.createTempDirectory("services-it");
    master = NodeProcess.master(root, MASTER, MASTER_IP, 6443, 2380, "--local-minion=false",
        "--service-cidr=127.107.0.0/16").start();
    master.awaitReady(Duration.ofSeconds(60));
    for (int i = 0; i < 2; i++) {
      minions.add(NodeProcess.minion(root, MINIONS[i], MINION_IPS[i], MASTER_IP + ":6443",
          "--pod-infra-image=coxswain/pause:1").start());
    }
    Config config = new ConfigBuilder(master.clientConfig())
        .withRequestRetryBackoffLimit(0).build();
    client = new KubernetesClientBuilder().withConfig(config).build();
    for (String name : MINIONS) {
      Wait.until("node " + name + " ready", Duration.ofSeconds(60), () -> {
        minions.forEach(m -> {
          if (!m.alive()) {
            throw new AssertionError("minion exited:\n" + m.tail(40));
          }
        });
        Node n = client.nodes().withName(name).get();
        return n != null && n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus()
            .getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
      });
    }
    // three httpd pods, each serving its own name; on SIGTERM each keeps serving 3 s before it stops, as a
    // well-behaved server drains while the endpoint removal reaches the proxies
    client.replicationControllers().resource(new ReplicationControllerBuilder().withNewMetadata().withName("web")
        .endMetadata().withNewSpec().withReplicas(3).withSelector(Map.of("app", "web")).withNewTemplate()
        .withNewMetadata().withLabels(Map.of("app", "web")).endMetadata().withNewSpec()
        .withTerminationGracePeriodSeconds(10L)
        .withContainers(new ContainerBuilder().withName("httpd").withImage(IMAGE)
            .withCommand("sh", "-c", "mkdir -p /www && echo \"$POD\" > /www/index.html && "
                + "httpd -f -p 8080 -h /www & trap \"sleep 3; kill $!; exit 0\" TERM; wait")
            .addNewEnv().withName("POD").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
            .endFieldRef().endValueFrom().endEnv()
            .addNewPort().withName("http").withContainerPort(8080).endPort()
            .withNewReadinessProbe().withNewHttpGet().withPath("/").withPort(new IntOrString(8080)).endHttpGet()
            .withPeriodSeconds(1).endReadinessProbe()
            .build())
        .endSpec().endTemplate().endSpec().build()).create();
    client.services().resource(service("web", "None")).create();
    awaitEndpoints("web", 3);
  }

  private static Service service(String name, String affinity) {
    return new ServiceBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withType("NodePort")
        .withSelector(Map.of("app", "web")).withSessionAffinity(affinity)
        .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
        .endSpec().build();
  }

  private static void requireDocker() throws Exception {
    Process p = new ProcessBuilder("docker", "image", "inspect", IMAGE).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (p.waitFor() != 0) {
      String msg = "no Docker engine or no " + IMAGE + " (run packaging/build-test-image.sh)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(msg);
      }
      org.junit.jupiter.api.Assumptions.abort(msg);
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (client != null) {
      try {
        client.replicationControllers().withName("web").delete();
      } catch (RuntimeException e) {
        // the cluster may be gone already
      }
      client.close();
    }
    if (udpEcho != null) {
      udpEcho.close();
    }
    for (NodeProcess m : minions) {
      m.stop();
    }
    if (master != null) {
      master.stop();
    }
    for (String node : MINIONS) {
      Process ps = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=io.coxswain.node=" + node).start();
      String ids = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      ps.waitFor();
      if (!ids.isEmpty()) {
        List<String> cmd = new ArrayList<>(List.of("docker", "rm", "-f"));
        cmd.addAll(List.of(ids.split("\\s+")));
        new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor(60, TimeUnit.SECONDS);
      }
    }
  }

  // ---- helpers

  private static Endpoints awaitEndpoints(String name, int addresses) {
    return Wait.forValue(name + " with " + addresses + " ready endpoints", Duration.ofSeconds(90), () -> {
      Endpoints ep = client.endpoints().withName(name).get();
      int n = ep == null || ep.getSubsets() == null ? 0
          : ep.getSubsets().stream().mapToInt(s -> s.getAddresses() == null ? 0 : s.getAddresses().size()).sum();
      return n == addresses ? ep : null;
    });
  }

  private static String clusterIp(String name) {
    return client.services().withName(name).get().getSpec().getClusterIP();
  }

  private static int nodePort(String name) {
    return client.services().withName(name).get().getSpec().getPorts().get(0).getNodePort();
  }

  private static String awaitAnswer(String host, int port) {
    return Wait.forValue("an answer from " + host + ":" + port, Duration.ofSeconds(60), () -> ServiceChecks.get(host, port));
  }

  private static Map<String, Integer> spread(String host, int port, int requests) throws IOException {
    Map<String, Integer> hits = new TreeMap<>();
    for (int i = 0; i < requests; i++) {
      hits.merge(ServiceChecks.get(host, port), 1, Integer::sum);
    }
    return hits;
  }

  /** One counter of a service summed over both minions' /metrics (Prometheus text). */
  private static double metric(String name, String service) throws Exception {
    double sum = 0;
    for (String ip : MINION_IPS) {
      sum += metricOn(ip, name, service);
    }
    return sum;
  }

  private static double metricOn(String minionIp, String name, String service) throws Exception {
    return ServiceChecks.metric(master.adminHttp(), minionIp, name, service);
  }


  // ---- the cases

  @Test
  @Order(1)
  void requestsThroughTheClusterIpReachEveryPod() throws Exception {
    String ip = clusterIp("web");
    assertTrue(ip.startsWith("127.107."), ip);
    awaitAnswer(ip, 80);
    Map<String, Integer> hits = spread(ip, 80, 300);
    assertEquals(ServiceChecks.endpointPods(client.endpoints().withName("web").get()), hits.keySet(), "pods reached: " + hits);
    for (Map.Entry<String, Integer> e : hits.entrySet()) {
      assertTrue(e.getValue() >= 60, "each pod gets at least 20 % of 300: " + hits);
    }
  }

  @Test
  @Order(2)
  void theServiceAnswersThroughBothMinionsProxies() throws Exception {
    int nodePort = nodePort("web");
    assertTrue(nodePort > 0);
    for (String minionIp : MINION_IPS) {
      double before = metricOn(minionIp, "coxswain_proxy_connections_accepted_total", "web");
      awaitAnswer(minionIp, nodePort);
      Map<String, Integer> hits = spread(minionIp, nodePort, 30);
      assertEquals(3, hits.size(), "through " + minionIp + ": " + hits);
      double after = metricOn(minionIp, "coxswain_proxy_connections_accepted_total", "web");
      assertTrue(after - before >= 30, minionIp + "'s proxy counted " + (after - before) + " of 30 connections");
    }
    // the cluster IP:port is one address on this host: exactly one proxy holds it, the other stands by
    String standBy = "default/web:http/TCP: " + clusterIp("web") + ":80 is in use (another minion's proxy";
    long standing = minions.stream().filter(m -> m.tail(2000).contains(standBy)).count();
    assertEquals(1, standing, "one minion's proxy stands by for the cluster IP of web");
  }

  @Test
  @Order(3)
  void clientIpAffinityKeepsOneClientOnOnePod() throws Exception {
    client.services().resource(service("sticky", "ClientIP")).create();
    awaitEndpoints("sticky", 3);
    String ip = clusterIp("sticky");
    awaitAnswer(ip, 80);
    Map<String, Integer> hits = spread(ip, 80, 40);
    assertEquals(1, hits.size(), "one client, one pod: " + hits);
    for (String minionIp : MINION_IPS) {
      Map<String, Integer> viaNode = spread(minionIp, nodePort("sticky"), 20);
      assertEquals(1, viaNode.size(), "one client, one pod through " + minionIp + ": " + viaNode);
    }
  }

  @Test
  @Order(4)
  void deletingAPodFailsOnlyTheRequestsInFlightOnIt() throws Exception {
    ServiceChecks.deletingAPodFailsOnlyTheRequestsInFlight(client, "web", "web", clusterIp("web"), 80);
  }

  @Test
  @Order(5)
  void scaledToOneEveryRequestReachesIt() throws Exception {
    client.replicationControllers().withName("web").scale(1);
    Endpoints ep = awaitEndpoints("web", 1);
    String only = ServiceChecks.endpointPods(ep).iterator().next();
    String ip = clusterIp("web");
    Map<String, Integer> hits = spread(ip, 80, 60);
    assertEquals(Map.of(only, 60), hits);
  }

  @Test
  @Order(6)
  void aUdpServiceAnswersThroughTheProxy() throws Exception {
    // the echo server is this test on the first minion's address, behind a selector-less service
    udpEcho = ServiceChecks.udpEchoAnswersThroughTheService(client, "echo", MINION_IPS[0]);
  }

  @Test
  @Order(7)
  void aServiceWithoutEndpointsRefusesPromptly() throws Exception {
    client.services().resource(new ServiceBuilder().withNewMetadata().withName("empty").endMetadata().withNewSpec()
        .withSelector(Map.of("app", "nothing")).addNewPort().withPort(80).withTargetPort(new IntOrString(8080))
        .endPort().endSpec().build()).create();
    String ip = clusterIp("empty");
    Wait.until("the proxy rejecting a client of " + ip + ":80", Duration.ofSeconds(60),
        () -> closedWithoutData(ip, 80) && metric("coxswain_proxy_no_endpoints_total", "empty") >= 1);
  }

  @Test
  @Order(8)
  void endpointsThatAllRefuseShowInTheCounters() throws Exception {
    int[] dead = {freePort(MINION_IPS[0]), freePort(MINION_IPS[1])};
    client.services().resource(new ServiceBuilder().withNewMetadata().withName("dead").endMetadata().withNewSpec()
        .addNewPort().withName("p").withPort(80).endPort().endSpec().build()).create();
    client.endpoints().resource(new EndpointsBuilder().withNewMetadata().withName("dead").endMetadata()
        .addNewSubset().withAddresses(new EndpointAddressBuilder().withIp(MINION_IPS[0]).build())
        .addNewPort().withName("p").withPort(dead[0]).endPort().endSubset()
        .addNewSubset().withAddresses(new EndpointAddressBuilder().withIp(MINION_IPS[1]).build())
        .addNewPort().withName("p").withPort(dead[1]).endPort().endSubset().build()).create();
    String ip = clusterIp("dead");
    Wait.until("a client of " + ip + ":80 turned away after every endpoint refused", Duration.ofSeconds(60),
        () -> closedWithoutData(ip, 80) && metric("coxswain_proxy_connect_errors_total", "dead") >= 2
            && metric("coxswain_proxy_no_endpoints_total", "dead") >= 1);
  }

  /** Connects and sends a request; true when the proxy closes the connection without a byte of answer. */
  private static boolean closedWithoutData(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 5000);
      s.setSoTimeout(10_000);
      try {
        s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        return in.read() == -1;
      } catch (IOException e) {
        return e.getMessage() != null && e.getMessage().contains("reset");
      }
    }
  }

  private static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(host, 0));
      return s.getLocalPort();
    }
  }
}
