package io.coxswain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes strategic merge patch for core/v1 objects, as kubectl sends it: maps merge recursively and null
 * deletes a field; lists merge by the merge key of {@link MergeKeys} (or as sets of primitives), other lists
 * are replaced; the directives {@code $patch: replace|delete|merge}, {@code $deleteFromPrimitiveList/<f>},
 * {@code $setElementOrder/<f>} and {@code $retainKeys} are honoured.
 */
public final class StrategicMergePatch {
  private static final String PATCH = "$patch";
  private static final String RETAIN_KEYS = "$retainKeys";
  private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";
  private static final String SET_ELEMENT_ORDER = "$setElementOrder/";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String kind;

  private StrategicMergePatch(String kind) {
    this.kind = kind;
  }

  /**
   * Returns {@code original} patched by {@code patch}, both JSON objects; neither is modified. The kind picks
   * the merge keys (an unknown kind merges only metadata lists by key and replaces every other list).
   */
  public static JsonNode apply(String kind, JsonNode original, JsonNode patch) throws PatchException {
    if (patch == null || !patch.isObject()) {
      throw new PatchException("a strategic merge patch must be a JSON object");
    }
    if (original != null && !original.isObject()) {
      throw new PatchException("the object to patch is not a JSON object");
    }
    return new StrategicMergePatch(kind).mergeMap((ObjectNode) original, (ObjectNode) patch, "");
  }

  /** Merges a patch map into a copy of the original map. */
  private ObjectNode mergeMap(ObjectNode original, ObjectNode patch, String path) throws PatchException {
    JsonNode directive = patch.get(PATCH);
    if (directive != null) {
      String d = directive.asText();
      switch (d) {
        case "replace" -> {
          ObjectNode replaced = patch.deepCopy();
          replaced.remove(PATCH);
          return mergeMap(null, replaced, path);
        }
        case "delete" -> {
          // as in Kubernetes: the map becomes empty (a list element is deleted by its list instead)
          return NODES.objectNode();
        }
        case "merge" -> { }
        default -> throw new PatchException("unknown patch type: \"" + d + "\" in map at \"" + show(path) + "\"");
      }
    }
    ObjectNode result = original == null ? NODES.objectNode() : original.deepCopy();

    JsonNode retain = patch.get(RETAIN_KEYS);
    if (retain != null) {
      if (!retain.isArray()) {
        throw new PatchException("$retainKeys at \"" + show(path) + "\" must be a list of field names");
      }
      Set<String> keep = new HashSet<>();
      for (JsonNode k : retain) {
        keep.add(k.asText());
      }
      for (Map.Entry<String, JsonNode> e : patch.properties()) {
        String name = e.getKey();
        if (!name.startsWith("$") && !e.getValue().isNull() && !keep.contains(name)) {
          throw new PatchException("invalid patch format of retainKeys at \"" + show(path) + "\": field \""
              + name + "\" is set but not retained");
        }
      }
      for (String name : fieldNames(result)) {
        if (!keep.contains(name)) {
          result.remove(name);
        }
      }
    }

    Map<String, JsonNode> orders = new HashMap<>();
    Map<String, JsonNode> deletions = new HashMap<>();
    Set<String> fields = new LinkedHashSet<>();
    for (Map.Entry<String, JsonNode> e : patch.properties()) {
      String name = e.getKey();
      if (name.equals(PATCH) || name.equals(RETAIN_KEYS)) {
        continue;
      }
      if (name.startsWith(SET_ELEMENT_ORDER)) {
        String field = name.substring(SET_ELEMENT_ORDER.length());
        requireList(e.getValue(), name, path);
        orders.put(field, e.getValue());
        fields.add(field);
      } else if (name.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        String field = name.substring(DELETE_FROM_PRIMITIVE_LIST.length());
        requireList(e.getValue(), name, path);
        deletions.put(field, e.getValue());
        fields.add(field);
      } else if (name.startsWith("$")) {
        throw new PatchException("unknown directive \"" + name + "\" at \"" + show(path) + "\"");
      } else {
        fields.add(name);
      }
    }

    for (String field : fields) {
      String fieldPath = path.isEmpty() ? field : path + "." + field;
      JsonNode patchValue = patch.get(field);
      JsonNode originalValue = result.get(field);
      JsonNode order = orders.get(field);
      JsonNode deletion = deletions.get(field);
      if (!patch.has(field)) {
        // only directives name this field: apply them to the original list
        if (originalValue != null && originalValue.isArray() && MergeKeys.forList(kind, fieldPath) != null) {
          result.set(field, mergeList((ArrayNode) originalValue, NODES.arrayNode(), fieldPath, order, deletion));
        }
        continue;
      }
      if (patchValue.isNull()) {
        result.remove(field);
      } else if (patchValue.isObject()) {
        result.set(field, mergeMap(originalValue != null && originalValue.isObject()
            ? (ObjectNode) originalValue : null, (ObjectNode) patchValue, fieldPath));
      } else if (patchValue.isArray()) {
        ArrayNode base = originalValue != null && originalValue.isArray() ? (ArrayNode) originalValue : null;
        result.set(field, mergeList(base, (ArrayNode) patchValue, fieldPath, order, deletion));
      } else {
        result.set(field, patchValue.deepCopy());
      }
    }
    return result;
  }

