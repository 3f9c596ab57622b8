package io.coxswain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.coxswain.proxy.AutoProxyMode;
import io.coxswain.testing.NodeProcess;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master whose data dir's disk fills up: its store's Raft member stops when it can no longer write, and the
 * master says why and exits 1 (for its supervisor to start it again), rather than answering with a store that
 * can never write again. Started again once there is room, it holds every write it acknowledged and takes new
 * ones. The data dir is a small tmpfs mounted for the test (root only, as CI runs).
 */
@Timeout(240)
class StoreDiskFullIT {
  static final String ADDRESS = "127.0.4.5";
  @TempDir
  Path root;

  static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }

  /** Writes zeros into {@code file} until the disk has no room left. */
  static void fill(Path file) throws IOException {
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      // no space left: what the test wants
    }
  }

  @Test
  void aMasterWhoseDiskFillsExitsSayingWhyAndComesBackWithEveryAcknowledgedWrite() throws Exception {
    assumeTrue(AutoProxyMode.effectiveUid(Files.readString(Path.of("/proc/self/status"))) == 0,
        "mounting a tmpfs needs root (CI runs as root)");
    Path data = root.resolve("full-m1");
    Files.createDirectories(data);
    run("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", data.toString());
    NodeProcess master = null;
    NodeProcess again = null;
    try {
      master = NodeProcess.master(root, "full-m1", ADDRESS, 6443, 2380, "--local-minion=false");
      master.start().awaitReady(Duration.ofSeconds(60));
      Set<String> acknowledged = new TreeSet<>();
      try (KubernetesClient k = SingleMasterIT.client(master)) {
        for (int i = 0; i < 20; i++) {
          k.pods().resource(SingleMasterIT.pod("room-" + i)).create();
          acknowledged.add("room-" + i);
        }
        fill(data.resolve("fill"));
        // writes now fail, one after another, until the master ends itself
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int i = 0; master.alive() && System.nanoTime() < deadline; i++) {
          try {
            k.pods().resource(SingleMasterIT.pod("full-" + i)).create();
            acknowledged.add("full-" + i);
          } catch (KubernetesClientException refused) {
            // unavailable (or the outcome unknown): not acknowledged
          }
        }
      }
      assertEquals(1, master.awaitExit(Duration.ofSeconds(30)), master.tail(40));
      assertTrue(master.tail(200).contains("the store cannot go on"), master.tail(60));

      Files.delete(data.resolve("fill"));
      again = NodeProcess.master(root, "full-m1", ADDRESS, 6443, 2380, "--local-minion=false");
      again.start().awaitReady(Duration.ofSeconds(60));
      try (KubernetesClient k = SingleMasterIT.client(again)) {
        Set<String> found = k.pods().withLabel("it", "single").list().getItems().stream()
            .map(p -> p.getMetadata().getName()).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(found.containsAll(acknowledged), "lost: " + acknowledged.stream()
            .filter(n -> !found.contains(n)).toList());
        k.pods().resource(SingleMasterIT.pod("after")).create();
        assertEquals("after", k.pods().withName("after").get().getMetadata().getName());
      }
      assertEquals(0, again.stop(), again.tail(40));
    } finally {
      if (master != null) {
        master.close();
      }
      if (again != null) {
        again.close();
      }
      run("umount", "-l", data.toString());
    }
  }
}
