package io.coxswain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.ResidentPages;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real master process on 127.0.4.1 (no local minion): a clean stop on SIGTERM and a restart on the
 * same data dir; the command line's own answers (--help, --version, a bad flag, a port in use).
 */
@Timeout(180)
class SingleMasterIT {
  static final String ADDRESS = "127.0.4.1";
  @TempDir
  static Path root;
  static final List<NodeProcess> started = new ArrayList<>();

  @AfterAll
  static void cleanUp() throws InterruptedException {
    for (NodeProcess p : started) {
      p.close();
    }
  }

  static KubernetesClient client(NodeProcess master) {
    Config config = new ConfigBuilder(master.clientConfig())
        .withRequestRetryBackoffLimit(0).withRequestTimeout(60_000).build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  static Pod pod(String name) {
    // bound to a node that does not exist: nothing schedules or runs it, it only has to be stored
    return new PodBuilder().withNewMetadata().withName(name).addToLabels("it", "single").endMetadata()
        .withNewSpec().withNodeName("single-it-nowhere").addNewContainer().withName("c")
        .withImage("coxswain/busybox:1").withCommand("sleep", "3600").endContainer().endSpec().build();
  }

  @Test
  void sigtermStopsCleanlyAndARestartResumesWithEveryObject() throws Exception {
    NodeProcess master = NodeProcess.master(root, "single-m1", ADDRESS, 6443, 2380, "--local-minion=false");
    started.add(master);
    master.start().awaitReady(Duration.ofSeconds(60));
    Set<String> created = new TreeSet<>();
    try (KubernetesClient k = client(master)) {
      for (int i = 0; i < 50; i++) {
        String name = "keep-" + i;
        k.pods().resource(pod(name)).create();
        created.add(name);
      }
    }
    int exit = master.stop();
    assertEquals(0, exit, "exit code after SIGTERM; log:\n" + master.tail(40));
    assertFalse(master.tail(200).contains("Exception in thread"), master.tail(60));

    NodeProcess again = NodeProcess.master(root, "single-m1", ADDRESS, 6443, 2380, "--local-minion=false");
    started.add(again);
    again.start().awaitReady(Duration.ofSeconds(60));
    try (KubernetesClient k = client(again)) {
      Set<String> found = k.pods().withLabel("it", "single").list().getItems().stream()
          .map(p -> p.getMetadata().getName()).collect(Collectors.toCollection(TreeSet::new));
      assertEquals(created, found);
      // and the store takes writes again
      k.pods().resource(pod("after-restart")).create();
      assertEquals("after-restart", k.pods().withName("after-restart").get().getMetadata().getName());
    }
    assertEquals(0, again.stop(), again.tail(40));
  }

  /**
   * A master paused (SIGSTOP; a suspended or migrated VM) for over a minute steps down when it wakes and is
   * elected again in a new term, with no other leader between. Its store must still be open (Ratis' default
   * closes a member's server after such a pause, leaving a master that answers and can never write), and its
   * controllers, which write fenced by the term they started in, must start again for the new one, or the
   * cluster is left without a working replication manager (its writes refused for good).
   */
  @Test
  void aMasterPausedForOverAMinuteLeadsAgainAndItsStoreAndControllersWork() throws Exception {
    NodeProcess master = NodeProcess.master(root, "single-m3", "127.0.4.3", 6443, 2380, "--local-minion=false");
    started.add(master);
    master.start().awaitReady(Duration.ofSeconds(60));
    try (KubernetesClient k = client(master)) {
      k.replicationControllers().resource(new io.fabric8.kubernetes.api.model.ReplicationControllerBuilder()
          .withNewMetadata().withName("paused").endMetadata()
          .withNewSpec().withReplicas(1).addToSelector("app", "paused").withNewTemplate()
          .withNewMetadata().addToLabels("app", "paused").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("coxswain/busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      io.coxswain.testing.Wait.until("the replication manager creates the first pod", Duration.ofSeconds(30),
          () -> k.pods().withLabel("app", "paused").list().getItems().size() == 1);

      // Ratis' pause monitor missed the pause twice in CI (sessions 26 and 27: no "Detected pause" in the log, its thread
      // sleeping normally afterwards): the stimulus is given a second time then, as the test is of what
      // follows a pause the member noticed
      for (int attempt = 1; ; attempt++) {
        signal("STOP", master.pid());
        try {
          // the stimulus itself: Ratis steps a leader down after a pause of more than 10 s, and by default
          // shut a member's server down after one of more than 60 s
          Thread.sleep(65_000);
        } finally {
          signal("CONT", master.pid());
        }
        try {
          io.coxswain.testing.Wait.until("Ratis' pause monitor reports the pause", Duration.ofSeconds(20),
              () -> master.tail(400).contains("Detected pause in JVM"), () -> afterPause(master));
          break;
        } catch (AssertionError missed) {
          if (attempt == 2) {
            throw missed;
          }
        }
      }
      io.coxswain.testing.Wait.until("the master is elected again in a new term", Duration.ofSeconds(60),
          () -> master.tail(400).contains("elected again in term"), () -> afterPause(master));

      k.replicationControllers().withName("paused").edit(rc -> {
        rc.getSpec().setReplicas(3);
        return rc;
      });
      io.coxswain.testing.Wait.until("the replication manager of the new term creates two more pods",
          Duration.ofSeconds(60), () -> k.pods().withLabel("app", "paused").list().getItems().size() == 3,
          () -> master.tail(40));
    }
    assertEquals(0, master.stop(), master.tail(40));
  }

  /** A master named {@code name} on {@code address}, started, that created 30 pods named {@code prefix}-N. */
  static NodeProcess masterWithPods(String name, String address, String prefix, Set<String> created)
      throws Exception {
    NodeProcess master = NodeProcess.master(root, name, address, 6443, 2380, "--local-minion=false");
    started.add(master);
    master.start().awaitReady(Duration.ofSeconds(60));
    try (KubernetesClient k = client(master)) {
      for (int i = 0; i < 30; i++) {
        k.pods().resource(pod(prefix + "-" + i)).create();
        created.add(prefix + "-" + i);
      }
    }
    return master;
  }

  /** The first file under the node's data dir whose name {@code matches}. */
  static Path fileOf(NodeProcess node, java.util.function.Predicate<String> matches) throws IOException {
    try (var files = Files.walk(node.dataDir())) {
      return files.filter(f -> matches.test(f.getFileName().toString())).findFirst().orElseThrow();
    }
  }

  /**
   * Starts the master on its data dir again; checks that its log says {@code said}, that it holds the pods
   * named {@code prefix}-N (checked by {@code kept}) and that it takes a new one; then stops it cleanly.
   */
  static void startsAgain(NodeProcess before, String said, String prefix,
                          java.util.function.Consumer<Set<String>> kept) throws Exception {
    NodeProcess again = NodeProcess.master(root, before.dataDir().getFileName().toString(),
        before.apiAddress().substring(0, before.apiAddress().lastIndexOf(':')), 6443, 2380, "--local-minion=false");
    started.add(again);
    again.start().awaitReady(Duration.ofSeconds(60));
    assertTrue(again.tail(400).contains(said), again.tail(60));
    try (KubernetesClient k = client(again)) {
      kept.accept(k.pods().withLabel("it", "single").list().getItems().stream()
          .map(p -> p.getMetadata().getName()).filter(n -> n.startsWith(prefix + "-"))
          .collect(Collectors.toCollection(TreeSet::new)));
      k.pods().resource(pod("after-" + prefix)).create();
      assertEquals("after-" + prefix, k.pods().withName("after-" + prefix).get().getMetadata().getName());
    }
    assertEquals(0, again.stop(), again.tail(40));
  }

  /**
   * A power cut in the middle of a write leaves the Raft log's open segment with a torn last entry (here: its
   * last 40 bytes zeroed after a SIGKILL). The master starts again, dropping that entry with a warning, where
   * it refused to start at all; what came before it is there, and it takes new writes.
   */
  @Test
  void aMasterWhoseLastLogEntryWasTornStartsAgain() throws Exception {
    Set<String> created = new TreeSet<>();
    NodeProcess master = masterWithPods("single-m6", "127.0.4.6", "torn", created);
    master.kill();
    Path open = fileOf(master, n -> n.startsWith("log_inprogress_"));
    byte[] segment = Files.readAllBytes(open);
    int end = segment.length;
    while (end > 0 && segment[end - 1] == 0) {
      end--; // the segment is preallocated: zeros after its last entry
    }
    assertTrue(end > 40, "entries in " + open);
    java.util.Arrays.fill(segment, end - 40, end, (byte) 0);
    Files.write(open, segment);
    // the torn entry is the last write: one of these creates, or a write of the master's own after them
    startsAgain(master, "Failed to read segment file", "torn", found ->
        assertTrue(created.containsAll(found) && found.size() >= created.size() - 1, "found " + found));
  }

  /**
   * A master whose MapDB state file was damaged while it was down (here: its header overwritten after a
   * SIGKILL) moves it aside and rebuilds it from the Raft log, where it refused to start; every object is back.
   */
  @Test
  void aMasterWhoseStateFileWasDamagedRebuildsItFromTheLog() throws Exception {
    Set<String> created = new TreeSet<>();
    NodeProcess master = masterWithPods("single-m7", "127.0.4.7", "kept", created);
    master.kill();
    try (var ch = java.nio.channels.FileChannel.open(fileOf(master, "kv.db"::equals),
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[64]), 0);
    }
    startsAgain(master, "cannot be read", "kept", found -> assertEquals(created, found));
  }

  /**
   * A master that goes quiet after a burst of writes lets go of its store file's pages (IdleHeapTrim, then
   * MappedPages): they leave the process's resident memory, and every object still reads back from the file.
   */
  @Test
  void aQuietMasterLetsGoOfItsStoreFilesPagesAndKeepsEveryObject() throws Exception {
    NodeProcess master = NodeProcess.master(root, "single-m8", "127.0.4.8", 6443, 2380, "--local-minion=false");
    started.add(master);
    master.start().awaitReady(Duration.ofSeconds(60));
    Path kv = fileOf(master, "kv.db"::equals).toRealPath();
    String pad = "p".repeat(8 * 1024);
    long busiest = 0;
    try (KubernetesClient k = client(master)) {
      for (int i = 0; i < 300; i++) {
        Pod p = pod("quiet-" + i);
        p.getMetadata().setAnnotations(java.util.Map.of("pad", pad + i));
        k.pods().resource(p).create();
        if (i % 50 == 49) {
          busiest = Math.max(busiest, ResidentPages.residentKb(master.pid(), kv));
        }
      }
      long seen = busiest;
      assertTrue(seen >= 2048, "the writes made the store file's pages resident: " + seen + " KB");
      Wait.until("the quiet master's store file pages leave its resident memory (were " + seen + " KB)",
          Duration.ofSeconds(60), () -> ResidentPages.residentKb(master.pid(), kv) <= seen / 4,
          () -> "resident now: " + ResidentPages.residentKb(master.pid(), kv) + " KB");
      List<Pod> pods = k.pods().withLabel("it", "single").list().getItems().stream()
          .filter(p -> p.getMetadata().getName().startsWith("quiet-")).toList();
      assertEquals(300, pods.size());
      for (Pod p : pods) {
        String n = p.getMetadata().getName().substring("quiet-".length());
        assertEquals(pad + n, p.getMetadata().getAnnotations().get("pad"), p.getMetadata().getName());
      }
      k.pods().resource(pod("quiet-after")).create();
      assertEquals("quiet-after", k.pods().withName("quiet-after").get().getMetadata().getName());
    }
  }

  /**
   * Large writes that come together: each within the limits, they must not fail for being over the store's
   * limit together (the store groups concurrent writes into one Raft entry, and an entry has a size limit). On one
   * master the six seldom meet in one entry (its entries commit quickly), so this part checks the path end to
   * end; {@code RaftKvStoreClusterTest} is the test that makes them meet.
   * A body within the API's 3 MiB whose object is over the store's limit once encoded (text that JSON escapes
   * and YAML does not) is refused with 413 and writes nothing.
   */
  @Test
  void largeWritesAtOnceAllSucceedAndAnObjectOverTheStoresLimitIs413() throws Exception {
    NodeProcess master = NodeProcess.master(root, "single-m9", "127.0.4.9", 6443, 2380, "--local-minion=false");
    started.add(master);
    master.start().awaitReady(Duration.ofSeconds(60));
    String value = "v".repeat(2600 * 1024);
    int writers = 6;
    try (KubernetesClient k = client(master)) {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
      try {
        List<java.util.concurrent.Future<Pod>> results = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
          Pod p = pod("large-" + i);
          p.getSpec().getContainers().get(0).setEnv(List.of(new io.fabric8.kubernetes.api.model.EnvVar("BIG", value, null)));
          results.add(pool.submit(() -> k.pods().resource(p).create()));
        }
        for (java.util.concurrent.Future<Pod> r : results) {
          r.get(120, TimeUnit.SECONDS); // throws if its create failed
        }
      } finally {
        pool.shutdownNow();
      }
      for (int i = 0; i < writers; i++) {
        assertEquals(value, k.pods().withName("large-" + i).get().getSpec().getContainers().get(0).getEnv().get(0)
            .getValue());
      }

      String quotes = "\"".repeat(2200 * 1024); // 2.2 MB in YAML, twice that escaped in JSON
      String yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: too-large\nspec:\n  nodeName: single-it-nowhere\n"
          + "  containers:\n  - name: c\n    image: coxswain/busybox:1\n    env:\n    - name: BIG\n      value: '"
          + quotes + "'\n";
      java.net.http.HttpResponse<String> r = master.adminHttp().send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create(master.server() + "/api/v1/namespaces/default/pods"))
          .header("Content-Type", "application/yaml").POST(java.net.http.HttpRequest.BodyPublishers.ofString(yaml))
          .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(413, r.statusCode(), r.body());
      assertTrue(r.body().contains("\"reason\":\"RequestEntityTooLarge\""), r.body());
      assertTrue(r.body().contains("the store takes at most"), r.body());
      assertEquals(null, k.pods().withName("too-large").get());
      k.pods().resource(pod("after-large")).create(); // and the store takes writes as before
      assertEquals("after-large", k.pods().withName("after-large").get().getMetadata().getName());
    }
    assertFalse(master.tail(400).contains("exceeds the max buffer limit"), master.tail(40));
  }

  /**
   * What a master that did not lead again after its pause looked like: whether it runs (the kernel's state of the
   * process), the stack of Ratis' pause monitor (the thread that notices the pause and steps the leader down)
   * and the log's tail. A failure seen once in CI showed nothing in the log after the start.
   */
  static String afterPause(NodeProcess master) {
    StringBuilder out = new StringBuilder();
    try {
      out.append("process ").append(Files.readAllLines(Path.of("/proc/" + master.pid() + "/status")).stream()
          .filter(l -> l.startsWith("State:")).findFirst().orElse("State: ?")).append('\n');
      Process dump = new ProcessBuilder("jcmd", Long.toString(master.pid()), "Thread.print").redirectErrorStream(true).start();
      String threads = dump.waitFor(20, TimeUnit.SECONDS)
          ? new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8) : "(no thread dump in 20 s)";
      dump.destroyForcibly();
      String monitor = java.util.Arrays.stream(threads.split("\n\n")).filter(t -> t.contains("JvmPauseMonitor"))
          .collect(Collectors.joining("\n"));
      out.append("pause monitor thread: ").append(monitor.isEmpty() ? "(none)" : monitor).append('\n');
    } catch (IOException e) {
      out.append("(").append(e.getMessage()).append(")\n");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out.append(master.tail(60)).toString();
  }

  static void signal(String name, long pid) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
    assertEquals(0, kill.waitFor(), "kill -" + name + " " + pid);
  }

  @Test
  void helpAndVersionPrintAndExitZero() throws Exception {
    Run help = run("--help");
    assertEquals(0, help.exit, help.output);
    assertTrue(help.output.contains("--role"), help.output);
    assertTrue(help.output.contains("--join"), help.output);
    Run version = run("--version");
    assertEquals(0, version.exit, version.output);
    assertFalse(version.output.isBlank());
    assertTrue(version.output.lines().count() <= 5, version.output);
  }

  @Test
  void aBadFlagPrintsOneLineAndFails() throws Exception {
    Run bad = run("--role=master", "--no-such-flag=1");
    assertNotEquals(0, bad.exit);
    List<String> lines = bad.output.lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), bad.output);
    assertTrue(lines.get(0).contains("--no-such-flag"), bad.output);
  }

  @Test
  void aPortInUseGivesAClearMessage() throws Exception {
    String address = "127.0.4.2";
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName(address), 6443));
      Run busy = run("--role=master", "--local-minion=false", "--node-name=single-busy", "--address=" + address,
          "--data-dir=" + root.resolve("single-busy"));
      assertNotEquals(0, busy.exit, busy.output);
      // the last word is one line naming the address and the cause (warnings of a slow start may precede it)
      List<String> lines = busy.output.lines().filter(l -> !l.isBlank()).toList();
      String last = lines.get(lines.size() - 1);
      assertTrue(last.startsWith("error: "), busy.output);
      assertTrue(last.contains("in use"), busy.output);
      assertTrue(last.contains(address + ":6443"), busy.output);
    }
  }

  record Run(int exit, String output) {}

  static Run run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-jar", NodeProcess.jar().toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(root, "run", ".out");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("still running after 60 s: " + cmd + "\n" + Files.readString(out));
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }
}