  private ArrayNode mergeList(ArrayNode original, ArrayNode patch, String path, JsonNode order, JsonNode deletion)
      throws PatchException {
    MergeKeys.ListStrategy strategy = MergeKeys.forList(kind, path);
    if (strategy == null) {
      return cleanList(patch, path);
    }
    if (strategy.isSet()) {
      return mergeSet(original, patch, deletion, order);
    }
    return mergeByKey(original, patch, path, strategy.mergeKey(), order);
  }

  /** An atomic list: the patch list, its maps stripped of directives. */
  private ArrayNode cleanList(ArrayNode patch, String path) throws PatchException {
    ArrayNode out = NODES.arrayNode();
    for (JsonNode item : patch) {
      if (item.isObject()) {
        out.add(mergeMap(null, (ObjectNode) item, path));
      } else {
        out.add(item.deepCopy());
      }
    }
    return out;
  }

  private static ArrayNode mergeSet(ArrayNode original, ArrayNode patch, JsonNode deletion, JsonNode order) {
    List<JsonNode> items = new ArrayList<>();
    Set<JsonNode> removed = new HashSet<>();
    if (deletion != null) {
      deletion.forEach(removed::add);
    }
    if (original != null) {
      for (JsonNode v : original) {
        if (!removed.contains(v) && !items.contains(v)) {
          items.add(v.deepCopy());
        }
      }
    }
    for (JsonNode v : patch) {
      if (!items.contains(v)) {
        items.add(v.deepCopy());
      }
    }
    List<JsonNode> originalItems = new ArrayList<>();
    if (original != null) {
      original.forEach(originalItems::add);
    }
    List<JsonNode> orderKeys = new ArrayList<>();
    (order != null ? order : patch).forEach(orderKeys::add);
    items = ordered(items, originalItems, orderKeys, v -> v);
    ArrayNode out = NODES.arrayNode();
    items.forEach(out::add);
    return out;
  }

