package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.MergeKeys;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Client-side apply's three-way merge: from the last applied configuration (original), the file
 * (modified) and the live object (current), the strategic merge patch that makes current carry what
 * modified says and drops what original had and modified no longer has, while leaving alone what only
 * the server or other writers set (defaults, status, labels added by {@code label}).
 *
 * <p>Maps are diffed field by field. Lists that {@link MergeKeys} merges by a key (containers by name,
 * ports by containerPort, env by name, volumes by name...) are diffed item by item: a changed item is
 * sent with its merge key, an item dropped from the file gets {@code $patch: delete}, and
 * {@code $setElementOrder/<list>} carries the file's order. Lists of primitives merged as sets send
 * their additions and {@code $deleteFromPrimitiveList/<list>}. Any other list is atomic and sent whole
 * when it differs, where live items may carry more (defaulted) fields than the file without counting as
 * a difference. So applying the same file twice yields an empty patch.
 */
final class ApplyPatch {
  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  private static final String SET_ELEMENT_ORDER = "$setElementOrder/";
  private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

  private final String kind;

  private ApplyPatch(String kind) {
    this.kind = kind;
  }

  /**
   * The patch for an object of {@code kind}; {@code original} may be null (no last-applied record:
   * only additions and changes), {@code current} is the live object.
   */
  static ObjectNode threeWay(String kind, JsonNode original, JsonNode modified, JsonNode current) {
    return new ApplyPatch(kind).map("", original, modified, current);
  }

  private ObjectNode map(String path, JsonNode original, JsonNode modified, JsonNode current) {
    ObjectNode patch = CliJson.object();
    JsonNode o = original != null && original.isObject() ? original : null;
    JsonNode c = current != null && current.isObject() ? current : null;
    for (Map.Entry<String, JsonNode> e : modified.properties()) {
      String key = e.getKey();
      String at = path.isEmpty() ? key : path + "." + key;
      JsonNode m = e.getValue();
      JsonNode cv = c == null ? null : c.get(key);
      JsonNode ov = o == null ? null : o.get(key);
      if (m.isNull()) {
        if (cv != null && !cv.isNull()) {
          patch.set(key, NullNode.getInstance());
        }
      } else if (m.isObject() && cv != null && cv.isObject()) {
        ObjectNode sub = map(at, ov, m, cv);
        if (!sub.isEmpty()) {
          patch.set(key, sub);
        }
      } else if (m.isArray() && cv != null && cv.isArray()) {
        list(patch, key, at, ov != null && ov.isArray() ? ov : null, (ArrayNode) m, (ArrayNode) cv);
      } else if (!same(m, cv)) {
        patch.set(key, m);
      }
    }
    if (o != null) {
      for (Map.Entry<String, JsonNode> e : o.properties()) {
        String key = e.getKey();
        if (!modified.has(key) && c != null && c.has(key) && !c.get(key).isNull()) {
          patch.set(key, NullNode.getInstance());
        }
      }
    }
    return patch;
  }

  private void list(ObjectNode patch, String key, String path, JsonNode original, ArrayNode modified, ArrayNode current) {
    MergeKeys.ListStrategy strategy = MergeKeys.forList(kind, path);
    if (strategy == null) {
      if (!covers(path, original, modified, current)) {
        patch.set(key, modified);
      }
    } else if (strategy.isSet()) {
      primitiveSet(patch, key, original, modified, current);
    } else {
      byMergeKey(patch, key, path, strategy.mergeKey(), original, modified, current);
    }
  }

  private static void primitiveSet(ObjectNode patch, String key, JsonNode original, ArrayNode modified, ArrayNode current) {
    Set<JsonNode> live = new HashSet<>();
    current.forEach(live::add);
    Set<JsonNode> wanted = new HashSet<>();
    modified.forEach(wanted::add);
    ArrayNode additions = CliJson.array();
    for (JsonNode v : modified) {
      if (!live.contains(v)) {
        additions.add(v);
      }
    }
    ArrayNode deletions = CliJson.array();
    if (original != null) {
      for (JsonNode v : original) {
        if (!wanted.contains(v) && live.contains(v)) {
          deletions.add(v);
        }
      }
    }
    if (additions.isEmpty() && deletions.isEmpty()) {
      return;
    }
    if (!additions.isEmpty()) {
      patch.set(key, additions);
    }
    if (!deletions.isEmpty()) {
      patch.set(DELETE_FROM_PRIMITIVE_LIST + key, deletions);
    }
    patch.set(SET_ELEMENT_ORDER + key, modified);
  }

