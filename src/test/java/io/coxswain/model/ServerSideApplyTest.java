package io.coxswain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerSideApplyTest {
  static final String T = "2026-11-28T12:00:00Z";

  static ObjectNode yaml(String s) {
    try {
      return (ObjectNode) Json.YAML.readTree(s);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  static final String POD = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: p
        labels: {app: web, tier: front}
      spec:
        containers:
        - name: web
          image: nginx:1
          ports: [{containerPort: 80}]
          args: [a, b]
        - name: side
          image: busybox
      """;

  static ObjectNode apply(ObjectNode live, String config, String manager, boolean force) throws Exception {
    return ServerSideApply.apply("Pod", live, yaml(config), manager, force, T);
  }

  static JsonNode fields(ObjectNode o, String manager) {
    for (JsonNode e : o.at("/metadata/managedFields")) {
      if (e.path("manager").asText().equals(manager)) {
        return e.path("fieldsV1");
      }
    }
    return null;
  }

  @Test
  void aFirstApplyCreatesTheObjectAndRecordsWhatItSetAsKubernetesWritesIt() throws Exception {
    ObjectNode created = apply(null, POD, "kubectl", false);
    assertEquals("nginx:1", created.at("/spec/containers/0/image").asText());
    JsonNode entry = created.at("/metadata/managedFields/0");
    assertEquals("kubectl", entry.path("manager").asText());
    assertEquals("Apply", entry.path("operation").asText());
    assertEquals("FieldsV1", entry.path("fieldsType").asText());
    assertEquals(T, entry.path("time").asText());
    JsonNode f = entry.path("fieldsV1");
    assertTrue(f.at("/f:metadata/f:labels/f:app").isObject(), f.toString());
    assertFalse(f.path("f:metadata").has("f:name"), "the name is the server's: " + f);
    JsonNode web = f.at("/f:spec/f:containers").get("k:{\"name\":\"web\"}");
    assertTrue(web.has("."), f.toString());
    assertTrue(web.has("f:image"), f.toString());
    assertTrue(web.path("f:args").isEmpty(), "an atomic list is owned whole: " + f);
    assertTrue(web.path("f:ports").has("k:{\"containerPort\":80,\"protocol\":\"TCP\"}"), f.toString());
  }

  @Test
  void fieldsLeftOutOfTheNextApplyAreRemovedAndOthersStay() throws Exception {
    ObjectNode live = apply(null, POD, "kubectl", false);
    live.with("metadata").with("labels").put("set-by-hand", "yes"); // an update, owned by no applier
    live.putObject("status").put("phase", "Running");
    ObjectNode next = apply(live, """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          labels: {app: web}
        spec:
          containers:
          - name: web
            image: nginx:2
            args: [c]
        """, "kubectl", false);
    assertEquals(Map.of("app", "web", "set-by-hand", "yes"), Json.MAPPER.convertValue(next.at("/metadata/labels"), Map.class));
    assertEquals(1, next.at("/spec/containers").size(), "the container it no longer applies is gone: " + next);
    assertEquals("nginx:2", next.at("/spec/containers/0/image").asText());
    assertEquals(List.of("c"), Json.MAPPER.convertValue(next.at("/spec/containers/0/args"), List.class));
    assertFalse(next.at("/spec/containers/0").has("ports"), next.toString());
    assertEquals("Running", next.at("/status/phase").asText(), "the status is not the applier's");
    assertEquals(1, next.at("/metadata/managedFields").size());
  }

  @Test
  void anotherAppliersFieldWithAnotherValueIsAConflictUnlessForced() throws Exception {
    ObjectNode live = apply(null, POD, "kubectl", false);
    String mine = """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - name: web
            image: nginx:3
        """;
    ServerSideApply.ConflictException e = assertThrows(ServerSideApply.ConflictException.class,
        () -> apply(live, mine, "ci", false));
    assertEquals(Map.of("kubectl", List.of(".spec.containers[name=\"web\"].image")), e.byManager());
    assertEquals("Apply failed with 1 conflict: conflict with \"kubectl\" using v1: .spec.containers[name=\"web\"].image", e.getMessage());

    // the same value is shared, not a conflict
    ObjectNode shared = apply(live, mine.replace("nginx:3", "nginx:1"), "ci", false);
    assertEquals(2, shared.at("/metadata/managedFields").size());

    ObjectNode forced = apply(live, mine, "ci", true);
    assertEquals("nginx:3", forced.at("/spec/containers/0/image").asText());
    assertFalse(fields(forced, "kubectl").at("/f:spec/f:containers").get("k:{\"name\":\"web\"}").has("f:image"),
        "the forced field changed hands: " + forced.at("/metadata/managedFields"));
    assertTrue(fields(forced, "ci").at("/f:spec/f:containers").get("k:{\"name\":\"web\"}").has("f:image"));
    // the first applier now leaving the image out removes nothing: it is ci's
    ObjectNode after = apply(forced, POD.replace("    image: nginx:1\n", ""), "kubectl", false);
    assertEquals("nginx:3", after.at("/spec/containers/0/image").asText(), after.toString());
  }

  @Test
  void aFieldBothOwnStaysWhenOneStopsApplyingIt() throws Exception {
    ObjectNode live = apply(null, POD, "a", false);
    live = apply(live, """
        apiVersion: v1
        kind: Pod
        metadata: {name: p, labels: {tier: front}}
        """, "b", false);
    ObjectNode next = apply(live, POD.replace(", tier: front", ""), "a", false);
    assertEquals("front", next.at("/metadata/labels/tier").asText(), "b still owns it: " + next.at("/metadata"));
    ObjectNode last = apply(next, """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        """, "b", false);
    assertTrue(last.at("/metadata/labels/tier").isMissingNode(), last.at("/metadata").toString());
  }

  @Test
  void setsMergeByValueAndPortsByPortAndProtocol() throws Exception {
    ObjectNode svc = ServerSideApply.apply("Service", null, yaml("""
        apiVersion: v1
        kind: Service
        metadata: {name: s, finalizers: [a/x]}
        spec:
          ports: [{port: 53, protocol: UDP, name: dns}, {port: 53, name: dns-tcp}]
        """), "m", false, T);
    JsonNode ports = fields(svc, "m").at("/f:spec/f:ports");
    assertTrue(ports.has("k:{\"port\":53,\"protocol\":\"UDP\"}") && ports.has("k:{\"port\":53,\"protocol\":\"TCP\"}"), ports.toString());
    assertTrue(fields(svc, "m").at("/f:metadata/f:finalizers").has("v:\"a/x\""));
    svc.with("metadata").withArray("finalizers").add("b/y");
    ObjectNode next = ServerSideApply.apply("Service", svc, yaml("""
        apiVersion: v1
        kind: Service
        metadata: {name: s}
        spec:
          ports: [{port: 53, protocol: UDP, name: dns}]
        """), "m", false, T);
    assertEquals(List.of("b/y"), Json.MAPPER.convertValue(next.at("/metadata/finalizers"), List.class));
    assertEquals(1, next.at("/spec/ports").size());
    assertEquals("UDP", next.at("/spec/ports/0/protocol").asText());
  }
}
