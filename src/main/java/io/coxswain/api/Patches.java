package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The three patch formats of the Kubernetes API applied to a JSON tree: JSON merge patch (RFC 7386), JSON
 * patch (RFC 6902) and strategic merge patch, as {@code io.coxswain.model} implements them; a patch that does
 * not apply is a 422 {@link ApiException}.
 */
public final class Patches {
  private Patches() {}

  public static final String MERGE = "application/merge-patch+json";
  public static final String JSON = "application/json-patch+json";
  public static final String STRATEGIC = "application/strategic-merge-patch+json";
  public static final String APPLY = "application/apply-patch+yaml";

  public static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    return io.coxswain.model.JsonMergePatch.apply(target, patch);
  }

  public static JsonNode strategicMergePatch(JsonNode target, JsonNode patch, String kind) {
    try {
      return io.coxswain.model.StrategicMergePatch.apply(kind, target, patch);
    } catch (io.coxswain.model.PatchException e) {
      throw ApiException.of(422, "Invalid", "the strategic merge patch does not apply: " + e.getMessage(), null, null, null, null);
    }
  }

  public static JsonNode jsonPatch(JsonNode target, JsonNode patch) {
    try {
      return io.coxswain.model.JsonPatch.apply(target, patch);
    } catch (io.coxswain.model.PatchException e) {
      throw ApiException.of(422, "Invalid", "the JSON patch does not apply: " + e.getMessage(), null, null, null, null);
    }
  }
}
