package io.coxswain.api.table;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodPrinterTest {
  static final Instant NOW = Instant.parse("2025-01-01T01:00:00Z");
  static final String BASE = """
      metadata: {name: web, namespace: default, creationTimestamp: "2025-01-01T00:00:00Z"}
      spec:
        nodeName: node-1
        containers:
        - {name: web, image: nginx}
        - {name: log, image: busybox}
      """;

  static Pod pod(String yaml) {
    try {
      return Json.YAML.readValue(yaml, Pod.class);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<Arguments> statuses() {
    return Stream.of(
        Arguments.of("pending, nothing reported", "status: {phase: Pending}", "Pending", "0/2", "0"),
        Arguments.of("creating", """
            status:
              phase: Pending
              containerStatuses:
              - {name: web, ready: false, restartCount: 0, state: {waiting: {reason: ContainerCreating}}}
              - {name: log, ready: false, restartCount: 0, state: {waiting: {reason: ContainerCreating}}}
            """, "ContainerCreating", "0/2", "0"),
        Arguments.of("running", """
            status:
              phase: Running
              conditions: [{type: Ready, status: "True"}]
              containerStatuses:
              - {name: web, ready: true, restartCount: 0, state: {running: {startedAt: "2025-01-01T00:00:10Z"}}}
              - {name: log, ready: true, restartCount: 0, state: {running: {startedAt: "2025-01-01T00:00:10Z"}}}
            """, "Running", "2/2", "0"),
        Arguments.of("crash loop with restarts", """
            status:
              phase: Running
              containerStatuses:
              - name: web
                ready: false
                restartCount: 4
                state: {waiting: {reason: CrashLoopBackOff}}
                lastState: {terminated: {exitCode: 1, reason: Error, finishedAt: "2025-01-01T00:55:00Z"}}
              - {name: log, ready: true, restartCount: 1, state: {running: {}}}
            """, "CrashLoopBackOff", "1/2", "5 (5m ago)"),
        Arguments.of("exit code without reason", """
            status:
              phase: Failed
              containerStatuses:
              - {name: web, ready: false, restartCount: 0, state: {terminated: {exitCode: 3}}}
              - {name: log, ready: false, restartCount: 0, state: {terminated: {exitCode: 0, signal: 9}}}
            """, "ExitCode:3", "0/2", "0"),
        Arguments.of("completed but one still running", """
            status:
              phase: Running
              conditions: [{type: Ready, status: "False"}]
              containerStatuses:
              - {name: web, ready: true, restartCount: 0, state: {running: {}}}
              - {name: log, ready: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed}}}
            """, "NotReady", "1/2", "0"),
        Arguments.of("image pull", """
            status:
              phase: Pending
              containerStatuses:
              - {name: web, ready: false, restartCount: 0, state: {waiting: {reason: ImagePullBackOff}}}
            """, "ImagePullBackOff", "0/2", "0"),
        Arguments.of("evicted", "status: {phase: Failed, reason: Evicted}", "Evicted", "0/2", "0"),
        Arguments.of("terminating", """
            metadata: {deletionTimestamp: "2025-01-01T00:59:00Z"}
            status:
              phase: Running
              containerStatuses:
              - {name: web, ready: true, restartCount: 0, state: {running: {}}}
            """, "Terminating", "1/2", "0"),
        Arguments.of("finished pod being deleted keeps its reason", """
            metadata: {deletionTimestamp: "2025-01-01T00:59:00Z"}
            status:
              phase: Succeeded
              containerStatuses:
              - {name: web, ready: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed}}}
            """, "Completed", "0/2", "0"),
        Arguments.of("node lost", """
            metadata: {deletionTimestamp: "2025-01-01T00:59:00Z"}
            status: {phase: Running, reason: NodeLost}
            """, "Unknown", "0/2", "0"),
        Arguments.of("init waiting", """
            spec:
              initContainers: [{name: setup, image: busybox}, {name: migrate, image: busybox}]
            status:
              phase: Pending
              initContainerStatuses:
              - {name: setup, ready: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed}}}
              - {name: migrate, ready: false, restartCount: 0, state: {running: {}}}
            """, "Init:1/2", "0/2", "0"),
        Arguments.of("init crash", """
            spec:
              initContainers: [{name: setup, image: busybox}]
            status:
              phase: Pending
              initContainerStatuses:
              - {name: setup, ready: false, restartCount: 2, state: {waiting: {reason: CrashLoopBackOff}}}
            """, "Init:CrashLoopBackOff", "0/2", "2"),
        Arguments.of("init failed with exit code", """
            spec:
              initContainers: [{name: setup, image: busybox}]
            status:
              phase: Pending
              initContainerStatuses:
              - {name: setup, ready: false, restartCount: 0, state: {terminated: {exitCode: 2}}}
            """, "Init:ExitCode:2", "0/2", "0"),
        Arguments.of("scheduling gated", """
            status:
              phase: Pending
              conditions: [{type: PodScheduled, status: "False", reason: SchedulingGated}]
            """, "SchedulingGated", "0/2", "0"));
  }

  /** Merges the case's YAML into the base pod (metadata, spec and status are overlaid field by field). */
  static Pod podWith(String overlay) throws IOException {
    var base = (com.fasterxml.jackson.databind.node.ObjectNode) Json.YAML.readTree(BASE);
    var extra = Json.YAML.readTree(overlay);
    extra.fieldNames().forEachRemaining(f -> {
      var target = (com.fasterxml.jackson.databind.node.ObjectNode) base.with(f);
      target.setAll((com.fasterxml.jackson.databind.node.ObjectNode) extra.get(f));
    });
    return Json.MAPPER.treeToValue(base, Pod.class);
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("statuses")
  void statusReadyAndRestartsAsKubectlShowsThem(String name, String overlay, String status, String ready, String restarts)
      throws IOException {
    List<Object> cells = new PodPrinter().cells(podWith(overlay), NOW);
    assertEquals(List.of("web", ready, status, restarts, "60m"), cells.subList(0, 5));
  }

  @Test
  void wideCells() throws IOException {
    Pod p = podWith("""
        spec:
          readinessGates: [{conditionType: example.com/gate}]
        status:
          phase: Running
          podIP: 127.0.0.5
          podIPs: [{ip: 127.0.0.5}]
          conditions: [{type: example.com/gate, status: "True"}]
        """);
    assertEquals(List.of("127.0.0.5", "node-1", "<none>", "1/1"), new PodPrinter().cells(p, NOW).subList(5, 9));
    Pod bare = pod("metadata: {name: x}\nspec: {containers: [{name: a, image: b}]}");
    assertEquals(List.of("x", "0/1", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"), new PodPrinter().cells(bare, NOW));
  }

  @Test
  void finishedPodsCarryRowConditions() throws IOException {
    PodPrinter printer = new PodPrinter();
    assertEquals(List.of(new RowCondition("Completed", "True", "Succeeded", "The pod has completed successfully.")),
        printer.conditions(podWith("status: {phase: Succeeded}")));
    assertEquals("Failed", printer.conditions(podWith("status: {phase: Failed}")).get(0).reason());
    assertEquals(List.of(), printer.conditions(podWith("status: {phase: Running}")));
  }

  @Test
  void columnsMatchKubernetes() {
    List<Column> columns = new PodPrinter().columns();
    assertEquals(List.of("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"),
        columns.stream().map(Column::name).toList());
    assertEquals(List.of(0, 0, 0, 0, 0, 1, 1, 1, 1), columns.stream().map(Column::priority).toList());
    assertEquals("name", columns.get(0).format());
  }
}
