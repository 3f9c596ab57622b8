package io.coxswain.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import java.nio.charset.StandardCharsets;

/**
 * The little of Kubernetes' protobuf encoding kubectl's typed clients send for simple objects
 * ({@code kubectl create namespace x} posts {@code application/vnd.kubernetes.protobuf}): the {@code k8s\0}
 * envelope with its TypeMeta, and an object whose only content is ObjectMeta (name, generateName, labels,
 * annotations, finalizers). Anything with more is refused with a 415 that says to send JSON or YAML.
 */
public final class ProtobufBody {
  public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";
  private static final byte[] MAGIC = {0x6b, 0x38, 0x73, 0x00};

  private ProtobufBody() {}

  /** Decodes the body into the JSON form of the object. */
  public static ObjectNode decode(byte[] body) {
    if (body.length < 4 || body[0] != MAGIC[0] || body[1] != MAGIC[1] || body[2] != MAGIC[2] || body[3] != MAGIC[3]) {
      throw ApiException.badRequest("the protobuf body lacks the k8s envelope");
    }
    Reader envelope = new Reader(body, 4, body.length);
    String apiVersion = "";
    String kind = "";
    byte[] raw = null;
    while (envelope.more()) {
      int tag = envelope.varintInt();
      int field = tag >>> 3;
      if (field == 1 && (tag & 7) == 2) {
        Reader typeMeta = envelope.message();
        while (typeMeta.more()) {
          int t = typeMeta.varintInt();
          if ((t >>> 3) == 1 && (t & 7) == 2) {
            apiVersion = typeMeta.string();
          } else if ((t >>> 3) == 2 && (t & 7) == 2) {
            kind = typeMeta.string();
          } else {
            typeMeta.skip(t);
          }
        }
      } else if (field == 2 && (tag & 7) == 2) {
        raw = envelope.bytes();
      } else {
        envelope.skip(tag);
      }
    }
    if (raw == null) {
      throw ApiException.badRequest("the protobuf body carries no object");
    }
    ObjectNode object = Json.MAPPER.createObjectNode();
    object.put("apiVersion", apiVersion);
    object.put("kind", kind);
    Reader r = new Reader(raw, 0, raw.length);
    while (r.more()) {
      int tag = r.varintInt();
      int field = tag >>> 3;
      if (field == 1 && (tag & 7) == 2) {
        object.set("metadata", objectMeta(r.message()));
      } else if ((field == 2 || field == 3) && (tag & 7) == 2) {
        if (!blank(r.message())) {
          throw unsupported(kind);
        }
      } else {
        throw unsupported(kind);
      }
    }
    return object;
  }

  /** Whether a message holds only empty strings or messages and zeros (what Go writes for an empty struct). */
  private static boolean blank(Reader r) {
    while (r.more()) {
      int tag = r.varintInt();
      switch (tag & 7) {
        case 0 -> {
          if (r.varint() != 0) {
            return false;
          }
        }
        case 2 -> {
          Reader inner = r.message();
          if (inner.more()) {
            return false;
          }
        }
        default -> {
          return false;
        }
      }
    }
    return true;
  }

  private static ApiException unsupported(String kind) {
    return ApiException.unsupportedMediaType(MEDIA_TYPE + " (a " + kind + " with more than metadata; send it as JSON or YAML,"
        + " e.g. kubectl create -f)", java.util.List.of(MediaTypes.JSON, MediaTypes.YAML));
  }

  private static ObjectNode objectMeta(Reader r) {
    ObjectNode meta = Json.MAPPER.createObjectNode();
    while (r.more()) {
      int tag = r.varintInt();
      int field = tag >>> 3;
      switch (field) {
        case 1 -> putIfSet(meta, "name", r.string());
        case 2 -> putIfSet(meta, "generateName", r.string());
        case 3 -> putIfSet(meta, "namespace", r.string());
        case 11, 12 -> {
          Reader entry = r.message();
          String key = "";
          String value = "";
          while (entry.more()) {
            int t = entry.varintInt();
            if ((t >>> 3) == 1) {
              key = entry.string();
            } else if ((t >>> 3) == 2) {
              value = entry.string();
            } else {
              entry.skip(t);
            }
          }
          meta.with(field == 11 ? "labels" : "annotations").put(key, value);
        }
        case 14 -> meta.withArray("finalizers").add(r.string());
        default -> r.skip(tag);
      }
    }
    return meta;
  }

  private static void putIfSet(ObjectNode meta, String field, String value) {
    if (!value.isEmpty()) {
      meta.put(field, value);
    }
  }

  /** A protobuf wire-format reader over a slice. */
  private static final class Reader {
    private final byte[] buf;
    private int pos;
    private final int end;

    Reader(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw ApiException.badRequest("truncated protobuf body");
        }
        byte b = buf[pos++];
        v |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw ApiException.badRequest("malformed protobuf varint");
    }

    int varintInt() {
      return (int) varint();
    }

    byte[] bytes() {
      int len = varintInt();
      if (len < 0 || pos + len > end) {
        throw ApiException.badRequest("truncated protobuf body");
      }
      byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + len);
      pos += len;
      return out;
    }

    String string() {
      return new String(bytes(), StandardCharsets.UTF_8);
    }

    Reader message() {
      int len = varintInt();
      if (len < 0 || pos + len > end) {
        throw ApiException.badRequest("truncated protobuf body");
      }
      Reader r = new Reader(buf, pos, pos + len);
      pos += len;
      return r;
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> bytes();
        case 5 -> pos += 4;
        default -> throw ApiException.badRequest("unsupported protobuf wire type " + (tag & 7));
      }
      if (pos > end) {
        throw ApiException.badRequest("truncated protobuf body");
      }
    }
  }
}
