package io.coxswain.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.net.NetServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy on real sockets in 127.0.0.0/8, with Vert.x servers as backends that answer with their names. */
class ProxyVerticleTest {
  static final String NODE = "127.0.0.1";
  private static final AtomicInteger NEXT_IP = new AtomicInteger(1);

  private Vertx vertx;
  private MeterRegistry registry;
  private ProxyVerticle proxy;
  private final List<NetServer> tcpBackends = new ArrayList<>();
  private final List<DatagramSocket> udpBackends = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
    proxy = new ProxyVerticle(null, NODE, ProxyOptions.defaults().withBindRetry(Duration.ofMillis(200))
        .withUdpIdleTimeout(Duration.ofMillis(500)), registry);
    await(vertx.deployVerticle(proxy));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  // ---- fixtures

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
    waitFor(what, condition, () -> "");
  }

  static void waitFor(String what, BooleanSupplier condition, java.util.function.Supplier<String> state)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + " " + state.get());
      }
      Thread.sleep(20);
    }
  }

  /** A fresh cluster IP per service so tests never share a listener. */
  static String clusterIp() {
    int n = NEXT_IP.getAndIncrement() + (int) (ProcessHandle.current().pid() % 200) * 250;
    return "127.100." + (n / 250 % 250 + 1) + "." + (n % 250 + 1);
  }

  static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(host, 0));
      return s.getLocalPort();
    }
  }

  /** A TCP backend that writes its name and a newline, then echoes. */
  Backend tcpBackend(String name) throws Exception {
    NetServer server = vertx.createNetServer().connectHandler(s -> {
      s.write(name + "\n");
      s.handler(s::write);
    });
    await(server.listen(0, "127.0.0.1"));
    tcpBackends.add(server);
    return new Backend("127.0.0.1", server.actualPort());
  }

  /** A UDP backend answering each datagram with "name:" and the datagram. */
  Backend udpBackend(String name) throws Exception {
    DatagramSocket socket = vertx.createDatagramSocket();
    socket.handler(p -> socket.send(Buffer.buffer(name + ":").appendBuffer(p.data()), p.sender().port(),
        p.sender().host()));
    await(socket.listen(0, "127.0.0.1"));
    udpBackends.add(socket);
    return new Backend("127.0.0.1", socket.localAddress().port());
  }

  static Service service(String name, String ip, int port, String protocol) {
    return new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name).endMetadata()
        .withNewSpec().withClusterIP(ip).addNewPort().withProtocol(protocol).withPort(port).endPort().endSpec().build();
  }

  static Endpoints endpoints(String name, String protocol, Backend... backends) {
    EndpointsBuilder b = new EndpointsBuilder().withNewMetadata().withNamespace("default").withName(name).endMetadata();
    for (Backend be : backends) {
      b.addNewSubset().addNewAddress().withIp(be.host()).endAddress()
          .addNewPort().withProtocol(protocol).withPort(be.port()).endPort().endSubset();
    }
    return b.build();
  }

  /** Connects, reads the backend's name line; the socket is left open. */
  static Socket connect(String host, int port) throws IOException {
    Socket s = new Socket();
    s.setSoTimeout(10_000);
    s.connect(new InetSocketAddress(host, port), 5_000);
    return s;
  }

  static String readLine(Socket s) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = s.getInputStream().read()) != -1 && c != '\n') {
      b.append((char) c);
    }
    return c == -1 && b.length() == 0 ? null : b.toString();
  }

  /** Whether a connect is refused (nothing listens); a connection that opens is closed again. */
  static boolean refused(String host, int port) {
    try (Socket s = connect(host, port)) {
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static String nameAt(String host, int port) throws IOException {
    try (Socket s = connect(host, port)) {
      return readLine(s);
    }
  }

  double count(String meter, String service) {
    var c = registry.find(meter).tag("service", service).counter();
    return c == null ? -1 : c.count();
  }

  double gauge(String meter, String service) {
    var g = registry.find(meter).tag("service", service).gauge();
    return g == null ? -1 : g.value();
  }

  // ---- tests

  @Test
  void roundRobinReachesEveryBackend() throws Exception {
    String ip = clusterIp();
    Backend a = tcpBackend("a"), b = tcpBackend("b"), c = tcpBackend("c");
    await(proxy.putService(service("rr", ip, 8080, "TCP")));
    await(proxy.putEndpoints(endpoints("rr", "TCP", a, b, c)));
    Map<String, Integer> hits = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      hits.merge(nameAt(ip, 8080), 1, Integer::sum);
    }
    assertEquals(Set.of("a", "b", "c"), hits.keySet());
    for (Map.Entry<String, Integer> e : hits.entrySet()) {
      assertTrue(e.getValue() >= 60, "backend " + e.getKey() + " got " + e.getValue() + " of 300");
    }
    assertEquals(300.0, count(PortMeters.ACCEPTED, "rr"));
    waitFor("bytes out counted", () -> count(PortMeters.BYTES_OUT, "rr") >= 600);
    waitFor("no connection left open", () -> gauge(PortMeters.ACTIVE, "rr") == 0);
  }

  @Test
  void anEstablishedConnectionSurvivesEndpointChangesThatKeepItsBackend() throws Exception {
    String ip = clusterIp();
    Backend a = tcpBackend("a"), b = tcpBackend("b");
    await(proxy.putService(service("keep", ip, 8080, "TCP")));
    await(proxy.putEndpoints(endpoints("keep", "TCP", a, b)));
    try (Socket s = connect(ip, 8080)) {
      String mine = readLine(s);
      Backend kept = mine.equals("a") ? a : b;
      Backend c = tcpBackend("c");
      await(proxy.putEndpoints(endpoints("keep", "TCP", kept, c)));
      OutputStream out = s.getOutputStream();
      out.write("ping\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      assertEquals("ping", readLine(s), "the connection to the remaining backend still works");
      Set<String> later = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        later.add(nameAt(ip, 8080));
      }
      assertEquals(Set.of(mine, "c"), later, "new connections go to the new set only");
    }
    assertTrue(count(PortMeters.BYTES_IN, "keep") >= 5);
  }

  @Test
  void aConnectionToARemovedBackendIsClosed() throws Exception {
    String ip = clusterIp();
    Backend a = tcpBackend("a");
    await(proxy.putService(service("gone", ip, 8080, "TCP")));
    await(proxy.putEndpoints(endpoints("gone", "TCP", a)));
    try (Socket s = connect(ip, 8080)) {
      assertEquals("a", readLine(s));
      await(proxy.putEndpoints(endpoints("gone", "TCP", tcpBackend("b"))));
      assertEquals(null, readLine(s), "closed by the proxy");
    }
  }

  @Test
  void aRefusingBackendIsSkippedAndCounted() throws Exception {
    String ip = clusterIp();
    Backend dead = new Backend("127.0.0.1", freePort("127.0.0.1"));
    Backend a = tcpBackend("a");
    await(proxy.putService(service("refuse", ip, 8080, "TCP")));
    await(proxy.putEndpoints(endpoints("refuse", "TCP", dead, a)));
    for (int i = 0; i < 10; i++) {
      assertEquals("a", nameAt(ip, 8080));
    }
    assertTrue(count(PortMeters.CONNECT_ERRORS, "refuse") >= 5, "half the picks start with the dead backend");
    assertEquals(0.0, count(PortMeters.NO_ENDPOINTS, "refuse"));
  }

  @Test
  void withNoEndpointsTheClientIsClosedAtOnce() throws Exception {
    String ip = clusterIp();
    await(proxy.putService(service("empty", ip, 8080, "TCP")));
    try (Socket s = connect(ip, 8080)) {
      // read times out after 10 s (an error) if the proxy leaves the connection hanging
      assertEquals(-1, s.getInputStream().read());
    }
    assertEquals(1.0, count(PortMeters.NO_ENDPOINTS, "empty"));
    // all backends refusing is the same for the client
    await(proxy.putEndpoints(endpoints("empty", "TCP", new Backend("127.0.0.1", freePort("127.0.0.1")))));
    try (Socket s = connect(ip, 8080)) {
      assertEquals(-1, s.getInputStream().read());
    }
    assertEquals(2.0, count(PortMeters.NO_ENDPOINTS, "empty"));
    assertEquals(1.0, count(PortMeters.CONNECT_ERRORS, "empty"));
  }

  @Test
  void clientIpAffinityKeepsAClientOnOneBackend() throws Exception {
    String ip = clusterIp();
    Backend a = tcpBackend("a"), b = tcpBackend("b"), c = tcpBackend("c");
    Service svc = service("sticky", ip, 8080, "TCP");
    svc.getSpec().setSessionAffinity("ClientIP");
    await(proxy.putService(svc));
    await(proxy.putEndpoints(endpoints("sticky", "TCP", a, b, c)));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      seen.add(nameAt(ip, 8080));
    }
    assertEquals(1, seen.size(), "one client, one backend: " + seen);
    // another client address gets a backend of its own choosing, and keeps it
    Set<String> other = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      try (Socket s = new Socket()) {
        s.setSoTimeout(10_000);
        s.bind(new InetSocketAddress("127.0.0.2", 0));
        s.connect(new InetSocketAddress(ip, 8080));
        other.add(readLine(s));
      }
    }
    assertEquals(1, other.size());
  }

  @Test
  void udpDatagramsGoThroughAndFlowsExpire() throws Exception {
    String ip = clusterIp();
    Backend a = udpBackend("a"), b = udpBackend("b");
    await(proxy.putService(service("dns", ip, 5353, "UDP")));
    await(proxy.putEndpoints(endpoints("dns", "UDP", a, b)));
    Set<String> names = new HashSet<>();
    for (int client = 0; client < 4; client++) {
      try (java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
        s.setSoTimeout(5_000);
        String first = null;
        for (int i = 0; i < 3; i++) {
          byte[] msg = ("hello" + i).getBytes(StandardCharsets.UTF_8);
          s.send(new DatagramPacket(msg, msg.length, InetAddress.getByName(ip), 5353));
          DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
          s.receive(reply);
          String text = new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
          assertEquals(InetAddress.getByName(ip), reply.getAddress(), "the reply comes from the cluster IP");
          String name = text.substring(0, text.indexOf(':'));
          assertEquals("hello" + i, text.substring(text.indexOf(':') + 1));
          if (first == null) {
            first = name;
          }
          assertEquals(first, name, "one flow stays on one backend");
        }
        names.add(first);
      }
    }
    assertEquals(Set.of("a", "b"), names, "new flows are balanced");
    assertEquals(4.0, count(PortMeters.ACCEPTED, "dns"));
    assertEquals(4 * 3 * "hello0".length(), count(PortMeters.BYTES_IN, "dns"));
    waitFor("idle flows dropped", () -> gauge(PortMeters.ACTIVE, "dns") == 0);
  }

  @Test
  void deletingAServiceClosesItsListenerAndConnections() throws Exception {
    String ip = clusterIp();
    Backend a = tcpBackend("a");
    await(proxy.putService(service("bye", ip, 8080, "TCP")));
    await(proxy.putEndpoints(endpoints("bye", "TCP", a)));
    try (Socket s = connect(ip, 8080)) {
      assertEquals("a", readLine(s));
      await(proxy.removeService("default", "bye"));
      assertEquals(null, readLine(s), "the open connection is closed");
    }
    waitFor("the listener to close", () -> refused(ip, 8080));
    assertTrue(await(proxy.ports()).isEmpty());
    assertEquals(null, registry.find(PortMeters.ACCEPTED).tag("service", "bye").counter(), "meters removed");
  }

  @Test
  void aServiceWithoutSelectorForwardsToTheEndpointsWritten() throws Exception {
    // the test services have no selector at all; this one also uses a named port
    String ip = clusterIp();
    Backend a = tcpBackend("a");
    Service svc = service("named", ip, 9000, "TCP");
    svc.getSpec().getPorts().get(0).setName("web");
    await(proxy.putService(svc));
    Endpoints ep = endpoints("named", "TCP", a);
    ep.getSubsets().get(0).getPorts().get(0).setName("web");
    await(proxy.putEndpoints(ep));
    assertEquals("a", nameAt(ip, 9000));
    assertEquals(1.0, registry.find(PortMeters.ACCEPTED).tags("service", "named", "port", "web").counter().count());
  }

  @Test
  void aChangedPortRebinds() throws Exception {
    String ip = clusterIp();
    Backend a = tcpBackend("a");
    await(proxy.putService(service("move", ip, 8080, "TCP")));
    await(proxy.putEndpoints(endpoints("move", "TCP", a)));
    assertEquals("a", nameAt(ip, 8080));
    await(proxy.putService(service("move", ip, 8081, "TCP")));
    assertEquals("a", nameAt(ip, 8081));
    waitFor("the old port to close", () -> refused(ip, 8080));
  }

  @Test
  void nodePortIsServedOnTheNodeAddress() throws Exception {
    String ip = clusterIp();
    Backend a = tcpBackend("a");
    int nodePort = freePort(NODE);
    Service svc = service("np", ip, 8080, "TCP");
    svc.getSpec().setType("NodePort");
    svc.getSpec().getPorts().get(0).setNodePort(nodePort);
    await(proxy.putService(svc));
    await(proxy.putEndpoints(endpoints("np", "TCP", a)));
    assertEquals("a", nameAt(NODE, nodePort));
    assertEquals("a", nameAt(ip, 8080));
  }

  @Test
  void aListenerThatCannotBindIsRetried() throws Exception {
    String ip = clusterIp();
    Backend a = tcpBackend("a");
    ServerSocket squatter = new ServerSocket();
    squatter.bind(new InetSocketAddress(ip, 8080));
    await(proxy.putService(service("busy", ip, 8080, "TCP")));
    await(proxy.putEndpoints(endpoints("busy", "TCP", a)));
    squatter.close();
    waitFor("the proxy to bind once the port is free", () -> {
      try {
        return "a".equals(nameAt(ip, 8080));
      } catch (IOException e) {
        return false;
      }
    });
  }

  @Test
  void anIdleConnectionIsClosed() throws Exception {
    ProxyVerticle quick = new ProxyVerticle(null, NODE,
        ProxyOptions.defaults().withTcpIdleTimeout(Duration.ofMillis(700)), registry);
    await(vertx.deployVerticle(quick));
    String ip = clusterIp();
    Backend a = tcpBackend("a");
    await(quick.putService(service("idle", ip, 8080, "TCP")));
    await(quick.putEndpoints(endpoints("idle", "TCP", a)));
    try (Socket s = connect(ip, 8080)) {
      // the backend's name (unless the machine is so slow that the connection idled before it came), then
      // nothing more either way: the proxy closes it (a read would time out after 10 s otherwise)
      String first = readLine(s);
      assertTrue(first == null || first.equals("a"), first);
      if (first != null) {
        assertEquals(null, readLine(s));
      }
    }
    waitFor("no connection left open", () -> gauge(PortMeters.ACTIVE, "idle") == 0);
  }

  @Test
  void aLargeTransferArrivesWhole() throws Exception {
    String ip = clusterIp();
    long size = 64L << 20;
    AtomicInteger port = new AtomicInteger();
    long[] received = new long[1];
    NetServer sink = vertx.createNetServer().connectHandler(s -> {
      s.handler(buf -> received[0] += buf.length());
      s.endHandler(v -> s.end(Buffer.buffer("got " + received[0] + "\n")));
    });
    await(sink.listen(0, "127.0.0.1"));
    port.set(sink.actualPort());
    await(proxy.putService(service("bulk", ip, 8080, "TCP")));
    await(proxy.putEndpoints(endpoints("bulk", "TCP", new Backend("127.0.0.1", port.get()))));
    try (Socket s = connect(ip, 8080)) {
      // the writer runs apart so that a stalled proxy fails the test instead of blocking it
      java.util.concurrent.CompletableFuture<Void> sent = java.util.concurrent.CompletableFuture.runAsync(() -> {
        try {
          byte[] chunk = new byte[64 * 1024];
          OutputStream out = s.getOutputStream();
          for (long n = 0; n < size; n += chunk.length) {
            out.write(chunk);
          }
          out.flush();
          s.shutdownOutput();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      waitFor("all bytes at the backend (" + size + ")", () -> count(PortMeters.BYTES_IN, "bulk") == size,
          () -> "in: " + count(PortMeters.BYTES_IN, "bulk") + " sink: " + received[0]);
      sent.get(10, TimeUnit.SECONDS);
    }
    // under load Vert.x told the client's end before ~300 KB it still held for the proxy, which then ended the
    // backend without them: the sink stopped short of the size
    waitFor("the sink saw every byte", () -> received[0] == size, () -> "sink: " + received[0]);
  }
}
