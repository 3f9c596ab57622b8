package io.coxswain.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Server-side printing ({@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io}): the columns of a
 * resource and the cells of one object. The API server builds the meta.k8s.io/v1 Table around them.
 */
public interface TableRenderer {
  /** Column definitions: objects with name, type, format, description, priority. */
  ArrayNode columns(String resource);

  /** The cells of one object, in column order. */
  ArrayNode cells(String resource, ObjectNode object);

  /** Builds a Table of the given objects. {@code includeObject} is None, Metadata or Object. */
  static ObjectNode table(TableRenderer renderer, String resource, List<ObjectNode> items, String includeObject,
                          String resourceVersion, String continueToken, boolean withColumns) {
    ObjectNode t = io.coxswain.model.Json.MAPPER.createObjectNode();
    t.put("kind", "Table");
    t.put("apiVersion", "meta.k8s.io/v1");
    ObjectNode meta = t.putObject("metadata");
    if (resourceVersion != null) {
      meta.put("resourceVersion", resourceVersion);
    }
    if (continueToken != null) {
      meta.put("continue", continueToken);
    }
    t.set("columnDefinitions", withColumns ? renderer.columns(resource) : t.arrayNode());
    ArrayNode rows = t.putArray("rows");
    for (ObjectNode o : items) {
      ObjectNode row = rows.addObject();
      row.set("cells", renderer.cells(resource, o));
      String mode = includeObject == null || includeObject.isEmpty() ? "Metadata" : includeObject;
      if (mode.equals("Object")) {
        row.set("object", o);
      } else if (mode.equals("Metadata")) {
        ObjectNode partial = row.putObject("object");
        partial.put("kind", "PartialObjectMetadata");
        partial.put("apiVersion", "meta.k8s.io/v1");
        partial.set("metadata", o.path("metadata").deepCopy());
      }
    }
    return t;
  }
}
