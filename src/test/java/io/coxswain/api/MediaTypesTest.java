package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MediaTypesTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "                                                                                   | json",
      "application/json                                                                   | json",
      "application/yaml                                                                   | yaml",
      "*/*                                                                                | json",
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json | table",
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json | json",
      "application/vnd.kubernetes.protobuf,application/json                               | json",
      "text/html                                                                          | none"})
  void negotiates(String accept, String expected) {
    MediaTypes.Answer a = MediaTypes.negotiate(accept, true);
    if (expected.equals("none")) {
      assertNull(a);
      return;
    }
    assertEquals(expected, a.table() ? "table" : a.yaml() ? "yaml" : "json");
  }
}
