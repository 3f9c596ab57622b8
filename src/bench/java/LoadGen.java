import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one load generator of the store benchmark: N concurrent clients send writes of about 1 KiB for a
 * fixed time, round robin over the given servers, and it prints key=value lines (ops/s, p50, p99, errors, and
 * its own CPU time per write: the systems under test share the machine with it; given BENCH_SERVER_PIDS, also
 * the CPU time of those processes per write and the machine's busy share over the run). Each client is a thread with
 * one keep-alive HTTP/1.1 connection to each server (a blocking socket, TLS for https) and one request in
 * flight.
 *
 * <pre>
 *   COXSWAIN_PKI=DATA/pki java LoadGen.java pods PREFIX SECONDS CLIENTS https://127.0.0.1:6443,https://127.0.0.2:6443 [WARM]
 *   java LoadGen.java etcd   PREFIX SECONDS CLIENTS http://127.0.0.1:2379,... [WARM]
 *   java LoadGen.java failover URL            (prints ms until a write succeeds again; run while killing)
 * </pre>
 *
 * <p>WARM seconds of the same load come first, not counted, in the same process over the same connections:
 * the generator's own JIT and its connections (TLS handshakes, for ours) are warm when the count starts, as
 * the servers' are.
 */
public final class LoadGen {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String prefix = args[1];
    if (mode.equals("failover")) {
      failover(args[1].split(","), Integer.parseInt(args[2]));
      return;
    }
    int seconds = Integer.parseInt(args[2]);
    int clients = Integer.parseInt(args[3]);
    String[] servers = args[4].split(",");
    int warm = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    javax.net.ssl.SSLContext ssl = sslContext();
    // each client keeps one connection to each server, across the warm-up and the measured run
    Wire[][] wires = new Wire[clients][servers.length];
    if (warm > 0) {
      phase(ssl, wires, mode, prefix + "w", warm, clients, servers, false);
    }
    phase(ssl, wires, mode, prefix, seconds, clients, servers, true);
    for (Wire[] ws : wires) {
      for (Wire w : ws) {
        if (w != null) {
          w.close();
        }
      }
    }
  }

  private static void phase(javax.net.ssl.SSLContext ssl, Wire[][] connections, String mode, String prefix, int seconds,
      int clients, String[] servers, boolean print) throws Exception {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long[] servers0 = serverTicks();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<long[]> latencies = new ArrayList<>();
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    java.util.concurrent.atomic.AtomicLongArray perSecond = new java.util.concurrent.atomic.AtomicLongArray(seconds + 60);
    long[] began = new long[1];
    String padding = "x".repeat(700);
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      long[] lat = new long[2_000_000];
      latencies.add(lat);
      int client = c;
      Thread t = new Thread(() -> {
        int n = 0;
        Wire[] wires = connections[client];
        while (System.nanoTime() < end) {
          long i = seq.incrementAndGet();
          int s = (int) ((client + i) % servers.length);
          byte[] req = mode.equals("pods") ? podRequest(servers[s], prefix, i, padding) : etcdRequest(servers[s], prefix, i, padding);
          long t0 = System.nanoTime();
          try {
            if (wires[s] == null) {
              wires[s] = new Wire(servers[s], ssl);
            }
            int status = wires[s].exchange(req);
            if (status / 100 == 2) {
              ok.incrementAndGet();
              perSecond.incrementAndGet((int) Math.min(perSecond.length() - 1, (System.nanoTime() - began[0]) / 1_000_000_000L));
              if (n < lat.length) {
                lat[n++] = System.nanoTime() - t0;
              }
            } else {
              errors.incrementAndGet();
            }
            if (wires[s].closed) {
              wires[s] = null;
            }
          } catch (Exception e) {
            errors.incrementAndGet();
            if (wires[s] != null) {
              wires[s].close();
              wires[s] = null;
            }
          }
        }
        lat[lat.length - 1] = n;
      });
      threads.add(t);
    }
    long start = System.nanoTime();
    began[0] = start;
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpu = os.getProcessCpuTime() - cpu0;
    long[] servers1 = serverTicks();
    int total = 0;
    for (long[] l : latencies) {
      total += (int) l[l.length - 1];
    }
    long[] all = new long[total];
    int k = 0;
    for (long[] l : latencies) {
      int n = (int) l[l.length - 1];
      System.arraycopy(l, 0, all, k, n);
      k += n;
    }
    Arrays.sort(all);
    if (!print) {
      return;
    }
    String name = mode.equals("pods") ? "ours" : "etcd";
    System.out.printf("%s_ops_per_s=%.0f%n", name, ok.get() / elapsed);
    System.out.printf("%s_p50_ms=%.1f%n", name, all.length == 0 ? 0 : all[all.length / 2] / 1e6);
    System.out.printf("%s_p99_ms=%.1f%n", name, all.length == 0 ? 0 : all[(int) (all.length * 0.99)] / 1e6);
    System.out.printf("%s_p90_ms=%.1f%n", name, all.length == 0 ? 0 : all[(int) (all.length * 0.90)] / 1e6);
    System.out.printf("%s_max_ms=%.1f%n", name, all.length == 0 ? 0 : all[all.length - 1] / 1e6);
    System.out.printf("%s_errors=%d%n", name, errors.get());
    System.out.printf("%s_loadgen_cpu_ms_per_op=%.2f%n", name, ok.get() == 0 ? 0 : cpu / 1e6 / ok.get());
    if (servers0 != null && servers1 != null && ok.get() > 0) {
      // the servers' CPU time (all members together) and how busy the whole machine was, over the measured run
      double tick = 1000.0 / Long.parseLong(System.getenv().getOrDefault("BENCH_CLK_TCK", "100"));
      System.out.printf("%s_server_cpu_ms_per_op=%.2f%n", name, (servers1[0] - servers0[0]) * tick / ok.get());
      long busy = servers1[1] - servers0[1];
      long ticks = busy + servers1[2] - servers0[2];
      System.out.printf("%s_machine_busy_pct=%.0f%n", name, ticks == 0 ? 0 : 100.0 * busy / ticks);
    }
    StringBuilder timeline = new StringBuilder();
    for (int s = 0; s < Math.min(perSecond.length(), (int) Math.ceil(elapsed)); s++) {
      timeline.append(s == 0 ? "" : ",").append(perSecond.get(s));
    }
    System.out.printf("%s_per_second=%s%n", name, timeline);
  }

  /**
   * The CPU ticks (user + system) of the processes in BENCH_SERVER_PIDS together, then the machine's busy and
   * idle ticks (/proc/stat); null when no PIDs are given or /proc cannot be read.
   */
  static long[] serverTicks() {
    String pids = System.getenv("BENCH_SERVER_PIDS");
    if (pids == null || pids.isBlank()) {
      return null;
    }
    try {
      long sum = 0;
      for (String pid : pids.split(",")) {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid.trim(), "stat"));
        // the fields after the command's closing parenthesis: state is the 3rd field, utime the 14th
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      }
      String[] cpu = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
      long busy = 0;
      for (int i = 1; i <= Math.min(8, cpu.length - 1); i++) { // user .. steal (guest time is within user)
        busy += Long.parseLong(cpu[i]);
      }
      return new long[] {sum, busy - idle, idle};
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  static String podBody(String prefix, long i, String padding) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + prefix + "-" + i
        + "\",\"labels\":{\"app\":\"bench\",\"tier\":\"load\"},\"annotations\":{\"pad\":\"" + padding + "\"}},"
        + "\"spec\":{\"nodeName\":\"bench-nowhere\",\"containers\":[{\"name\":\"c\",\"image\":\"coxswain/busybox:1\","
        + "\"command\":[\"sleep\",\"3600\"]}]}}";
  }

  static byte[] podRequest(String server, String prefix, long i, String padding) {
    return post(server, "/api/v1/namespaces/default/pods", podBody(prefix, i, padding));
  }

  static byte[] etcdRequest(String server, String prefix, long i, String padding) {
    Base64.Encoder b64 = Base64.getEncoder();
    String key = b64.encodeToString(("/registry/pods/default/" + prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
    String value = b64.encodeToString(("{\"kind\":\"Pod\",\"pad\":\"" + padding + padding.substring(0, 200) + "\"}")
        .getBytes(StandardCharsets.UTF_8));
    return post(server, "/v3/kv/put", "{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}");
  }

  /** An HTTP/1.1 POST of a JSON body, head and body in one array (one write). */
  static byte[] post(String server, String path, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + URI.create(server).getAuthority()
        + "\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: " + body.length
        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] all = Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  /**
   * One client's keep-alive connection to one server over a blocking socket (TLS for https): sends a request
   * and reads its whole answer (Content-Length or chunked). A client as thin as this one costs the run little
   * of the machine's CPU, which both systems under test share with it.
   */
  static final class Wire {
    private final java.net.Socket socket;
    private final java.io.InputStream in;
    private final java.io.OutputStream out;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    boolean closed;

    Wire(String server, javax.net.ssl.SSLContext ssl) throws java.io.IOException {
      URI u = URI.create(server);
      java.net.Socket s = new java.net.Socket();
      s.connect(new java.net.InetSocketAddress(u.getHost(), u.getPort()), 5_000);
      s.setTcpNoDelay(true);
      s.setSoTimeout(30_000);
      if (u.getScheme().equals("https")) {
        javax.net.ssl.SSLSocket t = (javax.net.ssl.SSLSocket) ssl.getSocketFactory().createSocket(s, u.getHost(), u.getPort(), true);
        javax.net.ssl.SSLParameters p = t.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        t.setSSLParameters(p);
        t.startHandshake();
        s = t;
      }
      socket = s;
      in = s.getInputStream();
      out = s.getOutputStream();
    }

    /** Sends one request and returns the answer's status code, its body read and dropped. */
    int exchange(byte[] request) throws java.io.IOException {
      out.write(request);
      out.flush();
      String status = line();
      int code = Integer.parseInt(status.substring(9, 12));
      long length = -1;
      boolean chunked = false;
      for (String h = line(); !h.isEmpty(); h = line()) {
        int colon = h.indexOf(':');
        String name = h.substring(0, colon).trim();
        String value = h.substring(colon + 1).trim();
        if (name.equalsIgnoreCase("Content-Length")) {
          length = Long.parseLong(value);
        } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
          chunked = true;
        } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
          closed = true;
        }
      }
      if (chunked) {
        for (long n = Long.parseLong(line().split(";")[0].trim(), 16); n > 0; n = Long.parseLong(line().split(";")[0].trim(), 16)) {
          skip(n);
          line();
        }
        while (!line().isEmpty()) {
          // trailers
        }
      } else if (length >= 0) {
        skip(length);
      } else {
        closed = true; // the body runs to the end of the connection
      }
      if (closed) {
        close();
      }
      return code;
    }

    private boolean fill() throws java.io.IOException {
      pos = 0;
      lim = in.read(buf);
      if (lim < 0) {
        lim = 0;
        throw new java.io.EOFException("the server closed the connection");
      }
      return true;
    }

    private String line() throws java.io.IOException {
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos == lim) {
          fill();
        }
        byte b = buf[pos++];
        if (b == '\n') {
          int n = sb.length();
          return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
        }
        sb.append((char) b);
      }
    }

    private void skip(long n) throws java.io.IOException {
      while (n > 0) {
        if (pos == lim) {
          fill();
        }
        int k = (int) Math.min(n, lim - pos);
        pos += k;
        n -= k;
      }
    }

    void close() {
      closed = true;
      try {
        socket.close();
      } catch (java.io.IOException e) {
        // gone already
      }
    }
  }

  /** Writes every 20 ms to any of the servers; prints the longest gap between two acknowledged writes. */
  static void failover(String[] servers, int seconds) throws Exception {
    javax.net.ssl.SSLContext ssl = sslContext();
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1));
    HttpClient http = (ssl == null ? b : b.sslContext(ssl)).build();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long last = System.nanoTime();
    long worst = 0;
    long i = 0;
    String padding = "y".repeat(100);
    while (System.nanoTime() < end) {
      boolean done = false;
      for (String s : servers) {
        try {
          String body = podBody("failover-" + ProcessHandle.current().pid(), i++, padding);
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s + "/api/v1/namespaces/default/pods"))
              .timeout(Duration.ofSeconds(2)).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() / 100 == 2) {
            done = true;
            break;
          }
        } catch (Exception e) {
          // try the next server
        }
      }
      long now = System.nanoTime();
      if (done) {
        worst = Math.max(worst, now - last);
        last = now;
      }
      Thread.sleep(20);
    }
    System.out.printf("failover_gap_ms=%.0f%n", worst / 1e6);
  }

  /**
   * With $COXSWAIN_PKI (a master's pki directory): trust its ca.crt and present admin.crt/admin.key, as the
   * API asks for a client certificate.
   */
  static javax.net.ssl.SSLContext sslContext() {
    String pki = System.getenv("COXSWAIN_PKI");
    if (pki == null || pki.isEmpty()) {
      return null;
    }
    try {
      java.security.cert.CertificateFactory cf = java.security.cert.CertificateFactory.getInstance("X.509");
      java.security.cert.Certificate ca, cert;
      try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(pki, "ca.crt"))) {
        ca = cf.generateCertificate(in);
      }
      try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(pki, "admin.crt"))) {
        cert = cf.generateCertificate(in);
      }
      String pem = java.nio.file.Files.readString(java.nio.file.Path.of(pki, "admin.key"))
          .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
      java.security.PrivateKey key = java.security.KeyFactory.getInstance("EC")
          .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(pem)));
      char[] pass = "bench".toCharArray();
      java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("admin", key, pass, new java.security.cert.Certificate[] {cert});
      java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
          javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, pass);
      javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
          javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
      ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ssl;
    } catch (Exception e) {
      throw new IllegalStateException("cannot use the credentials in " + pki + ": " + e, e);
    }
  }
}
