package io.coxswain.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.Pod;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WatchLineTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void anObjectAfterItsTypeIsReadIntoItsClass() {
    WatchLine<Pod> e = WatchLine.parse(bytes("{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",\"metadata\":"
        + "{\"name\":\"web\",\"resourceVersion\":\"12\"},\"spec\":{\"nodeName\":\"n1\"},\"extra\":[1,{\"a\":2}]}}"), Pod.class);
    assertEquals("MODIFIED", e.type());
    assertEquals("web", e.object().getMetadata().getName());
    assertEquals("12", e.object().getMetadata().getResourceVersion());
    assertEquals("n1", e.object().getSpec().getNodeName());
    assertNull(e.tree());
  }

  @Test
  void anObjectBeforeItsTypeAndUnknownFieldsAreReadToo() {
    WatchLine<Pod> e = WatchLine.parse(bytes("{\"object\":{\"metadata\":{\"name\":\"web\"}},\"more\":{\"x\":[1]},"
        + "\"type\":\"ADDED\"}"), Pod.class);
    assertEquals("ADDED", e.type());
    assertEquals("web", e.object().getMetadata().getName());
  }

  @Test
  void anErrorKeepsItsStatusAsATree() {
    WatchLine<Pod> e = WatchLine.parse(bytes("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,"
        + "\"reason\":\"Expired\"}}"), Pod.class);
    assertEquals("ERROR", e.type());
    assertNull(e.object());
    assertEquals(410, e.tree().path("code").asInt());
    assertEquals("Expired", e.tree().path("reason").asText());
  }

  @Test
  void aLineThatIsNoEventIsRefused() {
    assertEquals("", WatchLine.parse(bytes("{}"), Pod.class).type());
    assertThrows(IllegalArgumentException.class, () -> WatchLine.parse(bytes("[1]"), Pod.class));
    assertThrows(RuntimeException.class, () -> WatchLine.parse(bytes("{\"type\":\"ADDED\",\"object\":{"), Pod.class));
  }
}
