package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/** A label query and a field query together: what a list or a watch keeps. */
public record ObjectFilter(LabelQuery labels, FieldQuery fields) {
  public static final ObjectFilter EVERYTHING = new ObjectFilter(LabelQuery.EVERYTHING, FieldQuery.EVERYTHING);

  public static ObjectFilter parse(String labelSelector, String fieldSelector, String resource) {
    return new ObjectFilter(LabelQuery.parse(labelSelector), FieldQuery.parse(fieldSelector, resource));
  }

  public boolean matches(JsonNode object) {
    if (object == null) {
      return false;
    }
    return fields.matches(object) && labels.matches(labelsOf(object));
  }

  static Map<String, String> labelsOf(JsonNode object) {
    JsonNode l = object.path("metadata").path("labels");
    if (!l.isObject()) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  /**
   * What a filtered watch sends for one change, like Kubernetes' watch cache: an object that starts matching
   * is ADDED, one that stops matching is DELETED, one that matches before and after keeps the change's type,
   * and one that matches neither is not sent (null).
   */
  public static String eventType(String changeType, boolean oldMatches, boolean newMatches) {
    return switch (changeType) {
      case "ADDED" -> newMatches ? "ADDED" : null;
      case "DELETED" -> oldMatches ? "DELETED" : null;
      default -> {
        if (oldMatches && newMatches) {
          yield "MODIFIED";
        } else if (newMatches) {
          yield "ADDED";
        } else if (oldMatches) {
          yield "DELETED";
        }
        yield null;
      }
    };
  }
}
