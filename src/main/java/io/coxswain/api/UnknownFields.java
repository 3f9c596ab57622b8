package io.coxswain.api;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fields of a request body that the kind's v1 schema does not have (a typo such as {@code imagee}, or a
 * field of another version), found by walking the JSON against the model classes' properties, with the
 * paths Kubernetes prints ({@code spec.containers[0].imagee}). What the API does with them is the request's
 * {@code fieldValidation}: {@code Strict} refuses the request (400), {@code Warn} (the default) drops them and
 * says so in a {@code Warning} header, {@code Ignore} drops them silently. Kubernetes never stores them, and
 * neither does this server.
 */
public final class UnknownFields {
  /** The request's {@code fieldValidation}. */
  public enum Mode {
    IGNORE, WARN, STRICT;

    /** Parses the query parameter (absent: Warn, as Kubernetes); a clear error for anything else. */
    public static Mode parse(String value) {
      if (value == null || value.isEmpty()) {
        return WARN;
      }
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "ignore" -> IGNORE;
        case "warn" -> WARN;
        case "strict" -> STRICT;
        default -> throw ApiException.badRequest("fieldValidation must be Ignore, Warn or Strict, not \"" + value + "\"");
      };
    }
  }

  private final ObjectMapper mapper;
  private final Map<JavaType, Map<String, JavaType>> properties = new ConcurrentHashMap<>();

  public UnknownFields(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /**
   * Removes every field of {@code body} that {@code type} does not know, and returns their paths in document
   * order. Keys starting with {@code $} (strategic merge patch directives) are left alone.
   */
  public List<String> strip(JsonNode body, Class<?> type) {
    List<String> found = new ArrayList<>();
    walk(body, mapper.constructType(type), new StringBuilder(), found);
    return found;
  }

  /**
   * {@code path} is where {@code node} is, built up and cut back as the walk goes: a path is made into a
   * string only for a field that is reported, not for each of the body's fields.
   */
  private void walk(JsonNode node, JavaType type, StringBuilder path, List<String> found) {
    if (node == null || type == null) {
      return;
    }
    int at = path.length();
    if (node.isArray() && (type.isCollectionLikeType() || type.isArrayType())) {
      int i = 0;
      for (JsonNode element : node) {
        walk(element, type.getContentType(), path.append('[').append(i++).append(']'), found);
        path.setLength(at);
      }
      return;
    }
    if (!(node instanceof ObjectNode object)) {
      return;
    }
    if (type.isMapLikeType()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        walk(e.getValue(), type.getContentType(), dot(path, e.getKey()), found);
        path.setLength(at);
      }
      return;
    }
    Map<String, JavaType> known = propertiesOf(type);
    if (known == null) {
      return; // not a model bean (JsonNode, Object, a value type with its own reading): anything goes
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      if (name.startsWith("$")) {
        continue;
      }
      JavaType child = known.get(name);
      if (child == null) {
        found.add(dot(path, name).toString());
        it.remove();
      } else {
        walk(e.getValue(), child, dot(path, name), found);
      }
      path.setLength(at);
    }
  }

  private static StringBuilder dot(StringBuilder path, String name) {
    return path.isEmpty() ? path.append(name) : path.append('.').append(name);
  }

  /** The JSON properties of a model class and their types; null when the type is not a model bean. */
  private Map<String, JavaType> propertiesOf(JavaType type) {
    Class<?> raw = type.getRawClass();
    if (!raw.getName().startsWith("io.fabric8.kubernetes.api.model.") || raw.isEnum()) {
      return null;
    }
    return properties.computeIfAbsent(type, t -> {
      BeanDescription d = mapper.getDeserializationConfig().introspect(t);
      if (d.findProperties().isEmpty()) {
        return Map.of();
      }
      Map<String, JavaType> out = new ConcurrentHashMap<>();
      for (BeanPropertyDefinition p : d.findProperties()) {
        if (p.hasSetter() || p.hasField() || p.hasConstructorParameter()) {
          out.put(p.getName(), p.getPrimaryType());
        }
      }
      return out;
    });
  }
}
