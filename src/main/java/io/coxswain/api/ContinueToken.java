package io.coxswain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The {@code continue} value of a paged list: the last key returned and the store revision of the first
 * page, as base64url of a small JSON object ({@code {"v":1,"rv":12,"start":"/registry/pods/ns/a"}}).
 */
public record ContinueToken(String lastKey, long revision) {

  public String encode() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("v", 1);
    n.put("rv", revision);
    n.put("start", lastKey);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.bytes(n));
  }

  /** Decodes a token; a token that is not one of ours is a 400 BadRequest. */
  public static ContinueToken decode(String token) {
    try {
      byte[] raw = Base64.getUrlDecoder().decode(token.trim());
      JsonNode n = Json.MAPPER.readTree(new String(raw, StandardCharsets.UTF_8));
      if (n == null || !n.isObject() || n.path("v").asInt() != 1 || !n.path("start").isTextual()
          || !n.path("rv").canConvertToLong() || n.path("rv").asLong() < 0) {
        throw new IllegalArgumentException("bad shape");
      }
      return new ContinueToken(n.get("start").asText(), n.get("rv").asLong());
    } catch (Exception e) {
      throw ApiException.badRequest("invalid continue token: it was not issued by this server or is corrupted");
    }
  }
}
