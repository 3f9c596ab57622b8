package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed field selector ({@code metadata.name=x,spec.nodeName!=}) checked against the fields a resource
 * supports: {@code metadata.name} and {@code metadata.namespace} everywhere, plus per-resource ones. An
 * unsupported field is a 400 BadRequest naming it.
 */
public final class FieldQuery {
  record Requirement(String field, boolean equal, String value) {}

  private static final Map<String, Set<String>> EXTRA = Map.of(
      "pods", Set.of("spec.nodeName", "status.phase", "spec.restartPolicy", "spec.schedulerName",
          "spec.serviceAccountName", "status.podIP", "status.nominatedNodeName"),
      "events", Set.of("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
          "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
          "involvedObject.fieldPath", "reason", "type", "source", "reportingComponent"),
      "nodes", Set.of("spec.unschedulable"),
      "namespaces", Set.of("status.phase"),
      "replicationcontrollers", Set.of("status.replicas"));

  public static final FieldQuery EVERYTHING = new FieldQuery(List.of());

  private final List<Requirement> requirements;

  private FieldQuery(List<Requirement> requirements) {
    this.requirements = List.copyOf(requirements);
  }

  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  /** The value the selector pins {@code field} to with {@code =}, or null. */
  public String exact(String field) {
    for (Requirement r : requirements) {
      if (r.equal() && r.field().equals(field)) {
        return r.value();
      }
    }
    return null;
  }

  public static FieldQuery parse(String text, String resource) {
    if (text == null || text.isBlank()) {
      return EVERYTHING;
    }
    List<Requirement> out = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      String field;
      String value;
      boolean equal;
      int ne = p.indexOf("!=");
      int eq2 = p.indexOf("==");
      int eq = p.indexOf('=');
      if (ne > 0) {
        field = p.substring(0, ne);
        value = p.substring(ne + 2);
        equal = false;
      } else if (eq2 > 0) {
        field = p.substring(0, eq2);
        value = p.substring(eq2 + 2);
        equal = true;
      } else if (eq > 0) {
        field = p.substring(0, eq);
        value = p.substring(eq + 1);
        equal = true;
      } else {
        throw ApiException.badRequest("invalid field selector \"" + text + "\": \"" + p + "\" is not field=value or field!=value");
      }
      field = field.trim();
      if (!supported(field, resource)) {
        throw ApiException.badRequest("field label not supported: " + field
            + " (supported for " + resource + ": " + String.join(", ", supportedFields(resource)) + ")");
      }
      out.add(new Requirement(field, equal, value.trim()));
    }
    return new FieldQuery(out);
  }

  static boolean supported(String field, String resource) {
    return field.equals("metadata.name") || field.equals("metadata.namespace")
        || EXTRA.getOrDefault(resource, Set.of()).contains(field);
  }

  static List<String> supportedFields(String resource) {
    List<String> all = new ArrayList<>(List.of("metadata.name", "metadata.namespace"));
    all.addAll(new java.util.TreeSet<>(EXTRA.getOrDefault(resource, Set.of())));
    return all;
  }

  public boolean matches(JsonNode object) {
    for (Requirement r : requirements) {
      String actual = valueOf(object, r.field());
      if (r.equal() != actual.equals(r.value())) {
        return false;
      }
    }
    return true;
  }

  static String valueOf(JsonNode object, String field) {
    if (field.equals("source")) {
      return object.path("source").path("component").asText("");
    }
    JsonNode n = object.at("/" + field.replace('.', '/'));
    if (field.equals("spec.unschedulable") && (n.isMissingNode() || n.isNull())) {
      return "false";
    }
    if (n.isMissingNode() || n.isNull()) {
      return "";
    }
    return n.asText();
  }
}
