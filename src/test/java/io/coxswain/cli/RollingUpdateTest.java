package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** rolling-update against the in-memory API with a stand-in replication manager that makes pods. */
class RollingUpdateTest {
  FakeApiServer api;

  @BeforeEach
  void start() throws Exception {
    api = new FakeApiServer(Instant.now());
    api.replicationManager = true;
    assertEquals(0, CliRunner.run(api.url(), "run", "web", "--image=nginx:1", "--replicas=3").code());
    settled(3);
  }

  /** The stand-in replication manager acts right after each answer: wait for it. */
  private void settled(int pods) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (pods().size() != pods && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(pods, pods().size());
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private List<JsonNode> pods() {
    synchronized (api) { // the fake changes its objects under its own lock, from its server's threads
      return api.objects.entrySet().stream().filter(e -> e.getKey().contains("/pods/")).map(Map.Entry::getValue)
          .collect(Collectors.toList());
    }
  }

  @Test
  void replacesPodsOneAtATimeAndKeepsTheName() throws Exception {
    CliRunner.Result r = CliRunner.run(api.url(), "rolling-update", "web", "--image=nginx:2", "--update-period=0s", "--poll-interval=10ms");
    assertEquals(0, r.code(), r.toString());
    String out = r.out();
    assertTrue(out.contains("Scaling up web-"), out);
    assertTrue(out.contains(" from 0 to 3, scaling down web from 3 to 0 (keep 3 pods available, don't exceed 4 pods)"), out);
    // one at a time: up 1, down 2, up 2, down 1, up 3, down 0
    List<String> steps = out.lines().filter(l -> l.startsWith("Scaling ") && !l.startsWith("Scaling up")).map(l -> l.replaceAll("web-[0-9a-f]+", "NEW"))
        .collect(Collectors.toList());
    assertEquals(List.of("Scaling NEW up to 1", "Scaling web down to 2", "Scaling NEW up to 2", "Scaling web down to 1",
        "Scaling NEW up to 3", "Scaling web down to 0"), steps);
    assertTrue(out.endsWith("replicationcontroller/web rolling updated\n"), out);
    JsonNode rc = api.objects.get(FakeApiServer.path("default", "replicationcontrollers", "web"));
    assertNotNull(rc);
    assertEquals("nginx:2", rc.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText());
    assertEquals(3, rc.path("spec").path("replicas").asInt());
    String hash = rc.path("spec").path("selector").path("deployment").asText();
    assertTrue(!hash.isEmpty(), rc.toString());
    assertEquals(1, api.objects.keySet().stream().filter(k -> k.contains("/replicationcontrollers/")).count(), api.objects.keySet().toString());
    settled(3);
    List<JsonNode> pods = pods();
    for (JsonNode p : pods) {
      assertEquals("nginx:2", p.path("spec").path("containers").get(0).path("image").asText());
      assertEquals(hash, p.path("metadata").path("labels").path("deployment").asText());
    }
  }

  @Test
  void newPodsNeverReadyThenRollback() throws Exception {
    api.podsReady = false;
    CliRunner.Result r = CliRunner.run(api.url(), "rolling-update", "web", "--image=nginx:bad", "--update-period=0s",
        "--poll-interval=10ms", "--timeout=1s");
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains("timed out waiting for web-"), r.err());
    assertTrue(r.err().contains("run 'rolling-update web --rollback' to go back to web"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    api.podsReady = true;
    CliRunner.Result back = CliRunner.run(api.url(), "rolling-update", "web", "--rollback", "--update-period=0s", "--poll-interval=10ms");
    assertEquals(0, back.code(), back.toString());
    assertTrue(back.out().endsWith("replicationcontroller/web rolled back\n"), back.out());
    JsonNode rc = api.objects.get(FakeApiServer.path("default", "replicationcontrollers", "web"));
    assertEquals(3, rc.path("spec").path("replicas").asInt());
    assertEquals("nginx:1", rc.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText());
    assertNull(rc.path("metadata").path("annotations").get(RollingUpdateCommand.NEXT));
    assertEquals(1, api.objects.keySet().stream().filter(k -> k.contains("/replicationcontrollers/")).count());
    settled(3);
    assertEquals(3, pods().stream().filter(p -> p.path("spec").path("containers").get(0).path("image").asText().equals("nginx:1")).count());
  }
}