  private void byMergeKey(ObjectNode patch, String key, String path, String mergeKey, JsonNode original,
      ArrayNode modified, ArrayNode current) {
    ArrayNode items = CliJson.array();
    List<JsonNode> wantedKeys = new ArrayList<>();
    for (JsonNode m : modified) {
      JsonNode k = m.isObject() ? m.get(mergeKey) : null;
      if (k == null || k.isNull()) {
        throw new CliException("error: " + path + ": every item must carry its merge key \"" + mergeKey + "\": " + CliJson.compact(m));
      }
      wantedKeys.add(k);
      JsonNode c = find(current, mergeKey, k);
      if (c == null) {
        items.add(m);
        continue;
      }
      ObjectNode sub = map(path, find(original, mergeKey, k), m, c);
      if (!sub.isEmpty()) {
        ObjectNode item = CliJson.object();
        item.set(mergeKey, k);
        item.setAll(sub);
        items.add(item);
      }
    }
    if (original != null) {
      for (JsonNode o : original) {
        JsonNode k = o.isObject() ? o.get(mergeKey) : null;
        if (k != null && !wantedKeys.contains(k) && find(current, mergeKey, k) != null) {
          ObjectNode delete = CliJson.object();
          delete.put("$patch", "delete");
          delete.set(mergeKey, k);
          items.add(delete);
        }
      }
    }
    // the live order of the file's items, when it differs from the file's, is corrected too
    List<JsonNode> liveOrder = new ArrayList<>();
    for (JsonNode c : current) {
      JsonNode k = c.isObject() ? c.get(mergeKey) : null;
      if (k != null && wantedKeys.contains(k)) {
        liveOrder.add(k);
      }
    }
    List<JsonNode> fileOrder = new ArrayList<>(wantedKeys);
    fileOrder.retainAll(liveOrder);
    if (items.isEmpty() && fileOrder.equals(liveOrder)) {
      return;
    }
    if (!items.isEmpty()) {
      patch.set(key, items);
    }
    ArrayNode order = CliJson.array();
    for (JsonNode k : wantedKeys) {
      order.addObject().set(mergeKey, k);
    }
    patch.set(SET_ELEMENT_ORDER + key, order);
  }

  private static JsonNode find(JsonNode list, String mergeKey, JsonNode key) {
    if (list == null || !list.isArray()) {
      return null;
    }
    for (JsonNode item : list) {
      if (item.isObject() && key.equals(item.get(mergeKey))) {
        return item;
      }
    }
    return null;
  }

  /** Whether the live value already holds the file's atomic list, item by item (live items may carry more). */
  private boolean covers(String path, JsonNode original, JsonNode modified, JsonNode current) {
    if (modified.size() != current.size()) {
      return false;
    }
    for (int i = 0; i < modified.size(); i++) {
      JsonNode m = modified.get(i);
      JsonNode c = current.get(i);
      JsonNode o = original != null && original.size() > i ? original.get(i) : null;
      if (m.isObject() && c.isObject()) {
        if (!map(path, o, m, c).isEmpty()) {
          return false;
        }
      } else if (m.isArray() && c.isArray()) {
        if (!covers(path, o != null && o.isArray() ? o : null, m, c)) {
          return false;
        }
      } else if (!same(m, c)) {
        return false;
      }
    }
    return true;
  }

  private static boolean same(JsonNode m, JsonNode c) {
    if (c == null) {
      return false;
    }
    if (m.isNumber() && c.isNumber()) {
      return m.decimalValue().compareTo(c.decimalValue()) == 0;
    }
    return m.equals(c);
  }

  /**
   * The file as it is recorded in the last-applied annotation: without that annotation (an empty
   * annotations map stays, as kubectl leaves it), its namespace set when the kind is namespaced, keys
   * sorted, compact, and {@code <>&} escaped as kubectl's encoder writes them, so that kubectl and this
   * CLI record the same text for the same file and neither sees a change in the other's apply.
   */
  static String lastApplied(ObjectNode object) {
    ObjectNode copy = object.deepCopy();
    JsonNode meta = copy.path("metadata");
    if (meta.isObject()) {
      ObjectNode annotations = meta.path("annotations").isObject()
          ? (ObjectNode) meta.path("annotations") : ((ObjectNode) meta).putObject("annotations");
      annotations.remove(LAST_APPLIED);
    }
    return CliJson.compactSorted(copy).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n";
  }

  /** The modified object with its own last-applied annotation, as kubectl records it. */
  static ObjectNode withLastApplied(ObjectNode object) {
    String recorded = lastApplied(object);
    ObjectNode result = object.deepCopy();
    ObjectNode metadata = result.has("metadata") && result.get("metadata").isObject()
        ? (ObjectNode) result.get("metadata") : result.putObject("metadata");
    ObjectNode annotations = metadata.has("annotations") && metadata.get("annotations").isObject()
        ? (ObjectNode) metadata.get("annotations") : metadata.putObject("annotations");
    annotations.put(LAST_APPLIED, recorded);
    return result;
  }
}
