package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Client-side apply's three-way merge: from the last applied configuration (original), the file
 * (modified) and the live object (current), the patch that makes current carry what modified says and
 * drops what original had and modified no longer has, while leaving alone what only the server set
 * (defaults, status). The patch is a JSON merge patch (RFC 7386): a list that changed is sent whole. A
 * list whose elements still match what is live (the live ones may carry more defaulted fields) is not
 * sent, so applying the same file twice yields an empty patch.
 */
final class ApplyPatch {
  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  private ApplyPatch() {}

  static ObjectNode threeWay(JsonNode original, JsonNode modified, JsonNode current) {
    ObjectNode patch = CliJson.object();
    Iterator<Map.Entry<String, JsonNode>> it = modified.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      JsonNode m = e.getValue();
      JsonNode c = current == null ? null : current.get(key);
      JsonNode o = original == null || !original.isObject() ? null : original.get(key);
      if (m.isNull()) {
        if (c != null && !c.isNull()) {
          patch.set(key, NullNode.getInstance());
        }
      } else if (m.isObject() && c != null && c.isObject()) {
        ObjectNode sub = threeWay(o, m, c);
        if (!sub.isEmpty()) {
          patch.set(key, sub);
        }
      } else if (!covers(o, m, c)) {
        patch.set(key, m);
      }
    }
    if (original != null && original.isObject()) {
      original.fieldNames().forEachRemaining(key -> {
        if (!modified.has(key) && current != null && current.has(key)) {
          patch.set(key, NullNode.getInstance());
        }
      });
    }
    return patch;
  }

  /** Whether current already holds modified (objects: no patch needed; lists: element by element). */
  private static boolean covers(JsonNode o, JsonNode m, JsonNode c) {
    if (c == null) {
      return false;
    }
    if (m.isObject() && c.isObject()) {
      return threeWay(o, m, c).isEmpty();
    }
    if (m.isArray() && c.isArray()) {
      if (m.size() != c.size()) {
        return false;
      }
      for (int i = 0; i < m.size(); i++) {
        JsonNode oi = o != null && o.isArray() && o.size() > i ? o.get(i) : null;
        if (!covers(oi, m.get(i), c.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (m.isNumber() && c.isNumber()) {
      return m.decimalValue().compareTo(c.decimalValue()) == 0;
    }
    return m.equals(c);
  }

  /** The modified object with its own last-applied annotation, as kubectl records it. */
  static ObjectNode withLastApplied(ObjectNode object) {
    ObjectNode copy = object.deepCopy();
    JsonNode meta = copy.path("metadata");
    if (meta.isObject() && meta.path("annotations").isObject()) {
      ((ObjectNode) meta.path("annotations")).remove(LAST_APPLIED);
      if (meta.path("annotations").isEmpty()) {
        ((ObjectNode) meta).remove("annotations");
      }
    }
    String recorded = CliJson.compactSorted(copy) + "\n";
    ObjectNode result = copy.deepCopy();
    ObjectNode metadata = result.has("metadata") && result.get("metadata").isObject()
        ? (ObjectNode) result.get("metadata") : result.putObject("metadata");
    ObjectNode annotations = metadata.has("annotations") && metadata.get("annotations").isObject()
        ? (ObjectNode) metadata.get("annotations") : metadata.putObject("annotations");
    annotations.put(LAST_APPLIED, recorded);
    return result;
  }
}
