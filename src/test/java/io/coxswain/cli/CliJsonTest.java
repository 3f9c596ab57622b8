package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CliJsonTest {
  @Test
  void readsJsonIntoTheTreeTheMapperBuilds() throws Exception {
    for (String json : List.of(
        "{\"kind\":\"Table\",\"rows\":[{\"cells\":[\"web-1\",\"1/1\",3,true,null]}],\"metadata\":{}}",
        "[1, -2, 2147483648, 9223372036854775808, 1.50, 0.0, -0.000, 1e3, 2.5E-3, 12345678901234567890.123]",
        "{\"a\":{\"b\":{\"c\":[[],{},\"\\u00e9\\n\\\"\"]}},\"a2\":false}",
        "{\"dup\":1,\"dup\":2}",
        "\"just a string\"",
        "42",
        "{} trailing",
        "")) {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      JsonNode expected = CliJson.mapper().readTree(bytes);
      JsonNode actual = CliJson.read(bytes);
      assertEquals(expected, actual, json);
      assertEquals(String.valueOf(expected), String.valueOf(actual), json);
      assertEquals(expected.getNodeType(), actual.getNodeType(), json);
    }
  }

  @Test
  void readsYamlIntoTheTreeTheYamlMapperBuilds() throws Exception {
    for (String yaml : List.of(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n"
            + "    insecure-skip-tls-verify: true\ncurrent-context: \"a@c\"\n",
        "{flow: [1, 2.5, yes, ~, 'quoted'], nested: {a: b}}\n",
        "a: 1\n---\nb: 2\n",
        "list:\n  - 0x1F\n  - 012\n  - 1_000\n  - .5\n  - null\n  - \"\"\n",
        "text: |\n  line one\n  line two\n",
        "")) {
      byte[] bytes = yaml.getBytes(StandardCharsets.UTF_8);
      JsonNode expected = CliJson.yaml().readTree(bytes);
      JsonNode actual = CliJson.readYaml(bytes);
      assertEquals(expected, actual, yaml);
      assertEquals(String.valueOf(expected), String.valueOf(actual), yaml);
    }
  }

  @Test
  void malformedTextIsAnIoError() {
    for (String bad : List.of("{\"a\":", "[1,2", "{\"a\" 1}", "nul")) {
      assertThrows(IOException.class, () -> CliJson.read(bad.getBytes(StandardCharsets.UTF_8)), bad);
    }
    IOException e = assertThrows(IOException.class, () -> CliJson.readYaml("a: [1, 2\nb: c: d".getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
  }
}
