package io.coxswain.api;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.registry.ServedResource;
import io.coxswain.model.Json;
import io.coxswain.model.MergeKeys;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Set;

/**
 * The part of OpenAPI v3 kubectl needs: the root index naming {@code api/v1}, and an {@code api/v1}
 * document whose PATCH operations carry the group-version-kind and the {@code fieldValidation} query
 * parameter, and the schemas of the served kinds. Seeing that parameter, kubectl leaves validation to the
 * server; without it, {@code apply} and {@code create} refuse to run ("failed to download openapi").
 *
 * <p>The schemas are the model's classes as Jackson reads and writes them: every property with its type,
 * each object type once under its Kubernetes name ({@code io.k8s.api.core.v1.Container}), the kinds marked
 * with their group-version-kind. {@code kubectl explain} reads them (without descriptions: the model carries
 * none). Lists carry Kubernetes' patch extensions as the server's strategic merge patch treats them
 * ({@link MergeKeys}; a pod's volumes and resource claims also {@code retainKeys}, as Kubernetes marks them).
 * The PATCH operations name no request content types, so {@code kubectl apply} finds no strategic merge
 * patch here and computes its patches from its built-in types, as it did before schemas were served.
 */
public final class OpenApi {
  private OpenApi() {}

  /** The api/v1 document as it is sent, and the hash the root index names it by. */
  public record Encoded(byte[] bytes, String hash) {}

  /** The api/v1 document, made on its first use and kept as bytes. */
  public static final class Lazy {
    private final List<ServedResource> served;
    private final String version;
    private volatile Encoded encoded;

    public Lazy(List<ServedResource> served, String version) {
      this.served = List.copyOf(served);
      this.version = version;
    }

    /** The document if it was made, else null. */
    public Encoded ifMade() {
      return encoded;
    }

    public Encoded get() {
      Encoded e = encoded;
      if (e == null) {
        synchronized (this) {
          if (encoded == null) {
            byte[] bytes = Json.bytes(coreV1(served, version));
            encoded = new Encoded(bytes, Integer.toHexString(java.util.Arrays.hashCode(bytes)).toUpperCase(java.util.Locale.ROOT));
          }
          e = encoded;
        }
      }
      return e;
    }
  }

