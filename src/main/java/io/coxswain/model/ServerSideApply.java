package io.coxswain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Server-side apply of core/v1 objects: a manager's applied configuration is merged into the live object, the
 * fields it sets are recorded as that manager's in {@code metadata.managedFields} (FieldsV1, the format
 * Kubernetes writes), fields it applied before and applies no more are removed unless another applier also
 * owns them, and a field another applier owns with a different value is a conflict unless forced (then the
 * field changes hands).
 *
 * <p>Maps and structs are owned field by field; lists with keys ({@link MergeKeys}, with the protocol as a
 * second key of ports, as Kubernetes' list-map keys are) element by element; lists of primitives that merge as
 * sets value by value; every other list whole. Ownership is recorded for appliers only: writes by update or
 * patch own nothing, so they never conflict with an apply (an applier that applies a field again sets it).
 * The fields the server keeps to itself (name, namespace, uid, resourceVersion, status...) are not owned.
 */
public final class ServerSideApply {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Set<String> SERVER_METADATA = Set.of("name", "namespace", "uid", "resourceVersion", "generation",
      "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink");
  private static final String SELF = ".";

  /** Fields another applier owns with another value. */
  public static final class ConflictException extends Exception {
    private final Map<String, List<String>> byManager;

    ConflictException(Map<String, List<String>> byManager) {
      super(message(byManager));
      this.byManager = byManager;
    }

    /** The conflicting fields ({@code .spec.replicas}) of each manager. */
    public Map<String, List<String>> byManager() {
      return byManager;
    }

    private static String message(Map<String, List<String>> byManager) {
      int count = byManager.values().stream().mapToInt(List::size).sum();
      StringBuilder b = new StringBuilder("Apply failed with ").append(count).append(count == 1 ? " conflict: " : " conflicts: ");
      boolean first = true;
      for (Map.Entry<String, List<String>> e : byManager.entrySet()) {
        if (!first) {
          b.append("\n");
        }
        first = false;
        if (count == 1) {
          b.append("conflict with \"").append(e.getKey()).append("\" using v1: ").append(e.getValue().get(0));
        } else {
          b.append("conflicts with \"").append(e.getKey()).append("\" using v1:");
          e.getValue().forEach(f -> b.append("\n- ").append(f));
        }
      }
      return b.toString();
    }
  }

  private final String kind;

  private ServerSideApply(String kind) {
    this.kind = kind;
  }

  /**
   * The object after {@code manager} applies {@code applied} to {@code live} (null: the object does not exist
   * yet), with its managedFields; neither argument is modified. {@code time} is written into the manager's entry.
   */
  public static ObjectNode apply(String kind, ObjectNode live, ObjectNode applied, String manager, boolean force, String time)
      throws ConflictException {
    return new ServerSideApply(kind).run(live, applied, manager, force, time);
  }

  private ObjectNode run(ObjectNode live, ObjectNode applied, String manager, boolean force, String time) throws ConflictException {
    ObjectNode config = applied.deepCopy();
    config.remove("status"); // the main resource's apply sets no status, as in Kubernetes
    ObjectNode mine = fieldsOf(config);
    if (live == null) {
      ObjectNode created = config.deepCopy();
      created.with("metadata").set("managedFields", entries(List.of(), manager, mine, time));
      return created;
    }
    Map<String, ObjectNode> others = new LinkedHashMap<>();
    List<JsonNode> kept = new ArrayList<>();
    ObjectNode before = null;
    for (JsonNode e : live.path("metadata").path("managedFields")) {
      boolean apply = "Apply".equals(e.path("operation").asText());
      if (apply && manager.equals(e.path("manager").asText())) {
        before = e.path("fieldsV1").isObject() ? (ObjectNode) e.path("fieldsV1") : NODES.objectNode();
      } else if (apply && e.path("fieldsV1").isObject()) {
        others.put(e.path("manager").asText(), ((ObjectNode) e.path("fieldsV1")).deepCopy());
        kept.add(e);
      } else {
        kept.add(e);
      }
    }
    // conflicts: fields this apply sets that another applier owns with another value
    Map<String, List<String>> conflicts = new TreeMap<>();
    for (Map.Entry<String, ObjectNode> other : others.entrySet()) {
      List<List<String>> shared = new ArrayList<>();
      leaves(intersection(mine, other.getValue()), new ArrayList<>(), shared);
      for (List<String> path : shared) {
        if (!SAME.test(valueAt(live, path), valueAt(config, path))) {
          if (force) {
            removePath(other.getValue(), path);
          } else {
            conflicts.computeIfAbsent(other.getKey(), k -> new ArrayList<>()).add(printable(path));
          }
        }
      }
    }
    if (!conflicts.isEmpty()) {
      throw new ConflictException(conflicts);
    }
    ObjectNode result = live.deepCopy();
    if (before != null) {
      ObjectNode othersUnion = NODES.objectNode();
      others.values().forEach(o -> union(othersUnion, o));
      ObjectNode dropped = difference(difference(before, mine), othersUnion);
      remove(result, dropped, othersUnion, "");
    }
    merge(result, config, "");
    // the updated entries of the others (forced fields taken away) in their places, then this manager's
    List<JsonNode> entries = new ArrayList<>();
    for (JsonNode e : kept) {
      String m = e.path("manager").asText();
      if ("Apply".equals(e.path("operation").asText()) && others.containsKey(m)) {
        ObjectNode updated = ((ObjectNode) e).deepCopy();
        updated.set("fieldsV1", others.get(m));
        if (!others.get(m).isEmpty()) {
          entries.add(updated);
        }
      } else {
        entries.add(e);
      }
    }
    result.with("metadata").set("managedFields", entries(entries, manager, mine, time));
    return result;
  }

  private static ArrayNode entries(List<JsonNode> kept, String manager, ObjectNode fields, String time) {
    ArrayNode out = NODES.arrayNode();
    kept.forEach(out::add);
    ObjectNode e = out.addObject();
    e.put("manager", manager);
    e.put("operation", "Apply");
    e.put("apiVersion", "v1");
    e.put("time", time);
    e.put("fieldsType", "FieldsV1");
    e.set("fieldsV1", fields);
    return out;
  }

  // ---------------------------------------------------------------- field sets

  /** The fields a configuration sets, as a FieldsV1 tree. */
  ObjectNode fieldsOf(ObjectNode config) {
    ObjectNode set = NODES.objectNode();
    config.fields().forEachRemaining(e -> {
      String name = e.getKey();
      if (name.equals("apiVersion") || name.equals("kind")) {
        return;
      }
      if (name.equals("metadata") && e.getValue().isObject()) {
        ObjectNode meta = NODES.objectNode();
        e.getValue().fields().forEachRemaining(m -> {
          if (!SERVER_METADATA.contains(m.getKey()) && !m.getValue().isNull()) {
            meta.set("f:" + m.getKey(), fieldsOfValue(m.getValue(), "metadata." + m.getKey()));
          }
        });
        if (!meta.isEmpty()) {
          set.set("f:metadata", meta);
        }
        return;
      }
      if (!e.getValue().isNull()) {
        set.set("f:" + name, fieldsOfValue(e.getValue(), name));
      }
    });
    return set;
  }

  private ObjectNode fieldsOfValue(JsonNode value, String path) {
    ObjectNode set = NODES.objectNode();
    if (value.isObject()) {
      value.fields().forEachRemaining(e -> {
        if (!e.getValue().isNull()) {
          set.set("f:" + e.getKey(), fieldsOfValue(e.getValue(), path + "." + e.getKey()));
        }
      });
    } else if (value.isArray()) {
      List<String> keys = listKeys(path);
      MergeKeys.ListStrategy strategy = MergeKeys.forList(kind, path);
      if (keys != null) {
        for (JsonNode item : value) {
          if (item.isObject()) {
            ObjectNode element = fieldsOfValue(item, path);
            element.set(SELF, NODES.objectNode());
            set.set(elementKey(item, keys), element);
          }
        }
      } else if (strategy != null && strategy.isSet()) {
        for (JsonNode item : value) {
          set.set("v:" + item, NODES.objectNode());
        }
      }
    }
    return set;
  }

  /** The keys that name an element of the list at the path, or null when its elements are not keyed. */
  private List<String> listKeys(String path) {
    MergeKeys.ListStrategy s = MergeKeys.forList(kind, path);
    if (s == null || s.isSet()) {
      return null;
    }
    if (s.mergeKey().equals("containerPort") || (s.mergeKey().equals("port") && kind.equals("Service"))) {
      return List.of(s.mergeKey(), "protocol");
    }
    return List.of(s.mergeKey());
  }

  private static String elementKey(JsonNode item, List<String> keys) {
    ObjectNode id = NODES.objectNode();
    for (String k : new java.util.TreeSet<>(keys)) {
      JsonNode v = item.get(k);
      if (v == null && k.equals("protocol")) {
        v = NODES.textNode("TCP"); // its default: an element without it is the TCP one
      }
      if (v != null) {
        id.set(k, v);
      }
    }
    return "k:" + id;
  }

  private static void union(ObjectNode into, ObjectNode add) {
    add.fields().forEachRemaining(e -> {
      JsonNode have = into.get(e.getKey());
      if (have == null) {
        into.set(e.getKey(), e.getValue().deepCopy());
      } else if (have.isObject() && e.getValue().isObject()) {
        union((ObjectNode) have, (ObjectNode) e.getValue());
      }
    });
  }

  /** The fields of {@code a} that {@code b} does not name (a field {@code b} names whole covers all under it). */
  static ObjectNode difference(ObjectNode a, ObjectNode b) {
    ObjectNode out = NODES.objectNode();
    a.fields().forEachRemaining(e -> {
      JsonNode other = b.get(e.getKey());
      if (other == null) {
        out.set(e.getKey(), e.getValue().deepCopy());
      } else if (e.getValue().isObject() && !e.getValue().isEmpty() && other.isObject() && !other.isEmpty()) {
        ObjectNode rest = difference((ObjectNode) e.getValue(), (ObjectNode) other);
        if (!rest.isEmpty()) {
          out.set(e.getKey(), rest);
        }
      }
    });
    return out;
  }

  /** The fields both name, down to the leaves of either. */
  static ObjectNode intersection(ObjectNode a, ObjectNode b) {
    ObjectNode out = NODES.objectNode();
    a.fields().forEachRemaining(e -> {
      JsonNode other = b.get(e.getKey());
      if (other == null || !other.isObject()) {
        return;
      }
      if (e.getValue().isEmpty()) {
        out.set(e.getKey(), NODES.objectNode());
      } else if (other.isEmpty()) {
        out.set(e.getKey(), e.getValue().deepCopy());
      } else {
        ObjectNode both = intersection((ObjectNode) e.getValue(), (ObjectNode) other);
        if (!both.isEmpty()) {
          out.set(e.getKey(), both);
        }
      }
    });
    return out;
  }

  /** The paths of the leaves (fields owned whole), without the markers of list elements themselves. */
  private static void leaves(ObjectNode set, List<String> prefix, List<List<String>> out) {
    set.fields().forEachRemaining(e -> {
      if (e.getKey().equals(SELF)) {
        return;
      }
      List<String> path = new ArrayList<>(prefix);
      path.add(e.getKey());
      if (e.getValue().isEmpty()) {
        out.add(path);
      } else {
        leaves((ObjectNode) e.getValue(), path, out);
      }
    });
  }

  private static void removePath(ObjectNode set, List<String> path) {
    ObjectNode at = set;
    List<ObjectNode> trail = new ArrayList<>();
    for (int i = 0; i < path.size() - 1; i++) {
      trail.add(at);
      JsonNode next = at.get(path.get(i));
      if (!(next instanceof ObjectNode n)) {
        return;
      }
      at = n;
    }
    at.remove(path.get(path.size() - 1));
    // parents left with nothing (or only an element's own marker) go too
    for (int i = path.size() - 2; i >= 0; i--) {
      ObjectNode parent = trail.get(i);
      JsonNode child = parent.get(path.get(i));
      if (child != null && (child.isEmpty() || (child.size() == 1 && child.has(SELF)))) {
        parent.remove(path.get(i));
      } else {
        break;
      }
    }
  }

  /** The value a field path names in an object (null when absent). */
  static JsonNode valueAt(JsonNode object, List<String> path) {
    JsonNode at = object;
    for (String step : path) {
      if (at == null) {
        return null;
      }
      if (step.startsWith("f:")) {
        at = at.get(step.substring(2));
      } else if (step.startsWith("k:")) {
        at = findElement(at, parse(step.substring(2)));
      } else if (step.startsWith("v:")) {
        JsonNode v = parse(step.substring(2));
        JsonNode found = null;
        if (at.isArray()) {
          for (JsonNode item : at) {
            if (item.equals(v)) {
              found = item;
            }
          }
        }
        at = found;
      } else {
        return null;
      }
    }
    return at;
  }

  private static JsonNode findElement(JsonNode list, JsonNode id) {
    if (list == null || !list.isArray()) {
      return null;
    }
    for (JsonNode item : list) {
      if (matches(item, id)) {
        return item;
      }
    }
    return null;
  }

  private static boolean matches(JsonNode item, JsonNode id) {
    if (!item.isObject()) {
      return false;
    }
    Iterator<Map.Entry<String, JsonNode>> it = id.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> k = it.next();
      JsonNode v = item.get(k.getKey());
      if (v == null && k.getKey().equals("protocol")) {
        v = NODES.textNode("TCP");
      }
      if (v == null || !SAME.test(v, k.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      return NODES.missingNode();
    }
  }

  private static final java.util.function.BiPredicate<JsonNode, JsonNode> SAME = (a, b) -> {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    return a.equals(b);
  };

  /** A field path as Kubernetes prints it in a conflict: {@code .spec.containers[name="c"].image}. */
  static String printable(List<String> path) {
    StringBuilder b = new StringBuilder();
    for (String step : path) {
      if (step.startsWith("f:")) {
        b.append('.').append(step.substring(2));
      } else if (step.startsWith("k:")) {
        JsonNode id = parse(step.substring(2));
        List<String> parts = new ArrayList<>();
        id.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + e.getValue()));
        b.append('[').append(String.join(",", parts)).append(']');
      } else if (step.startsWith("v:")) {
        b.append('[').append(step.substring(2)).append(']');
      }
    }
    return b.toString();
  }

  // ---------------------------------------------------------------- changing the object

  /** Takes out of the object the fields of {@code dropped}, keeping list elements others still own a part of. */
  private void remove(JsonNode object, ObjectNode dropped, ObjectNode othersOwn, String path) {
    if (object == null) {
      return;
    }
    dropped.fields().forEachRemaining(e -> {
      String step = e.getKey();
      ObjectNode sub = (ObjectNode) e.getValue();
      JsonNode theirs = othersOwn == null ? null : othersOwn.get(step);
      ObjectNode theirsSet = theirs instanceof ObjectNode t ? t : null;
      if (step.startsWith("f:") && object.isObject()) {
        String field = step.substring(2);
        String childPath = path.isEmpty() ? field : path + "." + field;
        if (sub.isEmpty()) {
          ((ObjectNode) object).remove(field);
        } else {
          JsonNode child = object.get(field);
          remove(child, sub, theirsSet, childPath);
          if (child != null && child.isContainerNode() && child.isEmpty() && theirsSet == null) {
            ((ObjectNode) object).remove(field);
          }
        }
      } else if (step.startsWith("k:") && object.isArray()) {
        JsonNode id = parse(step.substring(2));
        for (int i = 0; i < object.size(); i++) {
          if (matches(object.get(i), id)) {
            if (sub.has(SELF) && theirsSet == null) {
              ((ArrayNode) object).remove(i);
            } else {
              remove(object.get(i), sub, theirsSet, path);
            }
            break;
          }
        }
      } else if (step.startsWith("v:") && object.isArray() && theirsSet == null) {
        JsonNode v = parse(step.substring(2));
        for (int i = 0; i < object.size(); i++) {
          if (object.get(i).equals(v)) {
            ((ArrayNode) object).remove(i);
            break;
          }
        }
      }
    });
  }

  /** Merges the configuration into the object: maps by key, keyed lists by element, sets by value, the rest replaced. */
  private void merge(ObjectNode into, ObjectNode config, String path) {
    config.fields().forEachRemaining(e -> {
      String field = e.getKey();
      JsonNode value = e.getValue();
      if (value.isNull() || (path.equals("metadata") && SERVER_METADATA.contains(field))) {
        return;
      }
      String childPath = path.isEmpty() ? field : path + "." + field;
      JsonNode have = into.get(field);
      if (value.isObject() && have != null && have.isObject()) {
        merge((ObjectNode) have, (ObjectNode) value, childPath);
      } else if (value.isArray() && have != null && have.isArray()) {
        into.set(field, mergeList((ArrayNode) have, (ArrayNode) value, childPath));
      } else {
        into.set(field, value.deepCopy());
      }
    });
  }

  private ArrayNode mergeList(ArrayNode have, ArrayNode applied, String path) {
    List<String> keys = listKeys(path);
    MergeKeys.ListStrategy strategy = MergeKeys.forList(kind, path);
    if (keys != null) {
      ArrayNode out = have.deepCopy();
      for (JsonNode item : applied) {
        JsonNode id = parse(elementKey(item, keys).substring(2));
        JsonNode match = null;
        for (JsonNode existing : out) {
          if (matches(existing, id)) {
            match = existing;
            break;
          }
        }
        if (match instanceof ObjectNode m && item.isObject()) {
          merge(m, (ObjectNode) item, path);
        } else {
          out.add(item.deepCopy());
        }
      }
      return out;
    }
    if (strategy != null && strategy.isSet()) {
      ArrayNode out = have.deepCopy();
      for (JsonNode item : applied) {
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
    return applied.deepCopy();
  }
}
