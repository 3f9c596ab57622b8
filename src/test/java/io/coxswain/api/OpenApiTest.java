package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.api.registry.CoreResources;
import io.coxswain.api.registry.ServedResource;
import io.coxswain.model.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenApiTest {
  static final List<ServedResource> SERVED = ServedResource.of(new CoreResources());
  static final JsonNode DOC = Json.tree(new OpenApi.Lazy(SERVED, "v1.32.0-test").get().bytes());
  static final JsonNode SCHEMAS = DOC.path("components").path("schemas");

  static JsonNode property(String type, String name) {
    JsonNode p = SCHEMAS.path(type).path("properties").path(name);
    assertFalse(p.isMissingNode(), type + " has no property " + name);
    return p;
  }

  @Test
  void everyServedKindHasASchemaNamedByItsGroupVersionKind() {
    for (ServedResource r : SERVED) {
      JsonNode kind = SCHEMAS.path("io.k8s.api.core.v1." + r.kind());
      assertEquals("object", kind.path("type").asText(), r.kind());
      JsonNode gvk = kind.path("x-kubernetes-group-version-kind").path(0);
      assertEquals(List.of("", "v1", r.kind()),
          List.of(gvk.path("group").asText("?"), gvk.path("version").asText(), gvk.path("kind").asText()));
      assertTrue(kind.path("properties").has("metadata"), r.kind());
    }
  }

  @Test
  void propertiesHaveTheirTypesAndObjectsAreReferencedByKubernetesNames() {
    assertEquals("#/components/schemas/io.k8s.api.core.v1.PodSpec", property("io.k8s.api.core.v1.Pod", "spec").path("$ref").asText());
    assertEquals("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        property("io.k8s.api.core.v1.Pod", "metadata").path("$ref").asText());
    assertEquals("string", property("io.k8s.api.core.v1.Container", "image").path("type").asText());
    assertEquals("int32", property("io.k8s.api.core.v1.ContainerPort", "containerPort").path("format").asText());
    assertEquals("int64", property("io.k8s.api.core.v1.PodSpec", "terminationGracePeriodSeconds").path("format").asText());
    assertEquals("boolean", property("io.k8s.api.core.v1.Container", "tty").path("type").asText());
    JsonNode labels = property("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "labels");
    assertEquals("object", labels.path("type").asText());
    assertEquals("string", labels.path("additionalProperties").path("type").asText());
    assertEquals("#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity",
        property("io.k8s.api.core.v1.ResourceRequirements", "limits").path("additionalProperties").path("$ref").asText());
    assertTrue(SCHEMAS.path("io.k8s.apimachinery.pkg.util.intstr.IntOrString").path("x-kubernetes-int-or-string").asBoolean());
    assertFalse(SCHEMAS.path("io.k8s.api.core.v1.Pod").path("properties").has("additionalProperties"));
  }

  @Test
  void everyReferenceNamesADefinedSchema() {
    List<String> refs = new ArrayList<>();
    collectRefs(DOC, refs);
    assertNotEquals(0, refs.size());
    for (String ref : refs) {
      String name = ref.substring("#/components/schemas/".length());
      assertTrue(SCHEMAS.has(name), "undefined " + ref);
    }
  }

  @Test
  void listsCarryThePatchStrategiesTheServersPatchUses() {
    JsonNode containers = property("io.k8s.api.core.v1.PodSpec", "containers");
    assertEquals("merge", containers.path("x-kubernetes-patch-strategy").asText());
    assertEquals("name", containers.path("x-kubernetes-patch-merge-key").asText());
    JsonNode volumes = property("io.k8s.api.core.v1.PodSpec", "volumes");
    assertEquals("merge,retainKeys", volumes.path("x-kubernetes-patch-strategy").asText());
    assertEquals("name", volumes.path("x-kubernetes-patch-merge-key").asText());
    assertEquals("containerPort", property("io.k8s.api.core.v1.Container", "ports").path("x-kubernetes-patch-merge-key").asText());
    assertEquals("mountPath", property("io.k8s.api.core.v1.Container", "volumeMounts").path("x-kubernetes-patch-merge-key").asText());
    assertEquals("port", property("io.k8s.api.core.v1.ServiceSpec", "ports").path("x-kubernetes-patch-merge-key").asText());
    assertEquals("type", property("io.k8s.api.core.v1.NodeStatus", "addresses").path("x-kubernetes-patch-merge-key").asText());
    JsonNode finalizers = property("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers");
    assertEquals("merge", finalizers.path("x-kubernetes-patch-strategy").asText());
    assertFalse(finalizers.has("x-kubernetes-patch-merge-key"));
    // atomic lists: replaced whole by a patch, as the server treats them
    assertFalse(property("io.k8s.api.core.v1.PodSpec", "tolerations").has("x-kubernetes-patch-strategy"));
    assertFalse(property("io.k8s.api.core.v1.Container", "args").has("x-kubernetes-patch-strategy"));
    assertFalse(property("io.k8s.api.core.v1.Endpoints", "subsets").has("x-kubernetes-patch-strategy"));
  }

  @Test
  void patchOperationsNameNoRequestTypesSoKubectlKeepsItsBuiltInPatchTypes() {
    JsonNode patch = DOC.path("paths").path("/api/v1/namespaces/{namespace}/pods/{name}").path("patch");
    assertEquals("Pod", patch.path("x-kubernetes-group-version-kind").path("kind").asText());
    assertTrue(patch.path("requestBody").isMissingNode(), patch.toString());
  }

  @Test
  void theRootNamesTheDocumentByTheHashOfItsBytes() {
    OpenApi.Lazy lazy = new OpenApi.Lazy(SERVED, "v1.32.0-test");
    OpenApi.Encoded first = lazy.get();
    assertTrue(first == lazy.get(), "made once");
    String url = OpenApi.root(first.hash()).path("paths").path("api/v1").path("serverRelativeURL").asText();
    assertEquals("/openapi/v3/api/v1?hash=" + first.hash(), url);
    assertNotEquals(first.hash(), new OpenApi.Lazy(SERVED, "v1.32.1-test").get().hash());
  }

  static void collectRefs(JsonNode n, List<String> out) {
    if (n.isObject()) {
      n.fields().forEachRemaining(e -> {
        if (e.getKey().equals("$ref")) {
          out.add(e.getValue().asText());
        } else {
          collectRefs(e.getValue(), out);
        }
      });
    } else if (n.isArray()) {
      n.forEach(c -> collectRefs(c, out));
    }
  }
}
