package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.coxswain.model.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Request bodies in Kubernetes' protobuf encoding ({@code application/vnd.kubernetes.protobuf}), as Go clients
 * configured for it and kubectl's typed commands send them ({@code kubectl create namespace}, {@code kubectl
 * create service clusterip}): the {@code k8s\0} envelope (runtime.Unknown: the TypeMeta and the object's bytes),
 * and the object read against Kubernetes' own schema of its kind (the file descriptors of client-java-proto)
 * into the JSON form the rest of the server takes. The types whose JSON form is not their message's are
 * written as JSON writes them: IntOrString as a number or a string, Quantity as its string, Time and
 * MicroTime as RFC 3339, RawExtension and FieldsV1 as the JSON they carry.
 *
 * <p>Go writes every field of a struct that is not a pointer, set or not; in JSON those are left out when
 * empty. Empty strings are left out here (no field of these kinds gives "" a meaning apart from unset); zeros
 * and false are kept, as a pointer field set to them means what it says (replicas: 0).
 */
public final class ProtobufBody {
  public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";
  private static final byte[] MAGIC = {0x6b, 0x38, 0x73, 0x00};
  private static final String INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString";
  private static final String QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity";
  private static final String TIME = "k8s.io.apimachinery.pkg.apis.meta.v1.Time";
  private static final String MICRO_TIME = "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime";
  private static final String DURATION = "k8s.io.apimachinery.pkg.apis.meta.v1.Duration";
  private static final String RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension";
  private static final String FIELDS_V1 = "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1";
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
  private static final JsonNodeFactory NODES = Json.MAPPER.getNodeFactory();

  private ProtobufBody() {}

  /** The schema files, built on first use (the core one takes ~1,500 message types). */
  private static final class Schemas {
    static final FileDescriptor CORE = io.kubernetes.client.proto.V1.getDescriptor();
    static final FileDescriptor META = io.kubernetes.client.proto.Meta.getDescriptor();
    static final FileDescriptor RUNTIME = io.kubernetes.client.proto.Runtime.getDescriptor();
  }

  /** The review groups' schemas (kubectl auth can-i and whoami post their reviews as protobuf). */
  private static final class ReviewSchemas {
    static final FileDescriptor AUTHORIZATION = io.kubernetes.client.proto.V1Authorization.getDescriptor();
    static final FileDescriptor AUTHENTICATION = io.kubernetes.client.proto.V1Authentication.getDescriptor();
  }

  /** Decodes the body into the JSON form of the object. */
  public static ObjectNode decode(byte[] body) {
    if (body.length < 4 || body[0] != MAGIC[0] || body[1] != MAGIC[1] || body[2] != MAGIC[2] || body[3] != MAGIC[3]) {
      throw ApiException.badRequest("the protobuf body lacks the k8s envelope");
    }
    Descriptor unknownType = Schemas.RUNTIME.findMessageTypeByName("Unknown");
    Message envelope = parse(unknownType, body, 4, "runtime.Unknown envelope");
    Message typeMeta = (Message) envelope.getField(unknownType.findFieldByName("typeMeta"));
    String apiVersion = (String) typeMeta.getField(typeMeta.getDescriptorForType().findFieldByName("apiVersion"));
    String kind = (String) typeMeta.getField(typeMeta.getDescriptorForType().findFieldByName("kind"));
    String encoding = (String) envelope.getField(unknownType.findFieldByName("contentEncoding"));
    if (!encoding.isEmpty()) {
      throw ApiException.unsupportedMediaType(MEDIA_TYPE + " with content encoding " + encoding,
          List.of(MediaTypes.JSON, MediaTypes.YAML, MEDIA_TYPE));
    }
    FieldDescriptor rawField = unknownType.findFieldByName("raw");
    if (!envelope.hasField(rawField)) {
      throw ApiException.badRequest("the protobuf body carries no object");
    }
    Descriptor type = typeOf(apiVersion, kind);
    byte[] raw = ((ByteString) envelope.getField(rawField)).toByteArray();
    ObjectNode object = Json.MAPPER.createObjectNode();
    object.put("apiVersion", apiVersion);
    object.put("kind", kind);
    object.setAll(message(parse(type, raw, 0, kind)));
    return object;
  }

  /** The message type of a kind: core/v1's, or meta/v1's (DeleteOptions and the like are sent under every version). */
  private static Descriptor typeOf(String apiVersion, String kind) {
    Descriptor type = null;
    if (apiVersion.equals("v1") && !kind.isEmpty()) {
      type = Schemas.CORE.findMessageTypeByName(kind);
    }
    if (type == null && (apiVersion.equals("v1") || apiVersion.equals("meta.k8s.io/v1")) && !kind.isEmpty()) {
      type = Schemas.META.findMessageTypeByName(kind);
    }
    if (type == null && apiVersion.equals("authorization.k8s.io/v1") && !kind.isEmpty()) {
      type = ReviewSchemas.AUTHORIZATION.findMessageTypeByName(kind);
    }
    if (type == null && apiVersion.equals("authentication.k8s.io/v1") && !kind.isEmpty()) {
      type = ReviewSchemas.AUTHENTICATION.findMessageTypeByName(kind);
    }
    if (type == null) {
      throw ApiException.unsupportedMediaType(MEDIA_TYPE + " (no protobuf schema here for a " + (kind.isEmpty() ? "body without a kind" : kind)
          + (apiVersion.isEmpty() ? "" : " of " + apiVersion) + "; send it as JSON or YAML)", List.of(MediaTypes.JSON, MediaTypes.YAML));
    }
    return type;
  }

  private static DynamicMessage parse(Descriptor type, byte[] bytes, int offset, String what) {
    try {
      return DynamicMessage.parseFrom(type, com.google.protobuf.CodedInputStream.newInstance(bytes, offset, bytes.length - offset));
    } catch (InvalidProtocolBufferException e) {
      throw ApiException.badRequest("the protobuf body is not a valid " + what + ": " + ApiServerVerticle.firstLine(e.getMessage()));
    } catch (IOException e) {
      throw ApiException.badRequest("the protobuf body could not be read: " + ApiServerVerticle.firstLine(e.getMessage()));
    }
  }

  /** A message with its set fields, under their JSON names (Kubernetes' proto fields are named as its JSON). */
  private static ObjectNode message(Message m) {
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.isMapField()) {
        ObjectNode map = NODES.objectNode();
        FieldDescriptor keyField = f.getMessageType().findFieldByName("key");
        FieldDescriptor valueField = f.getMessageType().findFieldByName("value");
        for (Object entry : (List<?>) e.getValue()) {
          Message em = (Message) entry;
          JsonNode v = value(valueField, em.getField(valueField));
          map.set(String.valueOf(em.getField(keyField)), v == null ? NODES.textNode("") : v);
        }
        out.set(f.getName(), map);
      } else if (f.isRepeated()) {
        ArrayNode list = NODES.arrayNode();
        for (Object item : (List<?>) e.getValue()) {
          JsonNode v = value(f, item);
          list.add(v == null ? NODES.textNode("") : v);
        }
        out.set(f.getName(), list);
      } else {
        JsonNode v = value(f, e.getValue());
        if (v != null) {
          out.set(f.getName(), v);
        }
      }
    }
    return out;
  }

  /** One value's JSON form, or null for what JSON would leave out (an empty string, an unset time). */
  private static JsonNode value(FieldDescriptor f, Object v) {
    return switch (f.getJavaType()) {
      case STRING -> ((String) v).isEmpty() ? null : NODES.textNode((String) v);
      case INT -> NODES.numberNode((Integer) v);
      case LONG -> NODES.numberNode((Long) v);
      case BOOLEAN -> NODES.booleanNode((Boolean) v);
      case FLOAT -> NODES.numberNode((Float) v);
      case DOUBLE -> NODES.numberNode((Double) v);
      case BYTE_STRING -> NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
      case ENUM -> NODES.textNode(v.toString());
      case MESSAGE -> special((Message) v);
    };
  }

  private static JsonNode special(Message m) {
    Descriptor d = m.getDescriptorForType();
    switch (d.getFullName()) {
      case INT_OR_STRING -> {
        long type = (Long) m.getField(d.findFieldByNumber(1));
        return type == 1 ? NODES.textNode((String) m.getField(d.findFieldByNumber(3)))
            : NODES.numberNode((Integer) m.getField(d.findFieldByNumber(2)));
      }
      case QUANTITY -> {
        String q = (String) m.getField(d.findFieldByNumber(1));
        return q.isEmpty() ? null : NODES.textNode(q);
      }
      case TIME, MICRO_TIME -> {
        FieldDescriptor seconds = d.findFieldByNumber(1);
        if (!m.hasField(seconds)) {
          return null; // Go writes a zero time as an empty message
        }
        Instant t = Instant.ofEpochSecond((Long) m.getField(seconds), (Integer) m.getField(d.findFieldByNumber(2)));
        return NODES.textNode((d.getFullName().equals(TIME) ? SECONDS : MICROS).format(t));
      }
      case DURATION -> {
        return NODES.textNode(goDuration((Long) m.getField(d.findFieldByNumber(1))));
      }
      case RAW_EXTENSION, FIELDS_V1 -> {
        FieldDescriptor raw = d.findFieldByNumber(1);
        if (!m.hasField(raw)) {
          return null;
        }
        try {
          return Json.MAPPER.readTree(((ByteString) m.getField(raw)).toByteArray());
        } catch (IOException e) {
          throw ApiException.badRequest("the protobuf body embeds an object that is not JSON: " + ApiServerVerticle.firstLine(e.getMessage()));
        }
      }
      default -> {
        return message(m);
      }
    }
  }

  /** A duration as Go prints one: 1h2m3.5s, 300ms, 0s. */
  static String goDuration(long nanos) {
    if (nanos == 0) {
      return "0s";
    }
    String sign = nanos < 0 ? "-" : "";
    long n = Math.abs(nanos);
    if (n < 1_000_000_000L) {
      if (n < 1_000) {
        return sign + n + "ns";
      }
      if (n < 1_000_000) {
        return sign + decimal(n, 1_000) + "µs";
      }
      return sign + decimal(n, 1_000_000) + "ms";
    }
    long hours = n / 3_600_000_000_000L;
    long minutes = n / 60_000_000_000L % 60;
    String seconds = decimal(n % 60_000_000_000L, 1_000_000_000L) + "s";
    return sign + (hours > 0 ? hours + "h" + minutes + "m" : minutes > 0 ? minutes + "m" : "") + seconds;
  }

  private static String decimal(long n, long unit) {
    String fraction = String.format("%0" + Long.toString(unit).length() + "d", n % unit).substring(1).replaceAll("0+$", "");
    return n / unit + (fraction.isEmpty() ? "" : "." + fraction);
  }
}
