package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The {@code -o} formats: the table (default, wide), json, yaml, name and jsonpath=TEMPLATE. */
record OutputFormat(String name, JsonPath jsonPath) {
  static OutputFormat parse(String o) {
    if (o == null || o.isEmpty()) {
      return new OutputFormat("", null);
    }
    if (o.startsWith("jsonpath=") || o.startsWith("jsonpath-as-json=")) {
      String template = o.substring(o.indexOf('=') + 1);
      try {
        return new OutputFormat("jsonpath", JsonPath.parse(template));
      } catch (RuntimeException e) {
        throw CliException.usage("error parsing jsonpath " + template + ", " + e.getMessage());
      }
    }
    return switch (o) {
      case "json", "yaml", "name", "wide" -> new OutputFormat(o, null);
      default -> throw CliException.usage("unable to match a printer suitable for the output format \"" + o
          + "\", allowed formats are: json,jsonpath,name,wide,yaml");
    };
  }

  boolean table() {
    return name.isEmpty() || name.equals("wide");
  }

  boolean wide() {
    return name.equals("wide");
  }

  /** Prints one object or a list (kind List) in this format. */
  String print(JsonNode value) {
    return switch (name) {
      case "json" -> CliJson.indented(value);
      case "yaml" -> CliJson.yaml(value);
      case "jsonpath" -> jsonPath.evaluate(value);
      case "name" -> names(value);
      default -> throw new IllegalStateException("not a table format: " + name);
    };
  }

  private static String names(JsonNode value) {
    StringBuilder b = new StringBuilder();
    List<JsonNode> items = new java.util.ArrayList<>();
    if (value.has("items")) {
      value.path("items").forEach(items::add);
    } else {
      items.add(value);
    }
    for (JsonNode item : items) {
      ResourceType t = ResourceType.ofKind(item.path("kind").asText());
      String prefix = t != null ? t.singular() : item.path("kind").asText().toLowerCase(java.util.Locale.ROOT);
      b.append(prefix).append('/').append(item.path("metadata").path("name").asText()).append('\n');
    }
    return b.toString();
  }

  /** kubectl's list wrapper: {@code {"apiVersion":"v1","items":[...],"kind":"List","metadata":{"resourceVersion":""}}}. */
  static ObjectNode list(List<JsonNode> items) {
    ObjectNode list = CliJson.object();
    list.put("apiVersion", "v1");
    list.putArray("items").addAll(items);
    list.put("kind", "List");
    list.putObject("metadata").put("resourceVersion", "");
    return list;
  }

  /** Items of a server list lack kind and apiVersion; kubectl puts them back first. */
  static ObjectNode withKind(JsonNode item, ResourceType type) {
    ObjectNode o = CliJson.object();
    o.put("apiVersion", item.path("apiVersion").asText("v1"));
    o.put("kind", item.path("kind").asText(type.kind()));
    item.fields().forEachRemaining(e -> {
      if (!e.getKey().equals("apiVersion") && !e.getKey().equals("kind")) {
        o.set(e.getKey(), e.getValue());
      }
    });
    return o;
  }
}
