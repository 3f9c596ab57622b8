package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * The three patch formats of the Kubernetes API applied to a JSON tree: JSON merge patch (RFC 7386), JSON
 * patch (RFC 6902) and strategic merge patch (merge patch plus lists merged by their merge key, for the
 * core/v1 lists that have one). Inputs are not changed; a bad patch is a 400 or 422 {@link ApiException}.
 */
public final class Patches {
  private Patches() {}

  public static final String MERGE = "application/merge-patch+json";
  public static final String JSON = "application/json-patch+json";
  public static final String STRATEGIC = "application/strategic-merge-patch+json";
  public static final String APPLY = "application/apply-patch+yaml";

  public static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        out.remove(e.getKey());
      } else {
        out.set(e.getKey(), mergePatch(out.get(e.getKey()), e.getValue()));
      }
    }
    return out;
  }

  /** Merge keys of core/v1 lists by field name (the last path element), as the v1 types declare them. */
  private static final Map<String, String> MERGE_KEYS = Map.ofEntries(
      Map.entry("containers", "name"), Map.entry("initContainers", "name"),
      Map.entry("ephemeralContainers", "name"), Map.entry("env", "name"), Map.entry("volumes", "name"),
      Map.entry("volumeMounts", "mountPath"), Map.entry("volumeDevices", "devicePath"),
      Map.entry("imagePullSecrets", "name"), Map.entry("conditions", "type"),
      Map.entry("hostAliases", "ip"), Map.entry("tolerations", "key"),
      Map.entry("ownerReferences", "uid"), Map.entry("addresses", "type"),
      Map.entry("topologySpreadConstraints", "topologyKey"), Map.entry("resourceClaims", "name"),
      Map.entry("schedulingGates", "name"), Map.entry("containerStatuses", "name"),
      Map.entry("initContainerStatuses", "name"), Map.entry("podIPs", "ip"));

  /** Strategic merge patch for core/v1 objects. {@code kind} picks merge keys that depend on the type (ports). */
  public static JsonNode strategicMergePatch(JsonNode target, JsonNode patch, String kind) {
    if (!patch.isObject()) {
      throw ApiException.badRequest("a strategic merge patch must be a JSON object");
    }
    return smp(target, patch, kind, "");
  }

  private static JsonNode smp(JsonNode target, JsonNode patch, String kind, String path) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    if ("replace".equals(patch.path("$patch").asText())) {
      ObjectNode copy = ((ObjectNode) patch).deepCopy();
      copy.remove("$patch");
      return copy;
    }
    ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode value = e.getValue();
      if (name.startsWith("$setElementOrder/") || name.equals("$retainKeys") || name.startsWith("$deleteFromPrimitiveList/")) {
        if (name.startsWith("$deleteFromPrimitiveList/")) {
          String field = name.substring("$deleteFromPrimitiveList/".length());
          JsonNode current = out.get(field);
          if (current != null && current.isArray() && value.isArray()) {
            ArrayNode kept = JsonNodeFactory.instance.arrayNode();
            for (JsonNode item : current) {
              boolean drop = false;
              for (JsonNode d : value) {
                drop |= d.equals(item);
              }
              if (!drop) {
                kept.add(item);
              }
            }
            out.set(field, kept);
          }
        }
        continue;
      }
      if (value.isNull()) {
        out.remove(name);
        continue;
      }
      String childPath = path.isEmpty() ? name : path + "." + name;
      String key = mergeKey(name, childPath, kind);
      JsonNode current = out.get(name);
      if (value.isArray() && key != null) {
        out.set(name, mergeList(current, (ArrayNode) value, key, kind, childPath));
      } else if (value.isObject()) {
        out.set(name, smp(current, value, kind, childPath));
      } else {
        out.set(name, value.deepCopy());
      }
    }
    return out;
  }

  private static String mergeKey(String name, String path, String kind) {
    if (name.equals("ports")) {
      if (path.endsWith("containers.ports") || path.endsWith("Containers.ports")) {
        return "containerPort";
      }
      if ("Service".equals(kind) && path.equals("spec.ports")) {
        return "port";
      }
      if ("Endpoints".equals(kind)) {
        return null;
      }
      return null;
    }
    if (name.equals("finalizers") && !path.startsWith("spec")) {
      return "";
    }
    return MERGE_KEYS.get(name);
  }

  private static JsonNode mergeList(JsonNode current, ArrayNode patch, String key, String kind, String path) {
    ArrayNode out = current != null && current.isArray() ? ((ArrayNode) current).deepCopy() : JsonNodeFactory.instance.arrayNode();
    if (key.isEmpty()) {
      // a merged list of primitives: union, keeping order
      for (JsonNode item : patch) {
        boolean present = false;
        for (JsonNode existing : out) {
          present |= existing.equals(item);
        }
        if (!present) {
          out.add(item.deepCopy());
        }
      }
      return out;
    }
    for (JsonNode item : patch) {
      if (!item.isObject()) {
        throw ApiException.badRequest("strategic merge patch: list " + path + " expects objects keyed by " + key);
      }
      String directive = item.path("$patch").asText("");
      if (directive.equals("replace")) {
        return stripDirectives(patch);
      }
      JsonNode k = item.get(key);
      int index = -1;
      for (int i = 0; i < out.size(); i++) {
        if (k != null && k.equals(out.get(i).get(key))) {
          index = i;
          break;
        }
      }
      if (directive.equals("delete")) {
        if (index >= 0) {
          out.remove(index);
        }
      } else if (index >= 0) {
        out.set(index, smp(out.get(index), item, kind, path));
      } else {
        out.add(smp(null, item, kind, path));
      }
    }
    return out;
  }

  private static ArrayNode stripDirectives(ArrayNode list) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (JsonNode item : list) {
      if (item.isObject()) {
        ObjectNode copy = ((ObjectNode) item).deepCopy();
        copy.remove("$patch");
        if (!copy.isEmpty()) {
          out.add(copy);
        }
      } else {
        out.add(item);
      }
    }
    return out;
  }

  /** RFC 6902 JSON patch: add, remove, replace, move, copy, test. */
  public static JsonNode jsonPatch(JsonNode target, JsonNode patch) {
    if (!patch.isArray()) {
      throw ApiException.badRequest("a JSON patch must be a JSON array of operations");
    }
    JsonNode doc = target.deepCopy();
    for (JsonNode op : patch) {
      String kind = op.path("op").asText("");
      String path = op.path("path").asText(null);
      if (path == null) {
        throw ApiException.badRequest("JSON patch operation without a path: " + op);
      }
      switch (kind) {
        case "add" -> doc = add(doc, path, required(op, "value"));
        case "remove" -> doc = remove(doc, path);
        case "replace" -> {
          doc = remove(doc, path);
          doc = add(doc, path, required(op, "value"));
        }
        case "move" -> {
          String from = op.path("from").asText(null);
          JsonNode v = get(doc, from);
          doc = remove(doc, from);
          doc = add(doc, path, v);
        }
        case "copy" -> doc = add(doc, path, get(doc, op.path("from").asText(null)).deepCopy());
        case "test" -> {
          if (!get(doc, path).equals(required(op, "value"))) {
            throw ApiException.of(422, "Invalid", "JSON patch test operation failed at " + path, null, null, null, null);
          }
        }
        default -> throw ApiException.badRequest("unknown JSON patch operation \"" + kind + "\"");
      }
    }
    return doc;
  }

  private static JsonNode required(JsonNode op, String field) {
    JsonNode v = op.get(field);
    if (v == null) {
      throw ApiException.badRequest("JSON patch operation " + op.path("op").asText() + " needs \"" + field + "\"");
    }
    return v;
  }

  private static String[] tokens(String path) {
    if (path == null || (!path.isEmpty() && !path.startsWith("/"))) {
      throw ApiException.badRequest("invalid JSON pointer \"" + path + "\"");
    }
    if (path.isEmpty()) {
      return new String[0];
    }
    String[] parts = path.substring(1).split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      parts[i] = parts[i].replace("~1", "/").replace("~0", "~");
    }
    return parts;
  }

  private static JsonNode get(JsonNode doc, String path) {
    JsonNode n = doc;
    for (String t : tokens(path)) {
      n = n.isArray() ? n.get(index(t, n.size(), false, path)) : n.get(t);
      if (n == null) {
        throw ApiException.of(422, "Invalid", "JSON patch: path " + path + " does not exist", null, null, null, null);
      }
    }
    return n;
  }

  private static int index(String t, int size, boolean forAdd, String path) {
    if (forAdd && t.equals("-")) {
      return size;
    }
    try {
      int i = Integer.parseInt(t);
      if (i < 0 || i > size || (!forAdd && i == size)) {
        throw new NumberFormatException();
      }
      return i;
    } catch (NumberFormatException e) {
      throw ApiException.of(422, "Invalid", "JSON patch: bad array index \"" + t + "\" in " + path, null, null, null, null);
    }
  }

  private static JsonNode add(JsonNode doc, String path, JsonNode value) {
    String[] t = tokens(path);
    if (t.length == 0) {
      return value.deepCopy();
    }
    JsonNode parent = parentOf(doc, t, path);
    String last = t[t.length - 1];
    if (parent.isArray()) {
      ((ArrayNode) parent).insert(index(last, parent.size(), true, path), value.deepCopy());
    } else if (parent.isObject()) {
      ((ObjectNode) parent).set(last, value.deepCopy());
    } else {
      throw ApiException.of(422, "Invalid", "JSON patch: cannot add at " + path, null, null, null, null);
    }
    return doc;
  }

  private static JsonNode remove(JsonNode doc, String path) {
    String[] t = tokens(path);
    if (t.length == 0) {
      throw ApiException.of(422, "Invalid", "JSON patch: cannot remove the whole document", null, null, null, null);
    }
    JsonNode parent = parentOf(doc, t, path);
    String last = t[t.length - 1];
    if (parent.isArray()) {
      ((ArrayNode) parent).remove(index(last, parent.size(), false, path));
    } else if (parent.isObject() && parent.has(last)) {
      ((ObjectNode) parent).remove(last);
    } else {
      throw ApiException.of(422, "Invalid", "JSON patch: path " + path + " does not exist", null, null, null, null);
    }
    return doc;
  }

  private static JsonNode parentOf(JsonNode doc, String[] t, String path) {
    JsonNode n = doc;
    for (int i = 0; i < t.length - 1; i++) {
      n = n.isArray() ? n.get(index(t[i], n.size(), false, path)) : n.get(t[i]);
      if (n == null) {
        throw ApiException.of(422, "Invalid", "JSON patch: path " + path + " does not exist", null, null, null, null);
      }
    }
    return n;
  }
}
