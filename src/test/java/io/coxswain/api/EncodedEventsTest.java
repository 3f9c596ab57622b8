package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EncodedEventsTest {
  private final EncodedEvents events = new EncodedEvents();
  private final AtomicInteger encodings = new AtomicInteger();

  private byte[] encode(String type, ObjectNode object) {
    encodings.incrementAndGet();
    return WatchStream.encode(type, object);
  }

  private static ObjectNode pod(String name) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("kind", "Pod");
    o.putObject("metadata").put("name", name);
    return o;
  }

  @Test
  void theWatchersOfOneChangeShareOneEncodingOfIt() {
    ObjectNode pod = pod("web-1");
    byte[] first = events.encoded("ADDED", pod, this::encode);
    byte[] second = events.encoded("ADDED", pod, this::encode);
    assertSame(first, second);
    assertEquals(1, encodings.get());
    assertEquals("{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\"}}}",
        new String(first, java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void anotherTypeOrAnotherInstanceIsEncodedAfresh() {
    ObjectNode pod = pod("web-1");
    byte[] added = events.encoded("ADDED", pod, this::encode);
    byte[] deleted = events.encoded("DELETED", pod, this::encode);
    assertEquals("DELETED", Json.tree(deleted).path("type").asText());
    // an equal object of another change (another instance, say after an update made in place) is not trusted
    byte[] other = events.encoded("ADDED", pod("web-1"), this::encode);
    assertEquals(3, encodings.get());
    assertArrayEquals(added, other);
  }

  @Test
  void manyChangesInTurnAreEachEncodedCorrectly() {
    for (int i = 0; i < 500; i++) {
      ObjectNode pod = pod("web-" + i);
      byte[] a = events.encoded("MODIFIED", pod, this::encode);
      byte[] b = events.encoded("MODIFIED", pod, this::encode);
      assertSame(a, b);
      assertEquals("web-" + i, Json.tree(a).path("object").path("metadata").path("name").asText());
    }
    assertEquals(500, encodings.get());
  }
}
