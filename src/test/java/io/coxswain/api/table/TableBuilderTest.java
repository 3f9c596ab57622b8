package io.coxswain.api.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TableBuilderTest {
  static final Instant NOW = Instant.parse("2025-01-01T00:05:00Z");

  static Pod pod(String name, String phase) throws IOException {
    return Json.YAML.readValue("""
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: default, resourceVersion: "42", creationTimestamp: "2025-01-01T00:00:00Z"}
        spec: {containers: [{name: a, image: b}]}
        status: {phase: %s}
        """.formatted(name, phase), Pod.class);
  }

  static Stream<Arguments> policies() {
    return Stream.of(
        Arguments.of(IncludeObject.NONE, null),
        Arguments.of(IncludeObject.METADATA, "PartialObjectMetadata"),
        Arguments.of(IncludeObject.OBJECT, "Pod"));
  }

  @ParameterizedTest(name = "includeObject={0}")
  @MethodSource("policies")
  void tableOfPods(IncludeObject include, String objectKind) throws IOException {
    ObjectNode table = TableBuilder.table(new PodPrinter(), List.of(pod("a", "Running"), pod("b", "Succeeded")), include,
        "100", "next-token", 5L, NOW);
    assertEquals("Table", table.get("kind").asText());
    assertEquals("meta.k8s.io/v1", table.get("apiVersion").asText());
    assertEquals("100", table.at("/metadata/resourceVersion").asText());
    assertEquals("next-token", table.at("/metadata/continue").asText());
    assertEquals(5, table.at("/metadata/remainingItemCount").asLong());
    JsonNode first = table.at("/columnDefinitions/0");
    assertEquals(List.of("name", "type", "format", "description", "priority"), fieldNames(first));
    assertEquals("Name", first.get("name").asText());
    assertEquals(1, table.at("/columnDefinitions/5/priority").asInt());
    assertEquals(2, table.get("rows").size());
    JsonNode row = table.at("/rows/0");
    assertEquals("a", row.at("/cells/0").asText());
    assertEquals("0/1", row.at("/cells/1").asText());
    assertEquals("Running", row.at("/cells/2").asText());
    assertEquals("5m", row.at("/cells/4").asText());
    assertEquals(9, row.get("cells").size());
    assertFalse(row.has("conditions"));
    assertEquals("Completed", table.at("/rows/1/conditions/0/type").asText());
    assertEquals("Succeeded", table.at("/rows/1/conditions/0/reason").asText());
    if (objectKind == null) {
      assertFalse(row.has("object"));
    } else {
      assertEquals(objectKind, row.at("/object/kind").asText());
      assertEquals("a", row.at("/object/metadata/name").asText());
      assertEquals("42", row.at("/object/metadata/resourceVersion").asText());
      assertEquals(objectKind.equals("Pod"), row.at("/object/spec").isObject());
    }
  }

  @Test
  void integerCellsAreNumbersAndEmptyListMetadataIsLeftOut() throws IOException {
    ReplicationController rc = Json.YAML.readValue("""
        metadata: {name: web, creationTimestamp: "2025-01-01T00:00:00Z"}
        spec: {replicas: 2, selector: {app: web}}
        """, ReplicationController.class);
    ObjectNode table = TableBuilder.table(new ReplicationControllerPrinter(), List.of(rc), IncludeObject.NONE, null, null,
        null, NOW);
    assertTrue(table.at("/rows/0/cells/1").isIntegralNumber());
    assertEquals(2, table.at("/rows/0/cells/1").asInt());
    assertEquals(0, table.get("metadata").size());
    ObjectNode empty = TableBuilder.table(new ReplicationControllerPrinter(), List.of(), IncludeObject.NONE, "7", "", null, NOW);
    assertTrue(empty.get("rows").isArray());
    assertEquals(0, empty.get("rows").size());
    assertFalse(empty.get("metadata").has("continue"));
  }

  @Test
  void includeObjectParameter() {
    assertEquals(IncludeObject.METADATA, IncludeObject.parse(null));
    assertEquals(IncludeObject.NONE, IncludeObject.parse("None"));
    assertEquals(IncludeObject.OBJECT, IncludeObject.parse("Object"));
    assertThrows(IllegalArgumentException.class, () -> IncludeObject.parse("Everything"));
  }

  static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
