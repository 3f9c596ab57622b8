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
 * fixed time, round robin over the given servers, and it prints key=value lines (ops/s, p50, p99, errors).
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
    HttpClient http = tls(HttpClient.newBuilder()).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    if (warm > 0) {
      phase(http, mode, prefix + "w", warm, clients, servers, false);
    }
    phase(http, mode, prefix, seconds, clients, servers, true);
  }

  private static void phase(HttpClient http, String mode, String prefix, int seconds, int clients, String[] servers,
      boolean print) throws Exception {
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
        while (System.nanoTime() < end) {
          long i = seq.incrementAndGet();
          String server = servers[(int) ((client + i) % servers.length)];
          HttpRequest req = mode.equals("pods") ? podRequest(server, prefix, i, padding) : etcdRequest(server, prefix, i, padding);
          long t0 = System.nanoTime();
          try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 == 2) {
              ok.incrementAndGet();
              perSecond.incrementAndGet((int) Math.min(perSecond.length() - 1, (System.nanoTime() - began[0]) / 1_000_000_000L));
              if (n < lat.length) {
                lat[n++] = System.nanoTime() - t0;
              }
            } else {
              errors.incrementAndGet();
            }
          } catch (Exception e) {
            errors.incrementAndGet();
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
    StringBuilder timeline = new StringBuilder();
    for (int s = 0; s < Math.min(perSecond.length(), (int) Math.ceil(elapsed)); s++) {
      timeline.append(s == 0 ? "" : ",").append(perSecond.get(s));
    }
    System.out.printf("%s_per_second=%s%n", name, timeline);
  }

  static HttpRequest podRequest(String server, String prefix, long i, String padding) {
    String body = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + prefix + "-" + i
        + "\",\"labels\":{\"app\":\"bench\",\"tier\":\"load\"},\"annotations\":{\"pad\":\"" + padding + "\"}},"
        + "\"spec\":{\"nodeName\":\"bench-nowhere\",\"containers\":[{\"name\":\"c\",\"image\":\"coxswain/busybox:1\","
        + "\"command\":[\"sleep\",\"3600\"]}]}}";
    return HttpRequest.newBuilder(URI.create(server + "/api/v1/namespaces/default/pods"))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  static HttpRequest etcdRequest(String server, String prefix, long i, String padding) {
    Base64.Encoder b64 = Base64.getEncoder();
    String key = b64.encodeToString(("/registry/pods/default/" + prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
    String value = b64.encodeToString(("{\"kind\":\"Pod\",\"pad\":\"" + padding + padding.substring(0, 200) + "\"}")
        .getBytes(StandardCharsets.UTF_8));
    String body = "{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}";
    return HttpRequest.newBuilder(URI.create(server + "/v3/kv/put"))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  /** Writes every 20 ms to any of the servers; prints the longest gap between two acknowledged writes. */
  static void failover(String[] servers, int seconds) throws Exception {
    HttpClient http = tls(HttpClient.newBuilder()).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long last = System.nanoTime();
    long worst = 0;
    long i = 0;
    String padding = "y".repeat(100);
    while (System.nanoTime() < end) {
      boolean done = false;
      for (String s : servers) {
        try {
          HttpRequest req = podRequest(s, "failover-" + ProcessHandle.current().pid(), i++, padding);
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(req.uri()).timeout(Duration.ofSeconds(2))
              .header("Content-Type", "application/json").POST(req.bodyPublisher().get()).build(),
              HttpResponse.BodyHandlers.ofString());
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
  static HttpClient.Builder tls(HttpClient.Builder b) {
    String pki = System.getenv("COXSWAIN_PKI");
    if (pki == null || pki.isEmpty()) {
      return b;
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
      return b.sslContext(ssl);
    } catch (Exception e) {
      throw new IllegalStateException("cannot use the credentials in " + pki + ": " + e, e);
    }
  }
}
