package io.coxswain.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the services tests of every proxy mode check the same way, on real sockets. */
final class ServiceChecks {
  private ServiceChecks() {}

  /** One HTTP/1.0 GET on a fresh connection; the body's first line (a pod name), or an IOException. */
  static String get(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int body = response.indexOf("\r\n\r\n");
      if (!response.startsWith("HTTP/1.") || body < 0 || !response.split(" ", 3)[1].equals("200")) {
        throw new IOException("not a 200 answer: " + response);
      }
      return response.substring(body + 4).trim();
    }
  }

  /** The names of the pods behind an Endpoints object. */
  static Set<String> endpointPods(Endpoints ep) {
    Set<String> pods = new TreeSet<>();
    ep.getSubsets().forEach(s -> s.getAddresses().forEach(a -> pods.add(a.getTargetRef().getName())));
    return pods;
  }

  private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)\\{([^}]*)\\}\\s+(\\S+)$");

  /** One meter of a service on a kubelet port's /metrics (Prometheus text), summed over its ports. */
  static double metric(HttpClient admin, String nodeIp, String name, String service) throws Exception {
    // retried: on a loaded machine one scrape may time out; the kubelet port lets in masters and admins only
    HttpResponse<String> r = Wait.forValue("GET /metrics on " + nodeIp, Duration.ofSeconds(60), () ->
        admin.send(HttpRequest.newBuilder(URI.create("https://" + nodeIp + ":10250/metrics"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
    assertEquals(200, r.statusCode(), "GET /metrics on " + nodeIp);
    double sum = 0;
    for (String line : r.body().split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (m.matches() && m.group(1).equals(name) && m.group(2).contains("service=\"" + service + "\"")) {
        sum += Double.parseDouble(m.group(3));
      }
    }
    return sum;
  }

  /**
   * Deletes one pod of {@code label} while {@code loops} clients send requests to ip:port in a loop, waits for
   * its replacement to be in the endpoints of {@code service} and to answer, then checks that at most one
   * request per loop failed (the one in flight on the deleted pod) and that requests went on.
   */
  static void deletingAPodFailsOnlyTheRequestsInFlight(KubernetesClient client, String service, String label,
      String ip, int port) throws Exception {
    int loops = 4;
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    Map<String, Integer> failures = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> perPod = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(loops);
    List<Future<?>> running = new ArrayList<>();
    for (int i = 0; i < loops; i++) {
      running.add(pool.submit(() -> {
        while (!stop.get()) {
          try {
            perPod.computeIfAbsent(get(ip, port), k -> new AtomicInteger()).incrementAndGet();
            ok.incrementAndGet();
          } catch (IOException e) {
            failures.merge(String.valueOf(e.getMessage()), 1, Integer::sum);
          }
        }
      }));
    }
    try {
      Wait.until("requests flowing", Duration.ofSeconds(30), () -> ok.get() >= 50);
      int size = endpointPods(client.endpoints().withName(service).get()).size();
      Pod victim = client.pods().withLabel("app", label).list().getItems().get(0);
      String victimName = victim.getMetadata().getName();
      client.pods().resource(victim).delete();
      // the endpoint goes, the RC makes a replacement, which becomes ready and takes traffic
      Wait.until("the replacement pod in the endpoints", Duration.ofSeconds(90), () -> {
        Endpoints ep = client.endpoints().withName(service).get();
        Set<String> pods = ep.getSubsets() == null || ep.getSubsets().isEmpty() ? Set.of() : endpointPods(ep);
        return pods.size() == size && !pods.contains(victimName);
      }, () -> "endpoints " + client.endpoints().withName(service).get().getSubsets() + "; pods " + client.pods()
          .withLabel("app", label).list().getItems().stream().map(p -> p.getMetadata().getName() + " " + p.getStatus().getPhase()
              + " on " + p.getSpec().getNodeName() + (p.getMetadata().getDeletionTimestamp() != null ? " deleting" : "")
              + " " + p.getStatus().getConditions().stream().map(c -> c.getType() + "=" + c.getStatus()).toList()).toList());
      Set<String> now = endpointPods(client.endpoints().withName(service).get());
      Wait.until("every current pod answering in the loop", Duration.ofSeconds(60),
          () -> now.stream().allMatch(perPod::containsKey));
      int okAfter = ok.get();
      Wait.until("more requests after the change", Duration.ofSeconds(30), () -> ok.get() >= okAfter + 100);
    } finally {
      stop.set(true);
      for (Future<?> f : running) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdownNow();
    }
    int failed = failures.values().stream().mapToInt(Integer::intValue).sum();
    System.out.printf("pod deletion under load: %d ok, %d failed %s, per pod %s%n", ok.get(), failed, failures, perPod);
    // at most one request per loop can be in flight on the deleted pod when its connections are cut
    assertTrue(failed <= loops, failed + " failures with " + loops + " loops: " + failures);
    assertTrue(ok.get() > 150);
  }

  /**
   * A UDP echo server on {@code echoHost} (busybox has no UDP server applet), behind a selector-less service
   * {@code name} on port 5353; checks that datagrams sent to its cluster IP come back, one answer each.
   * Returns the echo socket (the caller closes it).
   */
  static DatagramSocket udpEchoAnswersThroughTheService(KubernetesClient client, String name, String echoHost)
      throws Exception {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      return udpEchoAnswersThroughTheService(client, name, echoHost, null, s);
    }
  }

  /**
   * As above, the service given {@code clusterIp} (null: allocated), the datagrams sent from {@code from}: a
   * client whose flow to the cluster IP began before the service.
   */
  static DatagramSocket udpEchoAnswersThroughTheService(KubernetesClient client, String name, String echoHost,
      String clusterIp, DatagramSocket from) throws Exception {
    DatagramSocket udpEcho = new DatagramSocket(new InetSocketAddress(echoHost, 0));
    Thread echo = new Thread(() -> {
      byte[] buf = new byte[2048];
      while (!udpEcho.isClosed()) {
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          udpEcho.receive(p);
          udpEcho.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
        } catch (IOException e) {
          return;
        }
      }
    }, "udp-echo");
    echo.setDaemon(true);
    echo.start();
    client.services().resource(new ServiceBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
        .withClusterIP(clusterIp).addNewPort().withName("udp").withProtocol("UDP").withPort(5353).endPort().endSpec()
        .build()).create();
    client.endpoints().resource(new EndpointsBuilder().withNewMetadata().withName(name).endMetadata()
        .addNewSubset().withAddresses(new EndpointAddressBuilder().withIp(echoHost).build())
        .addNewPort().withName("udp").withProtocol("UDP").withPort(udpEcho.getLocalPort()).endPort().endSubset()
        .build()).create();
    try {
      echoesThrough(from, client.services().withName(name).get().getSpec().getClusterIP());
      return udpEcho;
    } catch (Exception | AssertionError e) {
      udpEcho.close();
      throw e;
    }
  }

  /** Sends one datagram to {@code ip}:5353 from {@code s}, expecting no answer (nothing serves it yet). */
  static void sendEarly(DatagramSocket s, String ip) throws IOException {
    byte[] msg = "early".getBytes(StandardCharsets.UTF_8);
    s.send(new DatagramPacket(msg, msg.length, InetAddress.getByName(ip), 5353));
  }

  private static void echoesThrough(DatagramSocket s, String ip) throws Exception {
    s.setSoTimeout(500);
    String answer = Wait.forValue("a UDP echo through " + ip + ":5353", Duration.ofSeconds(60), () -> {
      byte[] msg = "ping".getBytes(StandardCharsets.UTF_8);
      s.send(new DatagramPacket(msg, msg.length, InetAddress.getByName(ip), 5353));
      DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
      try {
        s.receive(reply);
      } catch (SocketTimeoutException e) {
        return null;
      }
      String text = new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
      return text.equals("early") ? null : text; // the early datagram's echo, should it come back too
    });
    assertEquals("ping", answer);
    for (int i = 0; i < 20; i++) {
      String msg = "datagram " + i;
      s.send(new DatagramPacket(msg.getBytes(StandardCharsets.UTF_8), msg.length(), InetAddress.getByName(ip), 5353));
      String got;
      do {
        DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
        s.setSoTimeout(5000);
        s.receive(reply);
        got = new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
      } while (got.equals("ping")); // late echoes of the polling above
      assertEquals(msg, got);
    }
  }
}
