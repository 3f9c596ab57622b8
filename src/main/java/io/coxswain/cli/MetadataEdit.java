package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code label} and {@code annotate} share: {@code k=v} and {@code k-} arguments turned into a merge patch. */
final class MetadataEdit {
  private MetadataEdit() {}

  record Changes(Map<String, String> set, List<String> remove) {}

  static Changes parse(List<String> edits, String what) {
    Map<String, String> set = new LinkedHashMap<>();
    List<String> remove = new ArrayList<>();
    for (String e : edits) {
      if (e.endsWith("-") && !e.contains("=")) {
        remove.add(e.substring(0, e.length() - 1));
      } else if (e.contains("=")) {
        String k = e.substring(0, e.indexOf('='));
        if (k.isEmpty()) {
          throw CliException.usage("invalid " + what + " spec: " + e);
        }
        set.put(k, e.substring(e.indexOf('=') + 1));
      } else {
        throw CliException.usage("invalid " + what + " spec: " + e + " (use KEY=VALUE to set, KEY- to remove)");
      }
    }
    if (set.isEmpty() && remove.isEmpty()) {
      throw CliException.usage("at least one " + what + " update is required");
    }
    return new Changes(set, remove);
  }

  /** The patch for one live object, or null when it would change nothing; refuses to overwrite without --overwrite. */
  static ObjectNode patchFor(JsonNode live, String field, Changes changes, boolean overwrite) {
    JsonNode current = live.path("metadata").path(field);
    ObjectNode values = CliJson.object();
    for (Map.Entry<String, String> e : changes.set().entrySet()) {
      JsonNode old = current.get(e.getKey());
      if (old != null && !overwrite && !old.asText().equals(e.getValue())) {
        throw CliException.usage("'" + e.getKey() + "' already has a value (" + old.asText() + "), and --overwrite is false");
      }
      if (old == null || !old.asText().equals(e.getValue())) {
        values.put(e.getKey(), e.getValue());
      }
    }
    for (String k : changes.remove()) {
      if (current.has(k)) {
        values.set(k, NullNode.getInstance());
      }
    }
    if (values.isEmpty()) {
      return null;
    }
    ObjectNode patch = CliJson.object();
    patch.putObject("metadata").set(field, values);
    return patch;
  }
}
