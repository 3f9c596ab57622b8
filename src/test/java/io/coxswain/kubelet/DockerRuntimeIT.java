package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DockerRuntime against the real engine with the local busybox test images. */
class DockerRuntimeIT {
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private DockerRuntime runtime;
  private String node;
  private PodRef pod;

  @TempDir
  Path podsDir;

  @BeforeEach
  void connect() {
    runtime = DockerEngine.connectOrSkip();
    node = "it-" + UUID.randomUUID().toString().substring(0, 8);
    pod = new PodRef(UUID.randomUUID().toString(), "default", "web");
  }

  @AfterEach
  void cleanUp() {
    if (runtime != null) {
      for (ObservedContainer c : runtime.listContainers(node)) {
        runtime.remove(c.id());
      }
      runtime.close();
    }
  }

  @Test
  void podContainersShareLocalhostAndThePortIsPublished() throws Exception {
    InfraContainer infra = runtime.startInfra(new InfraSpec(pod, node, "web", false,
        List.of(new PortMapping("http", 8080, "TCP", 0, "127.0.0.1")), 5));
    assertEquals(1, infra.publishedPorts().size());
    PublishedPort published = infra.publishedPorts().get(0);
    assertEquals(8080, published.containerPort());
    assertEquals("127.0.0.1", published.hostIp());
    assertTrue(published.hostPort() > 0);

    startContainerOf(app("server", DockerEngine.BUSYBOX_2, infra.id(),
        List.of("httpd", "-f", "-p", "8080", "-h", "/www")));
    String client = startContainerOf(app("client", DockerEngine.BUSYBOX_1, infra.id(),
        List.of("sh", "-c", "until wget -qO- http://localhost:8080/; do sleep 0.2; done")));

    ObservedContainer done = awaitExit(client);
    assertEquals(0, done.exitCode());
    assertTrue(runtime.logs(client, LogOptions.all()).contains("coxswain busybox 2"));

    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + published.hostPort() + "/");
    AtomicReference<String> body = new AtomicReference<>();
    await("published port answers", () -> {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        body.set(r.body());
        return r.statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
    assertEquals("coxswain busybox 2\n", body.get());
  }

  @Test
  void emptyDirIsSharedBetweenThePodsContainers() {
    InfraContainer infra = runtime.startInfra(new InfraSpec(pod, node, "web", false, List.of(), 5));
    String dir = ContainerSpecs.emptyDir(podsDir, pod.uid(), "shared").toString();
    Mount mount = new Mount(Mount.Kind.EMPTY_DIR, "shared", dir, "/data", false);
    startContainerOf(app("writer", DockerEngine.BUSYBOX_1, infra.id(),
        List.of("sh", "-c", "echo from-writer > /data/note; sleep 600")).withMounts(List.of(mount)));
    String reader = startContainerOf(app("reader", DockerEngine.BUSYBOX_1, infra.id(),
        List.of("sh", "-c", "until [ -f /data/note ]; do sleep 0.1; done; cat /data/note"))
        .withMounts(List.of(mount)));
    assertEquals(0, awaitExit(reader).exitCode());
    assertEquals("from-writer\n", runtime.logs(reader, LogOptions.all()));
    assertTrue(Files.isDirectory(Path.of(dir)), "the emptyDir lives under the kubelet's pods directory");
  }

  @Test
  void exitCodesAndTimesAreReported() {
    InfraContainer infra = runtime.startInfra(new InfraSpec(pod, node, "web", false, List.of(), 5));
    String id = startContainerOf(app("fails", DockerEngine.BUSYBOX_1, infra.id(),
        List.of("sh", "-c", "exit 3")));
    ObservedContainer exited = awaitExit(id);
    assertEquals(3, exited.exitCode());
    assertEquals(ObservedContainer.State.EXITED, exited.state());
    assertNotNull(exited.startedAt());
    assertNotNull(exited.finishedAt());
    assertFalse(exited.finishedAt().isBefore(exited.startedAt()));
    assertFalse(exited.oomKilled());
  }

  @Test
  void stopSendsSigtermThenSigkillAfterTheGracePeriod() {
    InfraContainer infra = runtime.startInfra(new InfraSpec(pod, node, "web", false, List.of(), 5));
    String polite = startContainerOf(app("polite", DockerEngine.BUSYBOX_1, infra.id(),
        List.of("sh", "-c", "trap 'echo got-term; exit 0' TERM; echo ready; while :; do sleep 0.2; done")));
    String stubborn = startContainerOf(app("stubborn", DockerEngine.BUSYBOX_1, infra.id(),
        List.of("sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.2; done")));
    await("both containers ready", () -> runtime.logs(polite, LogOptions.all()).contains("ready")
        && runtime.logs(stubborn, LogOptions.all()).contains("ready"));

    runtime.stop(polite, Duration.ofSeconds(20));
    ObservedContainer p = runtime.inspect(polite).orElseThrow();
    assertEquals(0, p.exitCode(), "SIGTERM handled: exits by itself with 0");
    assertTrue(runtime.logs(polite, LogOptions.all()).contains("got-term"));

    runtime.stop(stubborn, Duration.ofSeconds(1));
    ObservedContainer s = runtime.inspect(stubborn).orElseThrow();
    assertEquals(137, s.exitCode(), "SIGTERM ignored: killed by SIGKILL after the grace period");

    runtime.stop(stubborn, Duration.ofSeconds(1)); // stopping a stopped container is fine
    runtime.stop(infra.id(), Duration.ofSeconds(10));
    assertEquals(0, runtime.inspect(infra.id()).orElseThrow().exitCode(), "the infra image exits on SIGTERM");
    runtime.remove(stubborn);
    runtime.remove(stubborn); // removing twice is fine
    assertTrue(runtime.inspect(stubborn).isEmpty());
  }

  @Test
  void logsWithTailTimestampsAndAFollowedStreamThatCloses() throws Exception {
    InfraContainer infra = runtime.startInfra(new InfraSpec(pod, node, "web", false, List.of(), 5));
    String id = startContainerOf(app("talker", DockerEngine.BUSYBOX_1, infra.id(),
        List.of("sh", "-c", "echo one; echo two; echo three >&2; i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done")));
    await("three first lines", () -> runtime.logs(id, LogOptions.all()).contains("tick 1"));

    String all = runtime.logs(id, LogOptions.all());
    List<String> lines = all.lines().toList();
    assertTrue(lines.indexOf("one") >= 0 && lines.indexOf("one") < lines.indexOf("two"), all);
    assertTrue(lines.contains("three"), "stderr is part of the log");
    String lastOne = runtime.logs(id, new LogOptions(1, null, false, false));
    assertEquals(1, lastOne.lines().count(), lastOne);
    String stamped = runtime.logs(id, new LogOptions(2, null, true, false));
    stamped.lines().forEach(line -> assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z .*"), line));

    ByteArrayOutputStream received = new ByteArrayOutputStream();
    CountDownLatch ended = new CountDownLatch(1);
    AtomicReference<Throwable> endError = new AtomicReference<>();
    Closeable stream = runtime.streamLogs(id, new LogOptions(0, null, false, true), new StreamSink() {
      @Override
      public void onData(Channel channel, byte[] data) {
        synchronized (received) {
          received.writeBytes(data);
        }
      }

      @Override
      public void onEnd(Throwable error) {
        endError.set(error);
        ended.countDown();
      }
    });
    await("new lines arrive on the followed stream", () -> {
      synchronized (received) {
        return received.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("tick")).count() >= 2;
      }
    });
    stream.close();
    assertTrue(ended.await(10, TimeUnit.SECONDS), "closing ends the followed stream");
    assertNull(endError.get());
  }

  @Test
  void execReportsExitCodeOutputStdinAndTty() {
    InfraContainer infra = runtime.startInfra(new InfraSpec(pod, node, "web", false, List.of(), 5));
    String id = startContainerOf(app("shell", DockerEngine.BUSYBOX_1, infra.id(),
        List.of("sleep", "600")));

    ExecResult result = runtime.execAndWait(id, List.of("sh", "-c", "echo out; echo err >&2; exit 7"),
        DEADLINE);
    assertEquals(7, result.exitCode());
    assertEquals("out\n", result.stdout());
    assertEquals("err\n", result.stderr());

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StreamSink sink = new StreamSink() {
      @Override
      public void onData(Channel channel, byte[] data) {
        synchronized (out) {
          out.writeBytes(data);
        }
      }

      @Override
      public void onEnd(Throwable error) {}
    };
    try (ExecSession session = runtime.exec(id, new ExecSpec(List.of("sh", "-c", "read x; echo got:$x; exit 4"),
        true, false), sink)) {
      session.write("hello\n".getBytes(StandardCharsets.UTF_8));
      OptionalInt code = session.awaitExit(DEADLINE);
      assertEquals(OptionalInt.of(4), code);
    }
    synchronized (out) {
      assertEquals("got:hello\n", out.toString(StandardCharsets.UTF_8));
      out.reset();
    }

    // the end of stdin reaches the command: cat ends and the script goes on
    try (ExecSession session = runtime.exec(id, new ExecSpec(List.of("sh", "-c", "cat; echo after-eof"),
        true, false), sink)) {
      session.write("line\n".getBytes(StandardCharsets.UTF_8));
      session.closeStdin();
      assertEquals(OptionalInt.of(0), session.awaitExit(DEADLINE));
    }
    synchronized (out) {
      assertEquals("line\nafter-eof\n", out.toString(StandardCharsets.UTF_8));
      out.reset();
    }

    try (ExecSession session = runtime.exec(id, new ExecSpec(List.of("sh", "-c", "read x; stty size"),
        true, true), sink)) {
      session.resize(91, 33);
      session.write("\n".getBytes(StandardCharsets.UTF_8));
      assertEquals(OptionalInt.of(0), session.awaitExit(DEADLINE));
    }
    synchronized (out) {
      assertTrue(out.toString(StandardCharsets.UTF_8).contains("33 91"), out.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void aRestartedKubeletAdoptsItsContainersByLabel() {
    InfraContainer infra = runtime.startInfra(new InfraSpec(pod, node, "web", false,
        List.of(new PortMapping("http", 80, "TCP", 0, "127.0.0.1")), 12));
    String app = startContainerOf(app("server", DockerEngine.BUSYBOX_1, infra.id(),
        List.of("sleep", "600")).withRestartCount(2));

    try (DockerRuntime restarted = DockerRuntime.connect(null, null)) {
      List<ObservedContainer> found = restarted.listContainers(node);
      assertEquals(2, found.size());
      ObservedContainer foundInfra = found.stream().filter(ObservedContainer::infra).findFirst().orElseThrow();
      ObservedContainer foundApp = found.stream().filter(c -> !c.infra()).findFirst().orElseThrow();
      assertEquals(infra.id(), foundInfra.id());
      assertEquals(pod, foundInfra.pod());
      assertEquals(ContainerLabels.INFRA_CONTAINER_NAME, foundInfra.containerName());
      assertEquals(infra.publishedPorts(), foundInfra.publishedPorts());
      assertEquals(12, foundInfra.graceSeconds());
      assertEquals(app, foundApp.id());
      assertEquals(pod, foundApp.pod());
      assertEquals("server", foundApp.containerName());
      assertEquals(2, foundApp.restartCount());
      assertEquals("hash-server", foundApp.specHash());
      assertTrue(foundApp.running());
      assertTrue(restarted.listContainers(node + "-other").isEmpty(), "other nodes' containers are not mine");
    }
  }

  @Test
  void limitsAndStats() {
    InfraContainer infra = runtime.startInfra(new InfraSpec(pod, node, "web", false, List.of(), 5));
    String id = startContainerOf(app("busy", DockerEngine.BUSYBOX_1, infra.id(),
        List.of("sh", "-c", "while :; do :; done")).withLimits(200, 64L << 20));
    ContainerStats stats = runtime.stats(id);
    assertEquals(64L << 20, stats.memoryLimitBytes());
    assertTrue(stats.memoryUsageBytes() > 0);
    await("cpu time is used", () -> runtime.stats(id).cpuUsageNanos() > 0);
  }

  @Test
  void hostNetworkContainersUseTheNodesAddresses() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = free.getLocalPort();
    }
    InfraContainer infra = runtime.startInfra(new InfraSpec(pod, node, "web", true,
        List.of(new PortMapping("http", port, "TCP", port, "127.0.0.1")), 5));
    assertTrue(infra.publishedPorts().isEmpty(), "host networking publishes nothing");
    ContainerSpecBuilder spec = app("server", DockerEngine.BUSYBOX_2, null,
        List.of("httpd", "-f", "-p", "127.0.0.1:" + port, "-h", "/www")).withHostNetwork();
    startContainerOf(spec);
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + port + "/");
    await("the host-network server answers", () -> {
      try {
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body()
            .equals("coxswain busybox 2\n");
      } catch (Exception e) {
        return false;
      }
    });
  }

  @Test
  void imagesMissingAndUnpullableGiveClearErrors() {
    ImagePullException pull = assertThrows(ImagePullException.class,
        () -> runtime.ensureImage("coxswain.invalid/nothing:1", PullPolicy.IF_NOT_PRESENT));
    assertEquals(ImagePullException.ERR_IMAGE_PULL, pull.reason());
    assertTrue(pull.getMessage().contains("coxswain.invalid/nothing:1"), pull.getMessage());

    ImagePullException never = assertThrows(ImagePullException.class,
        () -> runtime.ensureImage("coxswain.invalid/nothing:1", PullPolicy.NEVER));
    assertEquals(ImagePullException.ERR_IMAGE_NEVER_PULL, never.reason());

    runtime.ensureImage(DockerEngine.BUSYBOX_1, PullPolicy.NEVER);
    runtime.ensureImage(DockerEngine.BUSYBOX_1, PullPolicy.IF_NOT_PRESENT);
  }

  @Test
  void versionAndInfo() {
    RuntimeVersion version = runtime.version();
    assertTrue(List.of("docker", "podman").contains(version.name()));
    assertFalse(version.version().isBlank());
    assertTrue(version.nodeInfoVersion().startsWith(version.name() + "://"));
    RuntimeInfo info = runtime.info();
    assertTrue(info.cpus() > 0);
    assertTrue(info.memoryBytes() > 0);
    assertTrue(runtime.ping());
  }

  @Test
  void anUnavailableInfraImageFallsBackToALocalPauseImage() {
    String endpoint = runtime.endpoint();
    try (DockerRuntime other = new DockerRuntime(new DockerRuntime.Config(endpoint,
        "coxswain.invalid/pause:0", Duration.ofSeconds(30)))) {
      String image = other.infraImage();
      assertTrue(image.endsWith(DockerRuntime.LOCAL_PAUSE_IMAGE) || image.endsWith(DockerRuntime.BUILT_PAUSE_IMAGE),
          image);
    }
  }

  @Test
  void aPauseImageCanBeBuiltFromTheHostsBusybox() {
    org.junit.jupiter.api.Assumptions.assumeTrue(DockerEngine.exists("/bin/busybox"), "no /bin/busybox");
    String tag = "coxswain/pause:it-" + node;
    try {
      runtime.buildPauseImage(tag);
      assertTrue(runtime.imagePresent(tag));
      try (DockerRuntime other = new DockerRuntime(new DockerRuntime.Config(runtime.endpoint(), tag, null))) {
        InfraContainer infra = other.startInfra(new InfraSpec(pod, node, "web", false, List.of(), 5));
        assertTrue(other.inspect(infra.id()).orElseThrow().running());
        other.stop(infra.id(), Duration.ofSeconds(20));
        assertEquals(0, other.inspect(infra.id()).orElseThrow().exitCode(), "exits 0 on SIGTERM");
      }
    } finally {
      for (ObservedContainer c : runtime.listContainers(node)) {
        runtime.remove(c.id());
      }
      try {
        runtime.removeImage(tag);
      } catch (RuntimeException ignored) {
        // best effort
      }
    }
  }

  // ------------------------------------------------------------ helpers

  private ContainerSpecBuilder app(String name, String image, String infraId, List<String> command) {
    return new ContainerSpecBuilder(new ContainerSpec(pod, node, name, image, PullPolicy.NEVER, command, List.of(),
        null, Map.of("GREETING", "hi"), List.of(), 0, 0, false, false, false, infraId, false, 0, "hash-" + name, 5));
  }

  /** Small fluent copy helper for the test's specs. */
  private record ContainerSpecBuilder(ContainerSpec spec) {
    ContainerSpecBuilder withMounts(List<Mount> mounts) {
      return new ContainerSpecBuilder(new ContainerSpec(spec.pod(), spec.nodeName(), spec.name(), spec.image(),
          spec.pullPolicy(), spec.command(), spec.args(), spec.workingDir(), spec.env(), mounts, spec.cpuMillis(),
          spec.memoryBytes(), spec.stdin(), spec.stdinOnce(), spec.tty(), spec.networkFrom(), spec.hostNetwork(), spec.restartCount(),
          spec.specHash(), spec.graceSeconds()));
    }

    ContainerSpecBuilder withLimits(long cpuMillis, long memoryBytes) {
      return new ContainerSpecBuilder(new ContainerSpec(spec.pod(), spec.nodeName(), spec.name(), spec.image(),
          spec.pullPolicy(), spec.command(), spec.args(), spec.workingDir(), spec.env(), spec.mounts(), cpuMillis,
          memoryBytes, spec.stdin(), spec.stdinOnce(), spec.tty(), spec.networkFrom(), spec.hostNetwork(), spec.restartCount(),
          spec.specHash(), spec.graceSeconds()));
    }

    ContainerSpecBuilder withHostNetwork() {
      return new ContainerSpecBuilder(new ContainerSpec(spec.pod(), spec.nodeName(), spec.name(), spec.image(),
          spec.pullPolicy(), spec.command(), spec.args(), spec.workingDir(), spec.env(), spec.mounts(),
          spec.cpuMillis(), spec.memoryBytes(), spec.stdin(), spec.stdinOnce(), spec.tty(), null, true, spec.restartCount(),
          spec.specHash(), spec.graceSeconds()));
    }

    ContainerSpecBuilder withRestartCount(int count) {
      return new ContainerSpecBuilder(spec.withRestartCount(count));
    }
  }

  private String startContainerOf(ContainerSpecBuilder b) {
    return runtime.startContainer(b.spec());
  }

  private ObservedContainer awaitExit(String id) {
    AtomicReference<ObservedContainer> last = new AtomicReference<>();
    await("container " + id + " exits", () -> {
      ObservedContainer c = runtime.inspect(id).orElseThrow();
      last.set(c);
      return c.state() == ObservedContainer.State.EXITED;
    });
    return last.get();
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting until " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
    }
  }
}
