package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.model.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ObjectFilterTest {
  private static final JsonNode POD = Json.tree((
      "{\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\",\"labels\":{\"app\":\"web\",\"tier\":\"front\"}},"
          + "\"spec\":{\"nodeName\":\"n1\"},\"status\":{\"phase\":\"Running\"}}").getBytes());

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "ADDED    | false | true  | ADDED",
      "ADDED    | false | false | ",
      "DELETED  | true  | true  | DELETED",
      "DELETED  | false | false | ",
      "MODIFIED | true  | true  | MODIFIED",
      "MODIFIED | false | true  | ADDED",
      "MODIFIED | true  | false | DELETED",
      "MODIFIED | false | false | "})
  void watchEventTypeFollowsTheFilter(String change, boolean oldMatches, boolean newMatches, String expected) {
    assertEquals(expected, ObjectFilter.eventType(change, oldMatches, newMatches));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "app=web                 |                          | true",
      "app!=web                |                          | false",
      "app in (web,db),tier    |                          | true",
      "app notin (web)         |                          | false",
      "!missing                |                          | true",
      "                        | spec.nodeName=n1         | true",
      "                        | spec.nodeName!=n1        | false",
      "                        | status.phase=Running,metadata.name=p | true",
      "                        | metadata.namespace=other | false",
      "app=web                 | spec.nodeName=           | false"})
  void selectorsMatchPods(String labels, String fields, boolean expected) {
    assertEquals(expected, ObjectFilter.parse(labels, fields, "pods").matches(POD));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "pods      | spec.unknown=x",
      "services  | spec.nodeName=x",
      "nodes     | status.phase=x",
      "pods      | justaword"})
  void unsupportedFieldsAre400(String resource, String fields) {
    ApiException e = assertThrows(ApiException.class, () -> ObjectFilter.parse(null, fields, resource));
    assertEquals(400, e.code());
    assertTrue(e.getMessage().contains(fields.split("[=!]")[0]), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"app in (web", "a=b=c=", "=x"})
  void malformedLabelSelectorsAre400(String labels) {
    ApiException e = assertThrows(ApiException.class, () -> ObjectFilter.parse(labels, null, "pods"));
    assertEquals(400, e.code());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "                                 | unset",
      "{\"spec\":{}}                    | false",
      "{\"spec\":{\"unschedulable\":true}} | true"})
  void nodesUnschedulableDefaultsToFalse(String node, String expected) {
    JsonNode n = node == null ? Json.MAPPER.createObjectNode() : Json.tree(node.getBytes());
    String want = expected.equals("unset") ? "false" : expected;
    assertTrue(ObjectFilter.parse(null, "spec.unschedulable=" + want, "nodes").matches(n));
  }
}