  private ArrayNode mergeByKey(ArrayNode original, ArrayNode patch, String path, String mergeKey, JsonNode order)
      throws PatchException {
    boolean replace = false;
    List<ObjectNode> patchItems = new ArrayList<>();
    Set<JsonNode> deleteKeys = new HashSet<>();
    for (JsonNode item : patch) {
      if (!item.isObject()) {
        throw new PatchException("list at \"" + show(path) + "\" merges by \"" + mergeKey
            + "\" but holds a non-object: " + item);
      }
      JsonNode directive = item.get(PATCH);
      if (directive != null) {
        String d = directive.asText();
        if (d.equals("replace")) {
          replace = true;
          continue;
        }
        if (d.equals("delete")) {
          JsonNode key = item.get(mergeKey);
          if (key == null) {
            throw new PatchException("delete directive in list at \"" + show(path)
                + "\" does not contain the merge key \"" + mergeKey + "\"");
          }
          deleteKeys.add(key);
          continue;
        }
        throw new PatchException(d.equals("merge")
            ? "merging lists cannot yet be specified in the patch (at \"" + show(path) + "\")"
            : "unknown patch type: \"" + d + "\" in list at \"" + show(path) + "\"");
      }
      if (item.get(mergeKey) == null) {
        throw new PatchException("map: " + item + " does not contain declared merge key: " + mergeKey
            + " (at \"" + show(path) + "\")");
      }
      patchItems.add((ObjectNode) item);
    }

    List<JsonNode> originalItems = new ArrayList<>();
    if (original != null && !replace) {
      original.forEach(originalItems::add);
    }
    List<JsonNode> items = new ArrayList<>();
    for (JsonNode item : originalItems) {
      if (!deleteKeys.contains(item.get(mergeKey))) {
        items.add(item.deepCopy());
      }
    }
    for (ObjectNode item : patchItems) {
      JsonNode key = item.get(mergeKey);
      int at = -1;
      for (int i = 0; i < items.size(); i++) {
        if (key.equals(items.get(i).get(mergeKey))) {
          at = i;
          break;
        }
      }
      ObjectNode base = at >= 0 && items.get(at).isObject() ? (ObjectNode) items.get(at) : null;
      ObjectNode merged = mergeMap(base, item, path);
      if (at >= 0) {
        items.set(at, merged);
      } else {
        items.add(merged);
      }
    }
    // the order: $setElementOrder when given, else the order of the patch list itself
    List<JsonNode> orderKeys = new ArrayList<>();
    if (order != null) {
      for (JsonNode o : order) {
        JsonNode key = o.isObject() ? o.get(mergeKey) : null;
        if (key == null) {
          throw new PatchException("$setElementOrder at \"" + show(path) + "\": " + o
              + " does not contain the merge key \"" + mergeKey + "\"");
        }
        orderKeys.add(key);
      }
    } else {
      for (ObjectNode item : patchItems) {
        orderKeys.add(item.get(mergeKey));
      }
    }
    items = ordered(items, originalItems, orderKeys, v -> v.get(mergeKey));
    ArrayNode out = NODES.arrayNode();
    items.forEach(out::add);
    return out;
  }

  /**
   * Orders a merged list as Kubernetes does (by {@code $setElementOrder}, else by the patch list): the items the order names follow
   * that order; the others (only on the server) keep their original order and stay ahead of a named item
   * only where they stood ahead of it in the original list.
   */
  private static List<JsonNode> ordered(List<JsonNode> items, List<JsonNode> originalItems, List<JsonNode> order,
      java.util.function.Function<JsonNode, JsonNode> keyOf) {
    List<JsonNode> named = new ArrayList<>();
    List<JsonNode> serverOnly = new ArrayList<>();
    for (JsonNode item : items) {
      (order.contains(keyOf.apply(item)) ? named : serverOnly).add(item);
    }
    named.sort(java.util.Comparator.comparingInt(item -> order.indexOf(keyOf.apply(item))));
    List<JsonNode> originalKeys = new ArrayList<>();
    for (JsonNode item : originalItems) {
      originalKeys.add(keyOf.apply(item));
    }
    List<JsonNode> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < serverOnly.size() || j < named.size()) {
      if (j >= named.size()) {
        out.add(serverOnly.get(i++));
      } else if (i >= serverOnly.size()) {
        out.add(named.get(j++));
      } else {
        int si = originalKeys.indexOf(keyOf.apply(serverOnly.get(i)));
        int ni = originalKeys.indexOf(keyOf.apply(named.get(j)));
        if (si >= 0 && ni >= 0 && si < ni) {
          out.add(serverOnly.get(i++));
        } else {
          out.add(named.get(j++));
        }
      }
    }
    return out;
  }

  private static void requireList(JsonNode value, String directive, String path) throws PatchException {
    if (!value.isArray()) {
      throw new PatchException(directive + " at \"" + show(path) + "\" must be a list");
    }
  }

  private static List<String> fieldNames(ObjectNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String show(String path) {
    return path.isEmpty() ? "." : path;
  }
}
