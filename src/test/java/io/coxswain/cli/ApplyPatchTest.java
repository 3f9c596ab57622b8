package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.StrategicMergePatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ApplyPatchTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        // name, kind, original (last applied), modified (the file), current (live), expected patch
        Arguments.of("nothing changed, server added defaults and status", "ReplicationController",
            "{\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}}}",
            "{\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}}}",
            "{\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"imagePullPolicy\":\"Always\"}],\"dnsPolicy\":\"ClusterFirst\"}}},\"status\":{\"replicas\":2}}",
            "{}"),
        Arguments.of("a changed scalar", "ReplicationController",
            "{\"spec\":{\"replicas\":2}}",
            "{\"spec\":{\"replicas\":3}}",
            "{\"spec\":{\"replicas\":2,\"x\":1}}",
            "{\"spec\":{\"replicas\":3}}"),
        Arguments.of("a field dropped from the file is removed", "Pod",
            "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"server\"}}}",
            "{\"metadata\":{\"labels\":{\"b\":null}}}"),
        Arguments.of("a label set by someone else and never applied stays", "Pod",
            "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":\"1\",\"extra\":\"kept\"}}}",
            "{}"),
        Arguments.of("a field dropped from the file but already gone live is not sent", "Pod",
            "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}",
            "{}"),
        Arguments.of("live drift of an applied field is corrected", "ReplicationController",
            "{\"spec\":{\"replicas\":2}}",
            "{\"spec\":{\"replicas\":2}}",
            "{\"spec\":{\"replicas\":5}}",
            "{\"spec\":{\"replicas\":2}}"),
        Arguments.of("a changed container is sent by its name, the others are not", "Pod",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"y\"},{\"name\":\"b\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"imagePullPolicy\":\"Always\"},{\"name\":\"b\",\"image\":\"x\",\"imagePullPolicy\":\"Always\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"y\"}],\"$setElementOrder/containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}"),
        Arguments.of("a field removed inside a container is deleted there", "Pod",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"args\":[\"x\"]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"args\":[\"x\"],\"imagePullPolicy\":\"Always\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"args\":null}],\"$setElementOrder/containers\":[{\"name\":\"a\"}]}}"),
        Arguments.of("a container dropped from the file is deleted by its name", "Pod",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"containers\":[{\"$patch\":\"delete\",\"name\":\"b\"}],\"$setElementOrder/containers\":[{\"name\":\"a\"}]}}"),
        Arguments.of("a new container is sent whole", "Pod",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"z\",\"command\":[\"sh\"]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"z\",\"command\":[\"sh\"]}],\"$setElementOrder/containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}"),
        Arguments.of("reordered containers send only the order", "Pod",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"x\"},{\"name\":\"a\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}}"),
        Arguments.of("env merges by name inside the rc template", "ReplicationController",
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"env\":[{\"name\":\"X\",\"value\":\"1\"},{\"name\":\"Y\",\"value\":\"1\"}]}]}}}}",
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"env\":[{\"name\":\"X\",\"value\":\"2\"}]}]}}}}",
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"env\":[{\"name\":\"X\",\"value\":\"1\"},{\"name\":\"Y\",\"value\":\"1\"},{\"name\":\"Z\",\"value\":\"other\"}]}]}}}}",
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"env\":[{\"name\":\"X\",\"value\":\"2\"},{\"$patch\":\"delete\",\"name\":\"Y\"}],\"$setElementOrder/env\":[{\"name\":\"X\"}]}],\"$setElementOrder/containers\":[{\"name\":\"a\"}]}}}}"),
        Arguments.of("ports merge by containerPort, live protocol default kept", "Pod",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":80}]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":80},{\"containerPort\":81}]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":81}],\"$setElementOrder/ports\":[{\"containerPort\":80},{\"containerPort\":81}]}],\"$setElementOrder/containers\":[{\"name\":\"a\"}]}}"),
        Arguments.of("volumes merge by name", "Pod",
            "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}},{\"name\":\"w\",\"emptyDir\":{}}]}}",
            "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]}}",
            "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}},{\"name\":\"w\",\"emptyDir\":{}}]}}",
            "{\"spec\":{\"volumes\":[{\"$patch\":\"delete\",\"name\":\"w\"}],\"$setElementOrder/volumes\":[{\"name\":\"v\"}]}}"),
        Arguments.of("service ports merge by port", "Service",
            "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080}]}}",
            "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090}]}}",
            "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080,\"protocol\":\"TCP\"}],\"clusterIP\":\"10.0.0.9\"}}",
            "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090}],\"$setElementOrder/ports\":[{\"port\":80}]}}"),
        Arguments.of("an atomic list that changed is sent whole", "Pod",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"command\":[\"sh\",\"-c\",\"x\"]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"command\":[\"sh\",\"-c\",\"y\"]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"command\":[\"sh\",\"-c\",\"x\"]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"command\":[\"sh\",\"-c\",\"y\"]}],\"$setElementOrder/containers\":[{\"name\":\"a\"}]}}"),
        Arguments.of("an atomic list whose live items carry defaults is unchanged", "Pod",
            "{\"spec\":{\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\"}]}}",
            "{\"spec\":{\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\"}]}}",
            "{\"spec\":{\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\",\"effect\":\"\"}]}}",
            "{}"),
        Arguments.of("finalizers merge as a set", "Namespace",
            "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
            "{\"metadata\":{\"finalizers\":[\"a\",\"c\"]}}",
            "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"server\"]}}",
            "{\"metadata\":{\"finalizers\":[\"c\"],\"$deleteFromPrimitiveList/finalizers\":[\"b\"],\"$setElementOrder/finalizers\":[\"a\",\"c\"]}}"),
        Arguments.of("no last-applied: only additions and changes", "Pod",
            null,
            "{\"metadata\":{\"labels\":{\"a\":\"2\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"1\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":\"2\"}}}"),
        Arguments.of("a new object field", "Service",
            "{}",
            "{\"spec\":{\"selector\":{\"app\":\"x\"}}}",
            "{\"spec\":{}}",
            "{\"spec\":{\"selector\":{\"app\":\"x\"}}}"),
        Arguments.of("null in the file removes the live field", "Service",
            "{}",
            "{\"spec\":{\"selector\":null}}",
            "{\"spec\":{\"selector\":{\"app\":\"x\"}}}",
            "{\"spec\":{\"selector\":null}}"),
        Arguments.of("equal numbers in other forms", "Pod",
            "{\"a\":1}",
            "{\"a\":1.0}",
            "{\"a\":1}",
            "{}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void threeWay(String name, String kind, String original, String modified, String current, String expected) {
    JsonNode o = original == null ? null : CliJson.parse(original);
    ObjectNode patch = ApplyPatch.threeWay(kind, o, CliJson.parse(modified), CliJson.parse(current));
    assertEquals(CliJson.parse(expected), patch);
  }

  /** The server's strategic merge patch applied to the live object brings it to the file: a second apply finds nothing to do. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void thePatchedObjectNeedsNoFurtherPatch(String name, String kind, String original, String modified, String current,
      String expected) throws Exception {
    JsonNode file = CliJson.parse(modified);
    ObjectNode patch = ApplyPatch.threeWay(kind, original == null ? null : CliJson.parse(original), file, CliJson.parse(current));
    JsonNode patched = StrategicMergePatch.apply(kind, CliJson.parse(current), patch);
    assertEquals(CliJson.object(), ApplyPatch.threeWay(kind, file, file, patched), "after " + patch + ": " + patched);
  }

  @Test
  void dropsWhatOnlyTheLastApplyHadAndKeepsWhatOthersSet() throws Exception {
    String original = "{\"metadata\":{\"labels\":{\"app\":\"x\",\"old\":\"1\"}},\"spec\":{\"containers\":["
        + "{\"name\":\"a\",\"image\":\"x\",\"env\":[{\"name\":\"E\",\"value\":\"1\"}]},{\"name\":\"b\",\"image\":\"x\"}]}}";
    String file = "{\"metadata\":{\"labels\":{\"app\":\"x\"}},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"y\"}]}}";
    String live = "{\"metadata\":{\"labels\":{\"app\":\"x\",\"old\":\"1\",\"tier\":\"fe\"}},\"spec\":{\"containers\":["
        + "{\"name\":\"a\",\"image\":\"x\",\"env\":[{\"name\":\"E\",\"value\":\"1\"}],\"imagePullPolicy\":\"Always\"},"
        + "{\"name\":\"b\",\"image\":\"x\"}],\"dnsPolicy\":\"ClusterFirst\"},\"status\":{\"phase\":\"Running\"}}";
    ObjectNode patch = ApplyPatch.threeWay("Pod", CliJson.parse(original), CliJson.parse(file), CliJson.parse(live));
    JsonNode result = StrategicMergePatch.apply("Pod", CliJson.parse(live), patch);
    assertEquals(CliJson.parse("{\"metadata\":{\"labels\":{\"app\":\"x\",\"tier\":\"fe\"}},\"spec\":{\"containers\":["
        + "{\"name\":\"a\",\"image\":\"y\",\"imagePullPolicy\":\"Always\"}],\"dnsPolicy\":\"ClusterFirst\"},"
        + "\"status\":{\"phase\":\"Running\"}}"), result);
  }

  @Test
  void anItemWithoutItsMergeKeyIsAClearError() {
    CliException e = assertThrows(CliException.class, () -> ApplyPatch.threeWay("Pod", null,
        CliJson.parse("{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}"),
        CliJson.parse("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}")));
    assertTrue(e.getMessage().contains("spec.containers") && e.getMessage().contains("\"name\""), e.getMessage());
  }

  @Test
  void lastAppliedRecordsTheFileWithoutItselfAsKubectlWritesIt() {
    ObjectNode file = (ObjectNode) CliJson.parse("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"},"
        + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"args\":[\"a<b&c>d\"]}]}}");
    ObjectNode withIt = ApplyPatch.withLastApplied(file);
    String recorded = withIt.path("metadata").path("annotations").path(ApplyPatch.LAST_APPLIED).asText();
    assertEquals("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{},\"name\":\"p\",\"namespace\":\"default\"},"
        + "\"spec\":{\"containers\":[{\"args\":[\"a\\u003cb\\u0026c\\u003ed\"],\"image\":\"i\",\"name\":\"c\"}]}}\n", recorded);
    // applying the annotated object again records the same text
    assertEquals(recorded, ApplyPatch.withLastApplied(withIt).path("metadata").path("annotations").path(ApplyPatch.LAST_APPLIED).asText());
  }
}
