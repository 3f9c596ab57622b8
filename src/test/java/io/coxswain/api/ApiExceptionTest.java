package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.api.registry.FieldError;
import io.coxswain.model.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiExceptionTest {
  private static JsonNode json(ApiException e) {
    return Json.MAPPER.valueToTree(e.status());
  }

  @Test
  void notFoundReadsLikeKubernetes() {
    JsonNode s = json(ApiException.notFound("pods", "x"));
    assertEquals("Status", s.path("kind").asText());
    assertEquals("v1", s.path("apiVersion").asText());
    assertEquals("Failure", s.path("status").asText());
    assertEquals("pods \"x\" not found", s.path("message").asText());
    assertEquals("NotFound", s.path("reason").asText());
    assertEquals(404, s.path("code").asInt());
    assertEquals("x", s.path("details").path("name").asText());
    assertEquals("pods", s.path("details").path("kind").asText());
  }

  @Test
  void aPathNotServedIsNotFoundWithEmptyDetails() {
    JsonNode s = json(ApiException.notFoundPath("/api/v1/namespaces/default/pods/x/ephemeralcontainers"));
    assertEquals("NotFound", s.path("reason").asText());
    assertEquals(404, s.path("code").asInt());
    assertTrue(s.path("details").isObject(), s.toString()); // kubectl reads details.name of such an answer
    assertEquals("", s.path("details").path("name").asText());
  }

  @Test
  void invalidCarriesEveryCause() {
    ApiException e = ApiException.invalid("Pod", "x", List.of(
        FieldError.required("spec.containers[0].image", ""),
        FieldError.invalid("metadata.name", "X_", "bad name")));
    JsonNode s = json(e);
    assertEquals(422, e.code());
    assertEquals("Pod \"x\" is invalid: [spec.containers[0].image: Required value, metadata.name: Invalid value: \"X_\": bad name]",
        s.path("message").asText());
    assertEquals(2, s.path("details").path("causes").size());
    assertEquals("FieldValueRequired", s.path("details").path("causes").get(0).path("reason").asText());
    assertEquals("spec.containers[0].image", s.path("details").path("causes").get(0).path("field").asText());
    assertEquals("FieldValueInvalid", s.path("details").path("causes").get(1).path("reason").asText());
  }

  @Test
  void singleCauseMessageHasNoBrackets() {
    ApiException e = ApiException.invalid("Pod", "x", List.of(FieldError.required("spec.containers[0].image", "")));
    assertEquals("Pod \"x\" is invalid: spec.containers[0].image: Required value", e.getMessage());
  }

  @Test
  void errorsWithoutObjectHaveNoDetails() {
    ApiException e = ApiException.badRequest("bad");
    assertNull(e.status().getDetails());
    assertEquals(400, e.code());
  }

  @Test
  void conflictMessageNamesTheObject() {
    ApiException e = ApiException.staleUpdate("pods", "p");
    assertEquals(409, e.code());
    assertEquals("Conflict", e.reason());
    assertEquals("Operation cannot be fulfilled on pods \"p\": the object has been modified; please apply your changes"
        + " to the latest version and try again", e.getMessage());
  }

  @Test
  void storeFailuresMapToHttpCodesWithoutStackTraces() {
    assertEquals(503, ApiServerVerticle.toApiException(new io.coxswain.store.UnavailableException("no quorum")).code());
    assertEquals(410, ApiServerVerticle.toApiException(new io.coxswain.store.CompactedException(3, 9)).code());
    ApiException internal = ApiServerVerticle.toApiException(new java.util.concurrent.CompletionException(
        new IllegalStateException("boom\n\tat somewhere")));
    assertEquals(500, internal.code());
    assertEquals("Internal error occurred: IllegalStateException: boom", internal.getMessage());
  }
}
