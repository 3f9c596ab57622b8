package io.coxswain.api.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Instant;
import java.util.List;

/** Builds meta.k8s.io/v1 Table documents (what {@code kubectl get} asks for) from objects and a printer. */
public final class TableBuilder {
  public static final String API_VERSION = "meta.k8s.io/v1";

  private TableBuilder() {}

  /**
   * A whole table: column definitions, one row per object, and list metadata. resourceVersion, continue and
   * remainingItemCount are left out when null.
   */
  public static ObjectNode table(Printer<? extends HasMetadata> printer, List<? extends HasMetadata> objects,
      IncludeObject include, String resourceVersion, String continueToken, Long remainingItemCount, Instant now) {
    ObjectNode table = Json.MAPPER.createObjectNode();
    table.put("kind", "Table");
    table.put("apiVersion", API_VERSION);
    ObjectNode meta = table.putObject("metadata");
    if (resourceVersion != null) {
      meta.put("resourceVersion", resourceVersion);
    }
    if (continueToken != null && !continueToken.isEmpty()) {
      meta.put("continue", continueToken);
    }
    if (remainingItemCount != null) {
      meta.put("remainingItemCount", remainingItemCount);
    }
    table.set("columnDefinitions", columns(printer));
    ArrayNode rows = table.putArray("rows");
    for (HasMetadata obj : objects) {
      rows.add(row(printer, obj, include, now));
    }
    return table;
  }

  public static ArrayNode columns(Printer<? extends HasMetadata> printer) {
    ArrayNode defs = Json.MAPPER.createArrayNode();
    for (Column c : printer.columns()) {
      ObjectNode d = defs.addObject();
      d.put("name", c.name());
      d.put("type", c.type());
      d.put("format", c.format());
      d.put("description", c.description());
      d.put("priority", c.priority());
    }
    return defs;
  }

  /** One row: cells, conditions (when any) and the object as the policy says. */
  public static ObjectNode row(Printer<? extends HasMetadata> printer, HasMetadata obj, IncludeObject include,
      Instant now) {
    ObjectNode row = Json.MAPPER.createObjectNode();
    ArrayNode cells = row.putArray("cells");
    for (Object cell : printer.cellsOf(obj, now)) {
      JsonNode node = cell == null ? null : Json.MAPPER.valueToTree(cell);
      cells.add(node == null ? Json.MAPPER.nullNode() : node);
    }
    List<RowCondition> conditions = printer.conditionsOf(obj);
    if (!conditions.isEmpty()) {
      ArrayNode cs = row.putArray("conditions");
      for (RowCondition c : conditions) {
        ObjectNode n = cs.addObject();
        n.put("type", c.type());
        n.put("status", c.status());
        n.put("reason", c.reason());
        n.put("message", c.message());
      }
    }
    switch (include) {
      case OBJECT -> row.set("object", Json.MAPPER.valueToTree(obj));
      case METADATA -> row.set("object", partialMetadata(obj));
      case NONE -> { }
    }
    return row;
  }

  /** The PartialObjectMetadata form of an object: its metadata only. */
  public static ObjectNode partialMetadata(HasMetadata obj) {
    ObjectNode partial = Json.MAPPER.createObjectNode();
    partial.put("kind", "PartialObjectMetadata");
    partial.put("apiVersion", API_VERSION);
    partial.set("metadata", Json.MAPPER.valueToTree(obj.getMetadata()));
    return partial;
  }
}