  public static ObjectNode root(String hash) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.putObject("paths").putObject("api/v1").put("serverRelativeURL", "/openapi/v3/api/v1?hash=" + hash);
    return root;
  }

  public static ObjectNode coreV1(List<ServedResource> served, String version) {
    ObjectNode doc = Json.MAPPER.createObjectNode();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", version);
    ObjectNode paths = doc.putObject("paths");
    for (ServedResource r : served) {
      String base = r.namespaced() ? "/api/v1/namespaces/{namespace}/" + r.resource() : "/api/v1/" + r.resource();
      ObjectNode collection = paths.putObject(base);
      operation(collection, "post", "create" + r.kind(), r.kind());
      ObjectNode item = paths.putObject(base + "/{name}");
      operation(item, "get", "read" + r.kind(), r.kind());
      operation(item, "put", "replace" + r.kind(), r.kind());
      operation(item, "patch", "patch" + r.kind(), r.kind());
      operation(item, "delete", "delete" + r.kind(), r.kind());
      if (r.has("status")) {
        ObjectNode status = paths.putObject(base + "/{name}/status");
        operation(status, "patch", "patch" + r.kind() + "Status", r.kind());
      }
    }
    ObjectNode schemas = doc.putObject("components").putObject("schemas");
    for (ServedResource r : served) {
      ObjectNode kind = (ObjectNode) schemas.get(define(schemas, r.strategy().type(), r.kind(), ""));
      kind.putArray("x-kubernetes-group-version-kind").addObject()
          .put("group", "").put("kind", r.kind()).put("version", "v1");
    }
    return doc;
  }

  /** Kubernetes' name for a model class's schema. */
  static String schemaName(Class<?> type) {
    String simple = type.getSimpleName();
    if (type == Quantity.class) {
      return "io.k8s.apimachinery.pkg.api.resource.Quantity";
    }
    if (type == IntOrString.class) {
      return "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    }
    return (META_TYPES.contains(simple) ? "io.k8s.apimachinery.pkg.apis.meta.v1." : "io.k8s.api.core.v1.") + simple;
  }

  /** The model's types that are apimachinery's meta/v1 types in Kubernetes. */
  private static final Set<String> META_TYPES = Set.of("ObjectMeta", "OwnerReference", "ManagedFieldsEntry",
      "FieldsV1", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "Status", "StatusDetails", "StatusCause",
      "Condition", "DeleteOptions", "Preconditions", "MicroTime", "Time");

  /** The lists Kubernetes' strategic merge patch also retains keys in: a new item's fields replace the old item's. */
  private static final Set<String> RETAIN_KEYS = Set.of("volumes", "resourceClaims");

  /**
   * Defines the schema of {@code type} (first reached at {@code path} in an object of {@code kind}) and of every
   * object type it reaches; returns its name. A type reached again is not defined again: the table of list
   * strategies gives a type's lists the same strategy wherever a served kind holds it.
   */
  private static String define(ObjectNode schemas, Class<?> type, String kind, String path) {
    String name = schemaName(type);
    if (schemas.has(name)) {
      return name;
    }
    ObjectNode schema = schemas.putObject(name);
    if (type == Quantity.class) {
      schema.put("type", "string");
      return name;
    }
    if (type == IntOrString.class) {
      schema.put("type", "string").put("format", "int-or-string").put("x-kubernetes-int-or-string", true);
      return name;
    }
    schema.put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    JavaType javaType = Json.MAPPER.constructType(type);
    BeanDescription bean = Json.MAPPER.getSerializationConfig().introspect(javaType);
    for (BeanPropertyDefinition p : bean.findProperties()) {
      if (p.getAccessor() == null && p.getMutator() == null) {
        continue;
      }
      String field = path.isEmpty() ? p.getName() : path + "." + p.getName();
      ObjectNode prop = typeSchema(schemas, p.getPrimaryType(), kind, field);
      if (prop.path("type").asText().equals("array")) {
        MergeKeys.ListStrategy strategy = MergeKeys.forList(kind, field);
        if (strategy != null) {
          prop.put("x-kubernetes-patch-strategy", RETAIN_KEYS.contains(p.getName()) ? "merge,retainKeys" : "merge");
          if (!strategy.isSet()) {
            prop.put("x-kubernetes-patch-merge-key", strategy.mergeKey());
          }
        }
      }
      properties.set(p.getName(), prop);
    }
    return name;
  }

  private static ObjectNode typeSchema(ObjectNode schemas, JavaType t, String kind, String path) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    Class<?> raw = t.getRawClass();
    if (raw == String.class || raw == Character.class || raw == char.class) {
      out.put("type", "string");
    } else if (raw == Integer.class || raw == int.class || raw == Short.class || raw == short.class) {
      out.put("type", "integer").put("format", "int32");
    } else if (raw == Long.class || raw == long.class) {
      out.put("type", "integer").put("format", "int64");
    } else if (raw == Boolean.class || raw == boolean.class) {
      out.put("type", "boolean");
    } else if (raw == Double.class || raw == double.class || raw == Float.class || raw == float.class) {
      out.put("type", "number").put("format", "double");
    } else if (t.isCollectionLikeType() || t.isArrayType()) {
      out.put("type", "array");
      out.set("items", typeSchema(schemas, t.getContentType(), kind, path));
    } else if (t.isMapLikeType()) {
      out.put("type", "object");
      out.set("additionalProperties", typeSchema(schemas, t.getContentType(), kind, path));
    } else if (raw.getPackageName().startsWith("io.fabric8.kubernetes.api.model") && !raw.isInterface()
        && !java.lang.reflect.Modifier.isAbstract(raw.getModifiers())) {
      out.put("$ref", "#/components/schemas/" + define(schemas, raw, kind, path));
    } else {
      // anything else (free-form JSON, an interface): an object whose fields are not described
      out.put("type", "object").put("x-kubernetes-preserve-unknown-fields", true);
    }
    return out;
  }

  private static void operation(ObjectNode path, String method, String id, String kind) {
    ObjectNode op = path.putObject(method);
    op.put("operationId", id + "V1");
    op.putObject("x-kubernetes-group-version-kind").put("group", "").put("version", "v1").put("kind", kind);
    var params = op.putArray("parameters");
    if (!method.equals("get") && !method.equals("delete")) {
      params.addObject().put("name", "fieldValidation").put("in", "query").putObject("schema").put("type", "string");
      params.addObject().put("name", "fieldManager").put("in", "query").putObject("schema").put("type", "string");
    }
    op.putObject("responses").putObject("200").put("description", "OK");
  }
}
