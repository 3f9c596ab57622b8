package io.coxswain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** JSON patch (RFC 6902): add, remove, replace, move, copy and test, applied in order, all or nothing. */
public final class JsonPatch {
  private JsonPatch() {}

  /** Returns the patched document; neither argument is modified. Any failing operation fails the whole patch. */
  public static JsonNode apply(JsonNode target, JsonNode patch) throws PatchException {
    if (patch == null || !patch.isArray()) {
      throw new PatchException("a JSON patch must be an array of operations");
    }
    JsonNode doc = target == null ? null : target.deepCopy();
    for (int i = 0; i < patch.size(); i++) {
      JsonNode op = patch.get(i);
      if (!op.isObject()) {
        throw new PatchException("operation " + i + " is not an object");
      }
      String name = text(op, "op", i);
      String path = text(op, "path", i);
      doc = switch (name) {
        case "add" -> add(doc, pointer(path), value(op, i), name);
        case "remove" -> {
          List<String> p = pointer(path);
          get(doc, p, name, path);
          yield remove(doc, p);
        }
        case "replace" -> {
          List<String> p = pointer(path);
          get(doc, p, name, path);
          yield add(remove(doc, p), p, value(op, i), name);
        }
        case "move" -> {
          String from = text(op, "from", i);
          if (path.startsWith(from + "/")) {
            throw new PatchException("move operation does not apply: \"" + path + "\" is a child of \"" + from + "\"");
          }
          JsonNode moved = get(doc, pointer(from), name, from);
          if (from.equals(path)) {
            yield doc;
          }
          yield add(remove(doc, pointer(from)), pointer(path), moved, name);
        }
        case "copy" -> {
          String from = text(op, "from", i);
          yield add(doc, pointer(path), get(doc, pointer(from), name, from).deepCopy(), name);
        }
        case "test" -> {
          JsonNode expected = value(op, i);
          JsonNode actual = get(doc, pointer(path), name, path);
          if (!actual.equals(expected)) {
            throw new PatchException("testing value " + path + " failed: test failed");
          }
          yield doc;
        }
        default -> throw new PatchException("unexpected kind of operation: \"" + name + "\"");
      };
    }
    return doc;
  }

  private static String text(JsonNode op, String field, int index) throws PatchException {
    JsonNode v = op.get(field);
    if (v == null || !v.isTextual()) {
      throw new PatchException("operation " + index + " is missing the string field \"" + field + "\"");
    }
    return v.textValue();
  }

  private static JsonNode value(JsonNode op, int index) throws PatchException {
    if (!op.has("value")) {
      throw new PatchException("operation " + index + " (" + op.path("op").asText() + ") is missing \"value\"");
    }
    return op.get("value").deepCopy();
  }

  /** Splits a JSON pointer (RFC 6901) into unescaped tokens. */
  static List<String> pointer(String path) throws PatchException {
    List<String> tokens = new ArrayList<>();
    if (path.isEmpty()) {
      return tokens;
    }
    if (!path.startsWith("/")) {
      throw new PatchException("invalid JSON pointer \"" + path + "\": must start with '/'");
    }
    for (String raw : path.substring(1).split("/", -1)) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < raw.length(); i++) {
        char c = raw.charAt(i);
        if (c == '~') {
          char n = i + 1 < raw.length() ? raw.charAt(i + 1) : ' ';
          if (n == '0') {
            sb.append('~');
          } else if (n == '1') {
            sb.append('/');
          } else {
            throw new PatchException("invalid JSON pointer \"" + path + "\": bad escape '~'");
          }
          i++;
        } else {
          sb.append(c);
        }
      }
      tokens.add(sb.toString());
    }
    return tokens;
  }

  private static String show(List<String> tokens) {
    StringBuilder sb = new StringBuilder();
    for (String t : tokens) {
      sb.append('/').append(t.replace("~", "~0").replace("/", "~1"));
    }
    return sb.toString();
  }

  private static int index(String token, int size, boolean allowEnd, List<String> path) throws PatchException {
    if (allowEnd && token.equals("-")) {
      return size;
    }
    if (!token.matches("0|[1-9][0-9]{0,8}")) {
      throw new PatchException("invalid array index \"" + token + "\" in path \"" + show(path) + "\"");
    }
    int i = Integer.parseInt(token);
    if (i > (allowEnd ? size : size - 1)) {
      throw new PatchException("array index " + i + " out of bounds in path \"" + show(path) + "\"");
    }
    return i;
  }

  private static JsonNode get(JsonNode doc, List<String> path, String op, String shown) throws PatchException {
    JsonNode node = doc;
    for (int k = 0; k < path.size(); k++) {
      String t = path.get(k);
      JsonNode next = null;
      if (node != null && node.isObject()) {
        next = node.get(t);
      } else if (node != null && node.isArray()) {
        try {
          next = node.get(index(t, node.size(), false, path));
        } catch (PatchException e) {
          next = null;
        }
      }
      if (next == null) {
        throw new PatchException(op + " operation does not apply: doc is missing path: \"" + shown + "\"");
      }
      node = next;
    }
    if (node == null) {
      throw new PatchException(op + " operation does not apply: doc is missing path: \"" + shown + "\"");
    }
    return node;
  }

  private static JsonNode parent(JsonNode doc, List<String> path, String op) throws PatchException {
    List<String> parentPath = path.subList(0, path.size() - 1);
    JsonNode parent = get(doc, parentPath, op, show(path));
    if (!parent.isObject() && !parent.isArray()) {
      throw new PatchException(op + " operation does not apply: doc is missing path: \"" + show(path) + "\"");
    }
    return parent;
  }

  private static JsonNode add(JsonNode doc, List<String> path, JsonNode value, String op) throws PatchException {
    if (path.isEmpty()) {
      return value;
    }
    JsonNode parent = parent(doc, path, op);
    String last = path.get(path.size() - 1);
    if (parent.isObject()) {
      ((ObjectNode) parent).set(last, value);
    } else {
      ArrayNode array = (ArrayNode) parent;
      array.insert(index(last, array.size(), true, path), value);
    }
    return doc;
  }

  private static JsonNode remove(JsonNode doc, List<String> path) throws PatchException {
    if (path.isEmpty()) {
      return null;
    }
    JsonNode parent = parent(doc, path, "remove");
    String last = path.get(path.size() - 1);
    if (parent.isObject()) {
      ((ObjectNode) parent).remove(last);
    } else {
      ArrayNode array = (ArrayNode) parent;
      array.remove(index(last, array.size(), false, path));
    }
    return doc;
  }
}
