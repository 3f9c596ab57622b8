package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProtobufBodyTest {
  /** Length-delimited field. */
  static byte[] field(int number, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(number << 3 | 2);
    out.write(content.length);
    out.writeBytes(content);
    return out.toByteArray();
  }

  static byte[] str(int number, String s) {
    return field(number, s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] envelope(String kind, byte[] raw) {
    return concat(new byte[] {0x6b, 0x38, 0x73, 0x00},
        field(1, concat(str(1, "v1"), str(2, kind))), field(2, raw), str(3, ""), str(4, ""));
  }

  @Test
  void decodesANamespaceAsKubectlCreateNamespaceSendsIt() {
    byte[] meta = concat(str(1, "tmp"), str(2, ""), field(11, concat(str(1, "team"), str(2, "a"))));
    byte[] raw = concat(field(1, meta), field(2, new byte[0]), field(3, str(1, "")));
    ObjectNode ns = ProtobufBody.decode(envelope("Namespace", raw));
    assertEquals("Namespace", ns.path("kind").asText());
    assertEquals("v1", ns.path("apiVersion").asText());
    assertEquals("tmp", ns.path("metadata").path("name").asText());
    assertEquals("a", ns.path("metadata").path("labels").path("team").asText());
    assertFalse(ns.path("metadata").has("generateName"));
  }

  @Test
  void objectsWithASpecAre415() {
    byte[] raw = concat(field(1, str(1, "svc")), field(2, str(1, "x")));
    ApiException e = assertThrows(ApiException.class, () -> ProtobufBody.decode(envelope("Service", raw)));
    assertEquals(415, e.code());
  }

  @Test
  void garbageIs400() {
    assertEquals(400, assertThrows(ApiException.class, () -> ProtobufBody.decode(new byte[] {1, 2, 3, 4, 5})).code());
    byte[] truncated = new byte[] {0x6b, 0x38, 0x73, 0x00, 0x12, 0x7f, 0x01};
    assertEquals(400, assertThrows(ApiException.class, () -> ProtobufBody.decode(truncated)).code());
  }
}
