package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.api.table.Printer;
import io.coxswain.api.table.Printers;
import io.coxswain.api.table.TableBuilder;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;

/** Table rows from the per-resource printers of {@code io.coxswain.api.table} (what kubectl shows). */
public final class PrinterTables implements TableRenderer {
  private final Printers printers = new Printers();
  private final Clock clock;

  public PrinterTables(Clock clock) {
    this.clock = clock;
  }

  @Override
  public ArrayNode columns(String resource) {
    return TableBuilder.columns(printers.forResource(resource));
  }

  @Override
  public ArrayNode cells(String resource, ObjectNode object) {
    Printer<? extends HasMetadata> printer = printers.forResource(resource);
    ArrayNode cells = Json.MAPPER.createArrayNode();
    HasMetadata typed;
    try {
      typed = Json.MAPPER.treeToValue(object, printer.type());
    } catch (Exception e) {
      throw ApiException.internal("stored " + resource + " object cannot be printed");
    }
    for (Object cell : printer.cellsOf(typed, clock.instant())) {
      JsonNode node = cell == null ? null : Json.MAPPER.valueToTree(cell);
      cells.add(node == null ? Json.MAPPER.nullNode() : node);
    }
    return cells;
  }
}
