package io.coxswain.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.testing.Explain;
import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The iptables proxy mode on the real kernel and real containers: a master on 127.0.15.1 whose own minion
 * runs with {@code --proxy-mode=iptables}; three busybox httpd pods answering with their name behind a
 * service. New connections to the cluster IP and to the node port are DNATed by the kernel straight to the
 * pods (no proxy process in the path), spread over all three; the kernel's counts of them reach the proxy's
 * meters on the node's /metrics; ClientIP affinity keeps a client on one pod; a service whose endpoints refuse
 * shows it in its error counter; a service without endpoints refuses at once and counts it; the node's
 * chains go when it stops.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IptablesProxyIT {
  static final String ADDRESS = "127.0.15.1";
  static final String NODE = "natit-m";
  static Path root;
  static NodeProcess master;
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    io.coxswain.kubelet.PodClusterSupport.requireDocker();
    io.coxswain.kubelet.PodClusterSupport.removeContainers(NODE);
    root = Files.createTempDirectory("iptables-proxy-it");
    master = NodeProcess.master(root, NODE, ADDRESS, 6443, 2380, "--proxy-mode=iptables",
        "--service-cidr=127.115.0.0/16", "--pod-infra-image=coxswain/pause:1").start()
        .awaitReady(Duration.ofSeconds(60));
    client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(master.clientConfig())
        .withRequestRetryBackoffLimit(3).build()).build();
    client.replicationControllers().resource(webRc(3)).create();
    client.services().resource(service("web", "None")).create();
    client.services().resource(service("sticky", "ClientIP")).create();
    for (String s : new String[] {"web", "sticky"}) {
      Wait.until(s + " has 3 ready endpoints", Duration.ofSeconds(90), () -> {
        Endpoints ep = client.endpoints().withName(s).get();
        return ep != null && ep.getSubsets().stream().mapToInt(x -> x.getAddresses().size()).sum() == 3;
      }, () -> Explain.pods(client, master, 40));
    }
  }

  /** An RC of busybox httpd pods, each serving its own pod name on 8080, ready once it answers. */
  static ReplicationController webRc(int replicas) {
    return httpdRc("web", replicas, 1, "exec httpd -f -p 8080 -h /www");
  }

  /**
   * An RC of httpd pods that, on SIGTERM, serve 3 s more before they stop, as a well-behaved server drains
   * while its endpoint's removal reaches the proxy.
   */
  static ReplicationController drainingRc(String name, int replicas) {
    return httpdRc(name, replicas, 10, "httpd -f -p 8080 -h /www & trap \"sleep 3; kill $!; exit 0\" TERM; wait");
  }

  static ReplicationController httpdRc(String name, int replicas, long grace, String serve) {
    return new ReplicationControllerBuilder().withNewMetadata().withName(name)
        .endMetadata().withNewSpec().withReplicas(replicas).withSelector(Map.of("app", name)).withNewTemplate()
        .withNewMetadata().withLabels(Map.of("app", name)).endMetadata().withNewSpec()
        .withTerminationGracePeriodSeconds(grace)
        .withContainers(new ContainerBuilder().withName("httpd").withImage("coxswain/busybox:1")
            .withCommand("sh", "-c", "mkdir -p /www && echo \"$POD\" > /www/index.html && " + serve)
            .addNewEnv().withName("POD").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
            .endFieldRef().endValueFrom().endEnv()
            .addNewPort().withName("http").withContainerPort(8080).endPort()
            .withNewReadinessProbe().withNewHttpGet().withPath("/").withPort(new IntOrString(8080)).endHttpGet()
            .withPeriodSeconds(1).endReadinessProbe().build())
        .endSpec().endTemplate().endSpec().build();
  }

  static Service service(String name, String affinity) {
    return service(name, "web", affinity);
  }

  static Service service(String name, String app, String affinity) {
    return new ServiceBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withType("NodePort")
        .withSelector(Map.of("app", app)).withSessionAffinity(affinity)
        .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
        .endSpec().build();
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
  }

  /** One HTTP/1.0 request on a new connection (so that the kernel picks an endpoint each time). */
  static String get(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return response.substring(response.indexOf("\r\n\r\n") + 4).trim();
    }
  }

  static Map<String, Integer> spread(String host, int port, int requests) throws IOException {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < requests; i++) {
      seen.merge(get(host, port), 1, Integer::sum);
    }
    return seen;
  }

  static String iptablesSave() throws Exception {
    Process p = new ProcessBuilder("iptables-save").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  static Service svc(String name) {
    return client.services().withName(name).get();
  }

  @Test
  @Order(1)
  void theKernelSpreadsNewConnectionsOverEveryPod() throws Exception {
    Set<String> pods = new HashSet<>();
    client.pods().withLabel("app", "web").list().getItems().forEach(p -> pods.add(p.getMetadata().getName()));
    String ip = svc("web").getSpec().getClusterIP();
    Wait.until("the cluster IP answers", Duration.ofSeconds(30), () -> {
      try {
        return pods.contains(get(ip, 80));
      } catch (IOException e) {
        return false;
      }
    });
    Map<String, Integer> seen = spread(ip, 80, 300);
    assertEquals(pods, seen.keySet(), "every pod reached: " + seen);
    seen.values().forEach(n -> assertTrue(n >= 45, "each pod gets a fair share: " + seen));
    int nodePort = svc("web").getSpec().getPorts().get(0).getNodePort();
    Map<String, Integer> viaNodePort = spread(ADDRESS, nodePort, 60);
    assertEquals(pods, viaNodePort.keySet(), "the node port reaches every pod: " + viaNodePort);
    assertTrue(iptablesSave().contains("--comment \"default/web:http/TCP\""), "rules are in the kernel");
  }

  static double metric(String name, String service) throws Exception {
    return ServiceChecks.metric(master.adminHttp(), ADDRESS, name, service);
  }

  @Test
  @Order(2)
  void theKernelsCountsOfTheServiceReachTheProxysMeters() throws Exception {
    double before = metric("coxswain_proxy_connections_accepted_total", "web");
    String ip = svc("web").getSpec().getClusterIP();
    int requests = 50;
    spread(ip, 80, requests);
    // each request: a connection, a request of about 30 bytes in, a response of about 150 bytes out (plus headers)
    Wait.until("the 50 connections counted", Duration.ofSeconds(30), () ->
        metric("coxswain_proxy_connections_accepted_total", "web") >= before + requests);
    assertTrue(metric("coxswain_proxy_bytes_in_bytes_total", "web") > requests * 30,
        "bytes from the clients counted");
    assertTrue(metric("coxswain_proxy_bytes_out_bytes_total", "web") > requests * 150,
        "bytes to the clients counted");
    assertEquals(0, metric("coxswain_proxy_connect_errors_total", "web"), "no endpoint refused");
  }

  /** A port of this node's address where nothing listens. */
  static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(ADDRESS))) {
      return s.getLocalPort(); // nothing listens there once closed
    }
  }

  /** A selector-less service with port "p" 80 and, by hand, an endpoint at each of {@code ports} of this address. */
  static String selectorLessService(String name, int... ports) {
    client.services().resource(new ServiceBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
        .addNewPort().withName("p").withPort(80).endPort().endSpec().build()).create();
    EndpointsBuilder ep = new EndpointsBuilder().withNewMetadata().withName(name).endMetadata();
    for (int port : ports) {
      ep.addNewSubset().withAddresses(new EndpointAddressBuilder().withIp(ADDRESS).build())
          .addNewPort().withName("p").withPort(port).endPort().endSubset();
    }
    client.endpoints().resource(ep.build()).create();
    return svc(name).getSpec().getClusterIP();
  }

  @Test
  @Order(2)
  void endpointsThatRefuseShowInTheErrorCounter() throws Exception {
    String ip = selectorLessService("dead", deadPort());
    Wait.until("a client of " + ip + ":80 refused by the endpoint, and the refusal counted", Duration.ofSeconds(60),
        () -> {
          try {
            get(ip, 80);
            return false;
          } catch (ConnectException e) {
            return metric("coxswain_proxy_connect_errors_total", "dead") >= 1;
          }
        });
    // the endpoint's rules in place (a client may have met the service before its Endpoints, and been
    // rejected for want of one): more refusals count as errors, not as rejections
    double errors = metric("coxswain_proxy_connect_errors_total", "dead");
    double rejected = metric("coxswain_proxy_no_endpoints_total", "dead");
    for (int i = 0; i < 3; i++) {
      assertThrows(ConnectException.class, () -> get(ip, 80));
    }
    Wait.until("three more refusals counted", Duration.ofSeconds(30),
        () -> metric("coxswain_proxy_connect_errors_total", "dead") >= errors + 3);
    assertEquals(rejected, metric("coxswain_proxy_no_endpoints_total", "dead"), "it has an endpoint: not a rejection");
  }

  @Test
  @Order(2)
  void anEndpointThatRefusesGetsNoNewConnectionsSoonAfter() throws Exception {
    int dead = deadPort();
    try (ServerSocket live = new ServerSocket(0, 50, InetAddress.getByName(ADDRESS))) {
      Thread answering = new Thread(() -> {
        while (!live.isClosed()) {
          try (Socket c = live.accept()) {
            c.getOutputStream().write("HTTP/1.0 200 OK\r\n\r\nlive\n".getBytes(StandardCharsets.US_ASCII));
          } catch (IOException e) {
            return;
          }
        }
      }, "live-endpoint");
      answering.setDaemon(true);
      answering.start();
      // two endpoints on this address: the live one, and a port where nothing listens
      String ip = selectorLessService("half", live.getLocalPort(), dead);
      int[] refused = {0};
      int[] inARow = {0};
      Wait.until("40 answers in a row from " + ip + ":80 once the refusing endpoint is out", Duration.ofSeconds(60),
          () -> {
            try {
              assertEquals("live", get(ip, 80));
              inARow[0]++;
            } catch (ConnectException e) {
              refused[0]++;
              inARow[0] = 0;
            }
            return inARow[0] >= 40;
          });
      assertTrue(refused[0] >= 1, "the dead endpoint was picked at least once before it went out");
      assertTrue(metric("coxswain_proxy_connect_errors_total", "half") >= 1, "its refusals counted");
    }
  }

  @Test
  @Order(2)
  void clientIpAffinityKeepsAClientOnOnePod() throws Exception {
    String ip = svc("sticky").getSpec().getClusterIP();
    Wait.until("the sticky cluster IP answers", Duration.ofSeconds(30), () -> {
      try {
        return !get(ip, 80).isEmpty();
      } catch (IOException e) {
        return false;
      }
    });
    Map<String, Integer> seen = spread(ip, 80, 30);
    assertEquals(1, seen.size(), "one pod for one client: " + seen);
  }

  @Test
  @Order(3)
  void deletingAPodFailsOnlyTheRequestsInFlightOnIt() throws Exception {
    client.replicationControllers().resource(drainingRc("drain", 3)).create();
    client.services().resource(service("drain", "drain", "None")).create();
    Wait.until("drain has 3 ready endpoints", Duration.ofSeconds(90), () -> {
      Endpoints ep = client.endpoints().withName("drain").get();
      return ep != null && ep.getSubsets().stream().mapToInt(x -> x.getAddresses().size()).sum() == 3;
    });
    String ip = svc("drain").getSpec().getClusterIP();
    Wait.forValue("the drain service answers", Duration.ofSeconds(30), () -> ServiceChecks.get(ip, 80));
    ServiceChecks.deletingAPodFailsOnlyTheRequestsInFlight(client, "drain", "drain", ip, 80);
    client.replicationControllers().withName("drain").delete();
  }

  @Test
  @Order(3)
  void aUdpClientThatSentBeforeTheServiceWasThereIsAnsweredOnceItHasEndpoints() throws Exception {
    String ip = "127.115.250.7"; // in --service-cidr, given by the client
    try (java.net.DatagramSocket from = new java.net.DatagramSocket(new java.net.InetSocketAddress("127.0.0.1", 0))) {
      // before the service: the kernel tracks the datagram as a flow to the address itself, untranslated, and
      // keeps the flow while the same socket keeps sending
      ServiceChecks.sendEarly(from, ip);
      try (java.net.DatagramSocket echo = ServiceChecks.udpEchoAnswersThroughTheService(client, "early-echo", ADDRESS,
          ip, from)) {
        assertEquals(ip, svc("early-echo").getSpec().getClusterIP());
      }
    }
  }

  @Test
  @Order(3)
  void aUdpClientOfAnEndpointTakenOutReachesTheOneLeft() throws Exception {
    try (java.net.DatagramSocket a = namedUdpEcho("a"); java.net.DatagramSocket b = namedUdpEcho("b");
         java.net.DatagramSocket from = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.services().resource(new ServiceBuilder().withNewMetadata().withName("two-echo").endMetadata().withNewSpec()
          .addNewPort().withName("udp").withProtocol("UDP").withPort(5353).endPort().endSpec().build()).create();
      client.endpoints().resource(udpEndpoints("two-echo", a, b)).create();
      String ip = svc("two-echo").getSpec().getClusterIP();
      from.setSoTimeout(500);
      String first = Wait.forValue("an answer through " + ip + ":5353", Duration.ofSeconds(60), () -> askOnce(from, ip));
      java.net.DatagramSocket gone = first.equals("a") ? a : b;
      java.net.DatagramSocket left = gone == a ? b : a;
      String leftName = gone == a ? "b" : "a";
      // the endpoint that answered goes away; the same socket (the same flow for the kernel) keeps asking
      client.endpoints().resource(udpEndpoints("two-echo", left)).update();
      gone.close();
      Wait.until("the endpoint left answers the same client", Duration.ofSeconds(60),
          () -> leftName.equals(askOnce(from, ip)));
      client.services().withName("two-echo").delete();
    }
  }

  /** A UDP server on {@link #ADDRESS} answering every datagram with {@code name}. */
  private static java.net.DatagramSocket namedUdpEcho(String name) throws IOException {
    java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress(ADDRESS, 0));
    Thread t = new Thread(() -> {
      byte[] buf = new byte[512];
      byte[] answer = name.getBytes(StandardCharsets.UTF_8);
      while (!s.isClosed()) {
        try {
          java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
          s.receive(p);
          s.send(new java.net.DatagramPacket(answer, answer.length, p.getSocketAddress()));
        } catch (IOException e) {
          return;
        }
      }
    }, "udp-" + name);
    t.setDaemon(true);
    t.start();
    return s;
  }

  private static Endpoints udpEndpoints(String name, java.net.DatagramSocket... servers) {
    EndpointsBuilder b = new EndpointsBuilder().withNewMetadata().withName(name).endMetadata();
    for (java.net.DatagramSocket server : servers) {
      b.addNewSubset().withAddresses(new EndpointAddressBuilder().withIp(ADDRESS).build())
          .addNewPort().withName("udp").withProtocol("UDP").withPort(server.getLocalPort()).endPort().endSubset();
    }
    return b.build();
  }

  /** One datagram to ip:5353 from {@code from}, and the answer's text (null: none within the socket's timeout). */
  private static String askOnce(java.net.DatagramSocket from, String ip) throws IOException {
    byte[] msg = "who".getBytes(StandardCharsets.UTF_8);
    from.send(new java.net.DatagramPacket(msg, msg.length, InetAddress.getByName(ip), 5353));
    java.net.DatagramPacket reply = new java.net.DatagramPacket(new byte[512], 512);
    try {
      from.receive(reply);
    } catch (java.net.SocketTimeoutException e) {
      return null;
    }
    return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
  }

  @Test
  @Order(3)
  void aUdpServiceAnswersThroughTheKernel() throws Exception {
    try (java.net.DatagramSocket echo = ServiceChecks.udpEchoAnswersThroughTheService(client, "echo", ADDRESS)) {
      Wait.until("the datagrams counted", Duration.ofSeconds(30),
          () -> metric("coxswain_proxy_connections_accepted_total", "echo") >= 1
              && metric("coxswain_proxy_bytes_out_bytes_total", "echo") > 0);
    }
  }

  @Test
  @Order(4)
  void scaledToOneEveryRequestReachesIt() throws Exception {
    client.replicationControllers().withName("web").scale(1);
    Endpoints one = Wait.forValue("web with one ready endpoint", Duration.ofSeconds(90), () -> {
      Endpoints ep = client.endpoints().withName("web").get();
      return ep.getSubsets().stream().mapToInt(x -> x.getAddresses() == null ? 0 : x.getAddresses().size()).sum() == 1
          ? ep : null;
    });
    String only = ServiceChecks.endpointPods(one).iterator().next();
    String ip = svc("web").getSpec().getClusterIP();
    // the rules follow the endpoints within a second or so
    Wait.until("the rules sending web's clients to " + only + " alone", Duration.ofSeconds(30), () -> {
      try {
        return spread(ip, 80, 10).keySet().equals(Set.of(only));
      } catch (IOException e) {
        return false; // a pod scaled away, stopping, that the kernel still picked
      }
    });
    assertEquals(Map.of(only, 60), spread(ip, 80, 60));
  }

  @Test
  @Order(5)
  void aServiceWithoutEndpointsRefusesAtOnce() throws Exception {
    client.replicationControllers().withName("web").scale(0);
    String ip = svc("web").getSpec().getClusterIP();
    Wait.until("web's endpoints empty", Duration.ofSeconds(60), () -> {
      Endpoints ep = client.endpoints().withName("web").get();
      return ep.getSubsets().stream().allMatch(x -> x.getAddresses() == null || x.getAddresses().isEmpty());
    });
    double before = metric("coxswain_proxy_no_endpoints_total", "web");
    Wait.until("a connection to the cluster IP is refused, and counted", Duration.ofSeconds(30), () -> {
      try {
        get(ip, 80);
        return false;
      } catch (ConnectException e) {
        return metric("coxswain_proxy_no_endpoints_total", "web") > before;
      }
    });
  }

  @Test
  @Order(6)
  void stoppingTheNodeRemovesItsChains() throws Exception {
    String rules = iptablesSave();
    String chain = new NatRules(ADDRESS).natChain();
    assertTrue(rules.contains(":" + chain + " "), "the node's chain exists while it runs");
    assertEquals(0, master.stop(), master.tail(30));
    String after = iptablesSave();
    assertFalse(after.contains(chain), "no chain of the stopped node is left:\n" + after);
  }
}
