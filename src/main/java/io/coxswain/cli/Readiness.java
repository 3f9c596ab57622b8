package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Polling the API until pods are Ready, with a deadline. */
final class Readiness {
  private Readiness() {}

  static boolean isReady(JsonNode pod) {
    if (!pod.path("metadata").path("deletionTimestamp").isMissingNode()) {
      return false;
    }
    for (JsonNode c : pod.path("status").path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) {
        return "True".equals(c.path("status").asText());
      }
    }
    return false;
  }

  static String selector(JsonNode labels) {
    List<String> parts = new ArrayList<>();
    labels.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + e.getValue().asText()));
    return String.join(",", parts);
  }

  static int readyCount(ApiConnection api, String ns, JsonNode labels) {
    int ready = 0;
    for (JsonNode p : api.get(new Query().add("labelSelector", selector(labels)).on(ResourceType.PODS.path(ns, null))).path("items")) {
      if (isReady(p)) {
        ready++;
      }
    }
    return ready;
  }

  static void waitForReady(ApiConnection api, String ns, JsonNode labels, int want, Duration timeout, Progress progress)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      int ready = readyCount(api, ns, labels);
      progress.update(ready);
      if (ready >= want) {
        progress.done();
        return;
      }
      if (System.nanoTime() > deadline) {
        progress.done();
        throw new CliException("error: timed out waiting for the condition (" + ready + " of " + want + " pods ready)");
      }
      Thread.sleep(500);
    }
  }
}
