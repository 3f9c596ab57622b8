package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a server-side {@code meta.k8s.io/v1 Table} into lines as kubectl prints it: upper-case headers,
 * priority-1 columns only with -o wide, NAMESPACE first with -A, LABELS last with --show-labels, cells
 * aligned like Go's tabwriter with 3 spaces of padding.
 */
final class TableFormat {
  record Options(boolean wide, boolean withNamespace, boolean showLabels, String kindPrefix, List<String> labelColumns) {
    static final Options PLAIN = new Options(false, false, false, null, List.of());
  }

  private TableFormat() {}

  static List<String> header(JsonNode table, Options o) {
    List<String> h = new ArrayList<>();
    if (o.withNamespace()) {
      h.add("NAMESPACE");
    }
    for (JsonNode c : table.path("columnDefinitions")) {
      if (visible(c, o)) {
        h.add(c.path("name").asText().toUpperCase(Locale.ROOT));
      }
    }
    for (String l : o.labelColumns()) {
      String last = l.substring(l.lastIndexOf('/') + 1);
      h.add(last.toUpperCase(Locale.ROOT));
    }
    if (o.showLabels()) {
      h.add("LABELS");
    }
    return h;
  }

  static List<List<String>> rows(JsonNode table, Options o) {
    List<List<String>> out = new ArrayList<>();
    JsonNode columns = table.path("columnDefinitions");
    for (JsonNode row : table.path("rows")) {
      List<String> cells = new ArrayList<>();
      JsonNode meta = row.path("object").path("metadata");
      if (o.withNamespace()) {
        cells.add(meta.path("namespace").asText(""));
      }
      JsonNode values = row.path("cells");
      for (int i = 0; i < columns.size() && i < values.size(); i++) {
        if (!visible(columns.get(i), o)) {
          continue;
        }
        String cell = cell(values.get(i));
        if (i == 0 && o.kindPrefix() != null) {
          cell = o.kindPrefix() + "/" + cell;
        }
        cells.add(cell);
      }
      JsonNode labels = meta.path("labels");
      for (String l : o.labelColumns()) {
        cells.add(labels.path(l).asText(""));
      }
      if (o.showLabels()) {
        cells.add(formatLabels(labels));
      }
      out.add(cells);
    }
    return out;
  }

  private static boolean visible(JsonNode column, Options o) {
    return o.wide() || column.path("priority").asInt(0) == 0;
  }

  /** A cell as kubectl prints it: strings cut at the first line break ("..." added), null as nothing. */
  static String cell(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return "";
    }
    if (v.isTextual()) {
      String s = v.asText();
      int cut = indexOfAny(s, "\f\n\r");
      return cut >= 0 ? s.substring(0, cut) + "..." : s;
    }
    if (v.isContainerNode()) {
      return CliJson.compact(v);
    }
    return v.asText();
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** {@code a=b,c=d} in key order, or {@code <none>}. */
  static String formatLabels(JsonNode labels) {
    if (labels == null || !labels.isObject() || labels.isEmpty()) {
      return "<none>";
    }
    Map<String, String> sorted = new TreeMap<>();
    labels.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
    StringBuilder b = new StringBuilder();
    sorted.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return b.toString();
  }

  /** kubectl's tabwriter: every cell but the last padded to its column's width + 3, and at least 6. */
  static String align(List<List<String>> lines) {
    return align(lines, new int[0]);
  }

  /**
   * As {@link #align(List)}, remembering column widths across calls (kubectl's tabwriter flag
   * RememberWidths), so rows printed later under -w stay aligned with the header: columns never get
   * narrower than {@code remembered} says, and {@code remembered} is updated in place.
   */
  static String align(List<List<String>> lines, int[] remembered) {
    int columns = 0;
    for (List<String> l : lines) {
      columns = Math.max(columns, l.size());
    }
    int[] width = new int[columns];
    for (int i = 0; i < columns && i < remembered.length; i++) {
      width[i] = remembered[i];
    }
    for (List<String> l : lines) {
      for (int i = 0; i < l.size() - 1; i++) {
        width[i] = Math.max(width[i], Math.max(MIN_WIDTH, l.get(i).codePointCount(0, l.get(i).length()) + PADDING));
      }
    }
    for (int i = 0; i < remembered.length && i < columns; i++) {
      remembered[i] = width[i];
    }
    StringBuilder b = new StringBuilder();
    for (List<String> l : lines) {
      for (int i = 0; i < l.size(); i++) {
        String c = l.get(i);
        b.append(c);
        if (i < l.size() - 1) {
          b.append(" ".repeat(Math.max(0, width[i] - c.codePointCount(0, c.length()))));
        }
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static final int MIN_WIDTH = 6;
  private static final int PADDING = 3;

  /** A Table made on the client (NAME, AGE) for a server that answered with a plain object or list. */
  static JsonNode fromObjects(JsonNode listOrObject, Instant now) {
    ObjectNode table = CliJson.object();
    table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    ArrayNode cols = table.putArray("columnDefinitions");
    cols.addObject().put("name", "Name").put("type", "string").put("format", "name").put("priority", 0);
    cols.addObject().put("name", "Age").put("type", "string").put("priority", 0);
    ArrayNode rows = table.putArray("rows");
    List<JsonNode> items = new ArrayList<>();
    if (listOrObject.has("items")) {
      listOrObject.path("items").forEach(items::add);
    } else {
      items.add(listOrObject);
    }
    for (JsonNode item : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      cells.add(item.path("metadata").path("name").asText());
      cells.add(age(item.path("metadata").path("creationTimestamp").asText(null), now));
      ObjectNode obj = row.putObject("object");
      obj.set("metadata", item.path("metadata").deepCopy());
    }
    return table;
  }

  static String age(String timestamp, Instant now) {
    if (timestamp == null || timestamp.isEmpty()) {
      return "<unknown>";
    }
    try {
      return humanDuration(Duration.between(Instant.parse(timestamp), now));
    } catch (RuntimeException e) {
      return "<unknown>";
    }
  }

  /** kubectl's HumanDuration: 45s, 3m20s, 12m, 5h10m, 30h, 6d2h, 40d, 3y20d, 9y. */
  static String humanDuration(Duration d) {
    long seconds = d.getSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = minutes / 60;
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long dy = (hours / 24) % 365;
      return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
    }
    return hours / 24 / 365 + "y";
  }
}
