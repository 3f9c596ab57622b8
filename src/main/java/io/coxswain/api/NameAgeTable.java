package io.coxswain.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** The fallback table: NAME and AGE for every resource (what kubectl prints for objects it has no columns for). */
public final class NameAgeTable implements TableRenderer {
  private final Clock clock;

  public NameAgeTable(Clock clock) {
    this.clock = clock;
  }

  @Override
  public ArrayNode columns(String resource) {
    ArrayNode cols = JsonNodeFactory.instance.arrayNode();
    cols.addObject().put("name", "Name").put("type", "string").put("format", "name")
        .put("description", "Name must be unique within a namespace.").put("priority", 0);
    cols.addObject().put("name", "Age").put("type", "string").put("format", "")
        .put("description", "Time since the object was created.").put("priority", 0);
    return cols;
  }

  @Override
  public ArrayNode cells(String resource, ObjectNode object) {
    ArrayNode cells = JsonNodeFactory.instance.arrayNode();
    cells.add(object.path("metadata").path("name").asText());
    cells.add(age(object.path("metadata").path("creationTimestamp").asText(""), clock.instant()));
    return cells;
  }

  /** Kubernetes' short human duration: 45s, 5m10s, 3h, 2d4h, 300d. */
  public static String age(String timestamp, Instant now) {
    if (timestamp.isEmpty()) {
      return "<unknown>";
    }
    Duration d;
    try {
      d = Duration.between(Instant.parse(timestamp), now);
    } catch (RuntimeException e) {
      return "<invalid>";
    }
    long s = Math.max(0, d.getSeconds());
    if (s < 120) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 10) {
      return m + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
    }
    if (m < 180) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 8) {
      return h + "h" + (m % 60 == 0 ? "" : (m % 60) + "m");
    }
    if (h < 48) {
      return h + "h";
    }
    long days = h / 24;
    if (days < 8) {
      return days + "d" + (h % 24 == 0 ? "" : (h % 24) + "h");
    }
    return days + "d";
  }
}
