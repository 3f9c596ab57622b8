package io.coxswain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedStringsTest {
  private static Pod decode(String name) {
    String json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"shop\","
        + "\"labels\":{\"app\":\"web\"},\"annotations\":{\"note\":\"" + "n".repeat(SharedStrings.MAX_LENGTH + 1) + "\"}},"
        + "\"spec\":{\"nodeName\":\"node-7\",\"containers\":[{\"name\":\"c\",\"image\":\"coxswain/busybox:1\","
        + "\"command\":[\"sleep\",\"3600\"]}]},\"status\":{\"phase\":\"Running\"}}";
    return Json.read(json.getBytes(StandardCharsets.UTF_8), Pod.class);
  }

  @Test
  void equalShortValuesOfSeparatelyDecodedObjectsAreOneInstance() {
    Pod a = decode("web-1");
    Pod b = decode("web-2");
    assertSame(a.getMetadata().getNamespace(), b.getMetadata().getNamespace());
    assertSame(a.getMetadata().getLabels().get("app"), b.getMetadata().getLabels().get("app"));
    assertSame(a.getSpec().getNodeName(), b.getSpec().getNodeName());
    assertSame(a.getSpec().getContainers().get(0).getImage(), b.getSpec().getContainers().get(0).getImage());
    assertSame(a.getSpec().getContainers().get(0).getCommand().get(1), b.getSpec().getContainers().get(0).getCommand().get(1));
    assertSame(a.getStatus().getPhase(), b.getStatus().getPhase());
    // the values themselves are unchanged
    assertEquals("web-1", a.getMetadata().getName());
    assertEquals("web-2", b.getMetadata().getName());
    assertEquals(Map.of("app", "web"), b.getMetadata().getLabels());
    assertEquals("3600", b.getSpec().getContainers().get(0).getCommand().get(1));
  }

  @Test
  void longValuesAreKeptAsDecoded() {
    Pod a = decode("web-1");
    Pod b = decode("web-1");
    assertEquals(a.getMetadata().getAnnotations().get("note"), b.getMetadata().getAnnotations().get("note"));
    assertNotSame(a.getMetadata().getAnnotations().get("note"), b.getMetadata().getAnnotations().get("note"));
  }

  @Test
  void textNodesOfTreesShareTheirValues() {
    JsonNode a = Json.tree("{\"phase\":\"Pending\"}".getBytes(StandardCharsets.UTF_8));
    JsonNode b = Json.tree("{\"phase\":\"Pending\"}".getBytes(StandardCharsets.UTF_8));
    assertSame(a.get("phase").textValue(), b.get("phase").textValue());
  }

  @Test
  void otherTokensAreCoercedAsBeforeAndNullStaysNull() {
    Pod p = Json.read("{\"metadata\":{\"name\":12,\"namespace\":null}}".getBytes(StandardCharsets.UTF_8), Pod.class);
    assertEquals("12", p.getMetadata().getName());
    assertNull(p.getMetadata().getNamespace());
    assertNull(SharedStrings.share(null));
    String s = new String("abc");
    assertSame(SharedStrings.share(s), SharedStrings.share(new String("abc")));
  }
}
