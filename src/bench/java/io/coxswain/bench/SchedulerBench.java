package io.coxswain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scheduler throughput driver, run with the source launcher against node.jar's class path: creates RCS
 * replication controllers of REPLICAS pods each, watches every pod from before the first create, and prints
 * key=value lines: pods bound per second from the first create to the last binding, p50/p99 of the time from a
 * pod's first appearance on the watch to its binding (wall clock of this process; also from the API's
 * creationTimestamp to the PodScheduled condition's lastTransitionTime), the time until all are Running, and
 * the p99 latency of listing all pods. Arguments: API_URL RCS REPLICAS PREFIX [DEADLINE_S].
 */
public final class SchedulerBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Presents the admin certificate of the master's pki directory in $COXSWAIN_PKI (when set). */
  private final HttpClient http = client();

  private static HttpClient client() {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    String pki = System.getenv("COXSWAIN_PKI");
    if (pki != null && !pki.isEmpty()) {
      b.sslContext(io.coxswain.security.Credentials.load(java.nio.file.Path.of(pki), "admin").sslContext());
    }
    return b.build();
  }
  private final String api;
  private final Map<String, Long> seen = new ConcurrentHashMap<>();
  private final Map<String, Long> bound = new ConcurrentHashMap<>();
  private final Map<String, Long> apiLatencyMs = new ConcurrentHashMap<>();
  private final Map<String, Boolean> running = new ConcurrentHashMap<>();
  private final AtomicLong lastBound = new AtomicLong();
  private final AtomicLong lastRunning = new AtomicLong();
  private final String prefix;

  private SchedulerBench(String api, String prefix) {
    this.api = api;
    this.prefix = prefix;
  }

  public static void main(String[] args) throws Exception {
    String api = args[0];
    int rcs = Integer.parseInt(args[1]);
    int replicas = Integer.parseInt(args[2]);
    String prefix = args[3];
    long deadlineS = args.length > 4 ? Long.parseLong(args[4]) : 900;
    new SchedulerBench(api, prefix).run(rcs, replicas, deadlineS);
  }

  private void run(int rcs, int replicas, long deadlineS) throws Exception {
    int total = rcs * replicas;
    JsonNode list = get("/api/v1/pods?limit=1");
    String rv = list.path("metadata").path("resourceVersion").asText();
    Thread watcher = new Thread(() -> watchLoop(rv), "watch");
    watcher.setDaemon(true);
    watcher.start();
    Thread.sleep(500);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    long t0 = System.nanoTime();
    List<Future<?>> fs = new ArrayList<>();
    for (int i = 0; i < rcs; i++) {
      String name = prefix + "-" + i;
      fs.add(pool.submit(() -> {
        post("/api/v1/namespaces/default/replicationcontrollers", rc(name, replicas));
        return null;
      }));
    }
    for (Future<?> f : fs) f.get();
    long createdRcs = System.nanoTime();
    pool.shutdown();
    System.out.println("rc_creates_ms=" + ms(createdRcs - t0));
    long deadline = System.nanoTime() + deadlineS * 1_000_000_000L;
    long lastReport = System.nanoTime();
    while (bound.size() < total && System.nanoTime() < deadline) {
      Thread.sleep(100);
      if (System.nanoTime() - lastReport > 10_000_000_000L) {
        lastReport = System.nanoTime();
        System.err.printf("progress: t=%ds seen=%d bound=%d running=%d%n", ms(lastReport - t0) / 1000, seen.size(),
            bound.size(), running.size());
      }
    }
    long boundAt = lastBound.get();
    System.out.println("pods_seen=" + seen.size());
    System.out.println("pods_bound=" + bound.size());
    System.out.println("first_create_to_all_seen_ms=" + ms(Collections.max(seen.values()) - t0));
    System.out.println("first_create_to_last_bound_ms=" + ms(boundAt - t0));
    List<Long> lat = new ArrayList<>();
    for (Map.Entry<String, Long> e : bound.entrySet()) {
      Long s = seen.get(e.getKey());
      if (s != null) lat.add(ms(e.getValue() - s));
    }
    Collections.sort(lat);
    System.out.println("bind_latency_watch_p50_ms=" + pct(lat, 50));
    System.out.println("bind_latency_watch_p99_ms=" + pct(lat, 99));
    List<Long> apiLat = new ArrayList<>(apiLatencyMs.values());
    Collections.sort(apiLat);
    System.out.println("bind_latency_api_p50_ms=" + pct(apiLat, 50));
    System.out.println("bind_latency_api_p99_ms=" + pct(apiLat, 99));
    // Running: the hollow kubelets' status writes
    long runDeadline = System.nanoTime() + 300_000_000_000L;
    while (running.size() < bound.size() && System.nanoTime() < runDeadline) Thread.sleep(200);
    System.out.println("pods_running=" + running.size());
    System.out.println("first_create_to_all_running_ms=" + (lastRunning.get() == 0 ? -1 : ms(lastRunning.get() - t0)));
    // list latency of all pods
    List<Long> listMs = new ArrayList<>();
    int items = 0;
    for (int i = 0; i < 20; i++) {
      long a = System.nanoTime();
      HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/pods"))
          .timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofByteArray());
      listMs.add(ms(System.nanoTime() - a));
      if (i == 0) {
        items = JSON.readTree(r.body()).path("items").size();
        System.out.println("list_all_pods_bytes=" + r.body().length);
      }
    }
    Collections.sort(listMs);
    System.out.println("list_all_pods_items=" + items);
    System.out.println("list_all_pods_p50_ms=" + pct(listMs, 50));
    System.out.println("list_all_pods_p99_ms=" + pct(listMs, 99));
    double secs = (boundAt - t0) / 1e9;
    System.out.printf("pods_per_s=%.0f%n", bound.size() == total && secs > 0 ? total / secs : bound.size() / Math.max(secs, 1e-9));
    System.exit(0);
  }

  private void watchLoop(String startRv) {
    String rv = startRv;
    while (true) {
      try {
        HttpRequest req = HttpRequest.newBuilder(URI.create(api + "/api/v1/pods?watch=true&resourceVersion=" + rv)).build();
        HttpResponse<java.io.InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body()))) {
          String line;
          while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            long now = System.nanoTime();
            JsonNode ev = JSON.readTree(line);
            JsonNode pod = ev.path("object");
            String newRv = pod.path("metadata").path("resourceVersion").asText("");
            if (!newRv.isEmpty()) rv = newRv;
            if ("ERROR".equals(ev.path("type").asText())) {
              System.err.println("watch error: " + line);
              rv = get("/api/v1/pods?limit=1").path("metadata").path("resourceVersion").asText();
              break;
            }
            String name = pod.path("metadata").path("name").asText();
            if (!name.startsWith(prefix + "-")) continue;
            seen.putIfAbsent(name, now);
            if (!pod.path("spec").path("nodeName").asText("").isEmpty() && bound.putIfAbsent(name, now) == null) {
              lastBound.accumulateAndGet(now, Math::max);
              Instant created = parse(pod.path("metadata").path("creationTimestamp").asText(null));
              for (JsonNode c : pod.path("status").path("conditions")) {
                if ("PodScheduled".equals(c.path("type").asText())) {
                  Instant at = parse(c.path("lastTransitionTime").asText(null));
                  if (created != null && at != null) apiLatencyMs.put(name, Duration.between(created, at).toMillis());
                }
              }
            }
            if ("Running".equals(pod.path("status").path("phase").asText()) && running.putIfAbsent(name, true) == null) {
              lastRunning.accumulateAndGet(now, Math::max);
            }
          }
        }
      } catch (Exception e) {
        System.err.println("watch reconnect: " + e);
      }
    }
  }

  private static Instant parse(String s) {
    try {
      return s == null ? null : Instant.parse(s);
    } catch (Exception e) {
      return null;
    }
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    return JSON.readTree(r.body());
  }

  private void post(String path, String body) throws Exception {
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(60))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 == 2) return;
      if (attempt >= 5) throw new IllegalStateException("POST " + path + ": " + r.statusCode() + " " + r.body());
      Thread.sleep(200);
    }
  }

  private static String rc(String name, int replicas) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ReplicationController\",\"metadata\":{\"name\":\"" + name + "\"},"
        + "\"spec\":{\"replicas\":" + replicas + ",\"selector\":{\"app\":\"" + name + "\"},"
        + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"" + name + "\"}},"
        + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"coxswain/busybox:1\",\"command\":[\"sleep\",\"3600\"],"
        + "\"resources\":{\"requests\":{\"cpu\":\"1m\",\"memory\":\"1Mi\"}}}]}}}}";
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  private static long pct(List<Long> sorted, int p) {
    if (sorted.isEmpty()) return -1;
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
