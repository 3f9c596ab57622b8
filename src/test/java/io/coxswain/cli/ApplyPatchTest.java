package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ApplyPatchTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        // name, original, modified, current, expected patch
        Arguments.of("nothing changed, server added defaults and status",
            "{\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}}}",
            "{\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}}}",
            "{\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"imagePullPolicy\":\"Always\"}],\"dnsPolicy\":\"ClusterFirst\"}}},\"status\":{\"replicas\":2}}",
            "{}"),
        Arguments.of("a changed scalar",
            "{\"spec\":{\"replicas\":2}}", "{\"spec\":{\"replicas\":3}}", "{\"spec\":{\"replicas\":2,\"x\":1}}",
            "{\"spec\":{\"replicas\":3}}"),
        Arguments.of("a field dropped from the file is removed",
            "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}", "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"server\"}}}",
            "{\"metadata\":{\"labels\":{\"b\":null}}}"),
        Arguments.of("a field set by someone else and never applied stays",
            "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}", "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":\"1\",\"extra\":\"kept\"}}}", "{}"),
        Arguments.of("live drift of an applied field is corrected",
            "{\"spec\":{\"replicas\":2}}", "{\"spec\":{\"replicas\":2}}", "{\"spec\":{\"replicas\":5}}",
            "{\"spec\":{\"replicas\":2}}"),
        Arguments.of("a changed list element sends the whole list",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"y\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"imagePullPolicy\":\"Always\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"y\"}]}}"),
        Arguments.of("a field removed inside a list element sends the list",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"args\":[\"x\"]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"args\":[\"x\"]}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}"),
        Arguments.of("no last-applied: only additions and changes",
            null, "{\"metadata\":{\"labels\":{\"a\":\"2\"}}}", "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"1\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":\"2\"}}}"),
        Arguments.of("a new object field",
            "{}", "{\"spec\":{\"selector\":{\"app\":\"x\"}}}", "{\"spec\":{}}",
            "{\"spec\":{\"selector\":{\"app\":\"x\"}}}"),
        Arguments.of("equal numbers in other forms",
            "{\"a\":1}", "{\"a\":1.0}", "{\"a\":1}", "{}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void threeWay(String name, String original, String modified, String current, String expected) {
    JsonNode o = original == null ? null : CliJson.parse(original);
    ObjectNode patch = ApplyPatch.threeWay(o, CliJson.parse(modified), CliJson.parse(current));
    assertEquals(CliJson.parse(expected), patch);
  }

  @Test
  void lastAppliedRecordsTheFileWithoutItself() {
    ObjectNode file = (ObjectNode) CliJson.parse("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\"}}");
    ObjectNode withIt = ApplyPatch.withLastApplied(file);
    String recorded = withIt.path("metadata").path("annotations").path(ApplyPatch.LAST_APPLIED).asText();
    assertEquals("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}\n", recorded);
    // applying the annotated object again records the same text
    assertEquals(recorded, ApplyPatch.withLastApplied(withIt).path("metadata").path("annotations").path(ApplyPatch.LAST_APPLIED).asText());
  }
}
