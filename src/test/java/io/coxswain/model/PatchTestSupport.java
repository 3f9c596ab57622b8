package io.coxswain.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** Test tables write JSON with single quotes and unquoted names to stay readable. */
final class PatchTestSupport {
  private static final ObjectMapper LENIENT = JsonMapper.builder()
      .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_SINGLE_QUOTES)
      .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
      .build();

  private PatchTestSupport() {}

  static JsonNode json(String text) {
    try {
      return LENIENT.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException("bad test JSON: " + text, e);
    }
  }
}
