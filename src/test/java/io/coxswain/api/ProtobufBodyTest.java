package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bodies built here against Kubernetes' schema as Go writes them: every field of a non-pointer struct present
 * (empty strings, zeros, empty messages), times as seconds and nanos, int-or-strings and quantities as messages.
 */
class ProtobufBodyTest {
  static final FileDescriptor CORE = io.kubernetes.client.proto.V1.getDescriptor();
  static final FileDescriptor META = io.kubernetes.client.proto.Meta.getDescriptor();

  static Descriptor type(String fullName) {
    for (FileDescriptor f : List.of(CORE, META, io.kubernetes.client.proto.IntStr.getDescriptor(),
        io.kubernetes.client.proto.Resource.getDescriptor(), io.kubernetes.client.proto.Runtime.getDescriptor())) {
      String pkg = f.getPackage() + ".";
      if (fullName.startsWith(pkg)) {
        Descriptor d = f.findMessageTypeByName(fullName.substring(pkg.length()));
        if (d != null) {
          return d;
        }
      }
    }
    throw new IllegalArgumentException(fullName);
  }

  /** A message of the type, its fields given as name, value pairs; a list value fills a repeated field. */
  static Message msg(Descriptor d, Object... fields) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(d);
    for (int i = 0; i < fields.length; i += 2) {
      FieldDescriptor f = d.findFieldByName((String) fields[i]);
      if (f == null) {
        throw new IllegalArgumentException(d.getName() + " has no " + fields[i]);
      }
      if (fields[i + 1] instanceof List<?> list) {
        for (Object v : list) {
          b.addRepeatedField(f, v);
        }
      } else {
        b.setField(f, fields[i + 1]);
      }
    }
    return b.build();
  }

  static Message msg(String fullName, Object... fields) {
    return msg(type(fullName), fields);
  }

  static Message entry(Descriptor parent, String field, Object key, Object value) {
    return msg(parent.findFieldByName(field).getMessageType(), "key", key, "value", value);
  }

  static Message intOrString(int i) {
    return msg("k8s.io.apimachinery.pkg.util.intstr.IntOrString", "type", 0L, "intVal", i, "strVal", "");
  }

  static Message intOrString(String s) {
    return msg("k8s.io.apimachinery.pkg.util.intstr.IntOrString", "type", 1L, "intVal", 0, "strVal", s);
  }

  static Message quantity(String q) {
    return msg("k8s.io.apimachinery.pkg.api.resource.Quantity", "string", q);
  }

  static Message emptyTime() {
    return msg("k8s.io.apimachinery.pkg.apis.meta.v1.Time");
  }

  static byte[] envelope(String apiVersion, String kind, Message object) {
    Descriptor unknown = type("k8s.io.apimachinery.pkg.runtime.Unknown");
    Message typeMeta = msg("k8s.io.apimachinery.pkg.runtime.TypeMeta", "apiVersion", apiVersion, "kind", kind);
    Message env = msg(unknown, "typeMeta", typeMeta, "raw", object.toByteString(), "contentEncoding", "", "contentType", "");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0x6b, 0x38, 0x73, 0x00});
    out.writeBytes(env.toByteArray());
    return out.toByteArray();
  }

  static Message objectMeta(String name, Object... more) {
    Descriptor d = type("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    Object[] fields = new Object[6 + more.length];
    System.arraycopy(new Object[] {"name", name, "generateName", "", "creationTimestamp", emptyTime()}, 0, fields, 0, 6);
    System.arraycopy(more, 0, fields, 6, more.length);
    return msg(d, fields);
  }

  @Test
  void aServiceAsKubectlCreateServiceSendsIt() {
    Descriptor spec = type("k8s.io.api.core.v1.ServiceSpec");
    Descriptor meta = type("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    Message port = msg("k8s.io.api.core.v1.ServicePort", "name", "80-8080", "protocol", "TCP", "port", 80,
        "targetPort", intOrString(8080), "nodePort", 0);
    Message named = msg("k8s.io.api.core.v1.ServicePort", "name", "metrics", "protocol", "TCP", "port", 9090,
        "targetPort", intOrString("metrics"), "nodePort", 0);
    Message service = msg("k8s.io.api.core.v1.Service",
        "metadata", objectMeta("web", "labels", List.of(entry(meta, "labels", "app", "web"))),
        "spec", msg(spec, "ports", List.of(port, named), "selector", List.of(entry(spec, "selector", "app", "web")),
            "clusterIP", "", "type", "ClusterIP", "sessionAffinity", "", "loadBalancerIP", "", "externalName", "",
            "externalTrafficPolicy", "", "healthCheckNodePort", 0, "publishNotReadyAddresses", false),
        "status", msg("k8s.io.api.core.v1.ServiceStatus", "loadBalancer", msg("k8s.io.api.core.v1.LoadBalancerStatus")));
    ObjectNode json = ProtobufBody.decode(envelope("v1", "Service", service));

    assertEquals("v1", json.path("apiVersion").asText());
    assertEquals("Service", json.path("kind").asText());
    assertEquals("web", json.at("/metadata/name").asText());
    assertEquals("web", json.at("/metadata/labels/app").asText());
    assertFalse(json.path("metadata").has("generateName"), "an empty string is left out: " + json);
    assertFalse(json.path("metadata").has("creationTimestamp"), "a zero time is left out: " + json);
    assertFalse(json.path("spec").has("clusterIP"), json.toString());
    assertEquals(8080, json.at("/spec/ports/0/targetPort").asInt());
    assertTrue(json.at("/spec/ports/0/targetPort").isInt());
    assertEquals("metrics", json.at("/spec/ports/1/targetPort").asText());
    assertTrue(json.at("/spec/ports/1/targetPort").isTextual());
    assertEquals("web", json.at("/spec/selector/app").asText());
    Service typed = Json.MAPPER.convertValue(json, Service.class);
    assertEquals(80, typed.getSpec().getPorts().get(0).getPort());
    assertEquals("ClusterIP", typed.getSpec().getType());
  }

  @Test
  void aPodWithQuantitiesTimesAndZerosKeepsThem() {
    Descriptor meta = type("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    Descriptor resources = type("k8s.io.api.core.v1.ResourceRequirements");
    Message created = msg("k8s.io.apimachinery.pkg.apis.meta.v1.Time", "seconds", 1_700_000_000L, "nanos", 0);
    Message container = msg("k8s.io.api.core.v1.Container", "name", "c", "image", "busybox",
        "command", List.of("sleep", "3600"),
        "env", List.of(msg("k8s.io.api.core.v1.EnvVar", "name", "EMPTY", "value", "")),
        "resources", msg(resources, "limits", List.of(entry(resources, "limits", "memory", quantity("64Mi")),
            entry(resources, "limits", "cpu", quantity("250m")))),
        "ports", List.of(msg("k8s.io.api.core.v1.ContainerPort", "name", "", "hostPort", 0, "containerPort", 80, "protocol", "TCP")));
    Message pod = msg("k8s.io.api.core.v1.Pod",
        "metadata", objectMeta("p", "creationTimestamp", created, "annotations", List.of(entry(meta, "annotations", "a", "b"))),
        "spec", msg("k8s.io.api.core.v1.PodSpec", "containers", List.of(container), "terminationGracePeriodSeconds", 0L,
            "hostNetwork", false));
    ObjectNode json = ProtobufBody.decode(envelope("v1", "Pod", pod));

    assertEquals("2023-11-14T22:13:20Z", json.at("/metadata/creationTimestamp").asText());
    assertEquals("64Mi", json.at("/spec/containers/0/resources/limits/memory").asText());
    assertEquals("250m", json.at("/spec/containers/0/resources/limits/cpu").asText());
    assertEquals(List.of("sleep", "3600"), Json.MAPPER.convertValue(json.at("/spec/containers/0/command"), List.class));
    assertEquals(0, json.at("/spec/terminationGracePeriodSeconds").asInt(-1), "a pointer set to zero means zero");
    assertTrue(json.at("/spec/terminationGracePeriodSeconds").isNumber());
    assertEquals("EMPTY", json.at("/spec/containers/0/env/0/name").asText());
    Pod typed = Json.MAPPER.convertValue(json, Pod.class);
    assertEquals("64Mi", typed.getSpec().getContainers().get(0).getResources().getLimits().get("memory").toString());
    assertEquals("b", typed.getMetadata().getAnnotations().get("a"));
  }

  @Test
  void aReplicationControllerScaledToZeroStaysAtZero() {
    Message rc = msg("k8s.io.api.core.v1.ReplicationController", "metadata", objectMeta("rc"),
        "spec", msg("k8s.io.api.core.v1.ReplicationControllerSpec", "replicas", 0, "minReadySeconds", 0));
    JsonNode json = ProtobufBody.decode(envelope("v1", "ReplicationController", rc));
    assertTrue(json.at("/spec/replicas").isInt(), json.toString());
    assertEquals(0, json.at("/spec/replicas").asInt(-1));
  }

  @Test
  void deleteOptionsSentUnderV1AreMetas() {
    Message opts = msg("k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions", "gracePeriodSeconds", 0L,
        "propagationPolicy", "Foreground");
    JsonNode json = ProtobufBody.decode(envelope("v1", "DeleteOptions", opts));
    assertEquals(0, json.path("gracePeriodSeconds").asInt(-1));
    assertEquals("Foreground", json.path("propagationPolicy").asText());
  }

  @Test
  void embeddedJsonIsReadAsJson() {
    Message event = msg("k8s.io.api.core.v1.Event", "metadata", objectMeta("e"),
        "eventTime", msg("k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime", "seconds", 1_700_000_000L, "nanos", 123_456_000),
        "involvedObject", msg("k8s.io.api.core.v1.ObjectReference", "kind", "Pod", "name", "p"));
    JsonNode json = ProtobufBody.decode(envelope("v1", "Event", event));
    assertEquals("2023-11-14T22:13:20.123456Z", json.path("eventTime").asText());
    assertEquals("Pod", json.at("/involvedObject/kind").asText());

    Message raw = msg("k8s.io.apimachinery.pkg.runtime.RawExtension", "raw", ByteString.copyFromUtf8("{\"a\":[1,2]}"));
    Message patch = msg("k8s.io.apimachinery.pkg.apis.meta.v1.WatchEvent", "type", "ADDED", "object", raw);
    JsonNode watch = ProtobufBody.decode(envelope("meta.k8s.io/v1", "WatchEvent", patch));
    assertEquals(2, watch.at("/object/a/1").asInt());
  }

  @Test
  void aKindWithoutASchemaHereIs415() {
    Message pod = msg("k8s.io.api.core.v1.Pod", "metadata", objectMeta("p"));
    ApiException e = assertThrows(ApiException.class, () -> ProtobufBody.decode(envelope("apps/v1", "Deployment", pod)));
    assertEquals(415, e.code());
    assertTrue(e.getMessage().contains("Deployment of apps/v1"), e.getMessage());
  }

  @Test
  void garbageIs400() {
    assertEquals(400, assertThrows(ApiException.class, () -> ProtobufBody.decode(new byte[] {1, 2, 3, 4, 5})).code());
    byte[] truncated = new byte[] {0x6b, 0x38, 0x73, 0x00, 0x12, 0x7f, 0x01};
    assertEquals(400, assertThrows(ApiException.class, () -> ProtobufBody.decode(truncated)).code());
    byte[] good = envelope("v1", "Pod", msg("k8s.io.api.core.v1.Pod", "metadata", objectMeta("p")));
    byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
    assertEquals(400, assertThrows(ApiException.class, () -> ProtobufBody.decode(cut)).code());
    byte[] noObject = concat(new byte[] {0x6b, 0x38, 0x73, 0x00}, msg("k8s.io.apimachinery.pkg.runtime.Unknown",
        "typeMeta", msg("k8s.io.apimachinery.pkg.runtime.TypeMeta", "apiVersion", "v1", "kind", "Pod")).toByteArray());
    assertEquals(400, assertThrows(ApiException.class, () -> ProtobufBody.decode(noObject)).code());
  }

  @Test
  void goDurations() {
    assertEquals("0s", ProtobufBody.goDuration(0));
    assertEquals("1h0m0s", ProtobufBody.goDuration(3_600_000_000_000L));
    assertEquals("2m3.5s", ProtobufBody.goDuration(123_500_000_000L));
    assertEquals("300ms", ProtobufBody.goDuration(300_000_000L));
    assertEquals("-1.5s", ProtobufBody.goDuration(-1_500_000_000L));
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

}
