package io.coxswain.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.coxswain.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One event of a watch stream, {@code {"type":...,"object":...}}, read in one pass: the object straight into
 * its class when its type came first (as Kubernetes and Coxswain send them), where reading the line as a tree
 * and then converting the tree built every object twice. An ERROR's object, or one that came before its type,
 * is kept as a tree.
 *
 * @param type   the event's type ("" when absent)
 * @param object the object read into its class (null for an ERROR)
 * @param tree   the object as a tree when it was not read into its class (a missing object: a missing node),
 *               else null
 */
record WatchLine<T>(String type, T object, JsonNode tree) {

  static <T> WatchLine<T> parse(byte[] line, Class<T> objectType) {
    try (JsonParser p = Json.MAPPER.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("a watch event is not a JSON object");
      }
      String type = null;
      T object = null;
      JsonNode tree = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if ("type".equals(field)) {
          type = p.getValueAsString();
        } else if ("object".equals(field) && type != null && !"ERROR".equals(type)) {
          object = Json.MAPPER.readValue(p, objectType);
        } else if ("object".equals(field)) {
          tree = Json.MAPPER.readTree(p);
        } else {
          p.skipChildren();
        }
      }
      type = type == null ? "" : type;
      if (object == null && tree != null && !"ERROR".equals(type)) {
        object = Json.MAPPER.convertValue(tree, objectType);
        tree = null;
      }
      return new WatchLine<>(type, object, tree == null && object == null ? MissingNode.getInstance() : tree);
    } catch (IOException e) {
      throw new UncheckedIOException("malformed watch event: " + e.getMessage(), e);
    }
  }
}
