package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonPathTest {
  static final JsonNode LIST = CliJson.parse("""
      {"kind":"List","items":[
        {"metadata":{"name":"web-1","labels":{"app":"web","app.kubernetes.io/name":"w"}},
         "spec":{"containers":[{"name":"c1","image":"nginx"},{"name":"c2","image":"busybox"}]},
         "status":{"phase":"Running","podIP":"10.0.0.1","restarts":2}},
        {"metadata":{"name":"web-2","labels":{"app":"web"}},
         "spec":{"containers":[{"name":"c1","image":"nginx"}]},
         "status":{"phase":"Pending","restarts":0}},
        {"metadata":{"name":"db-1","labels":{"app":"db"}},
         "spec":{"containers":[{"name":"pg","image":"postgres"}]},
         "status":{"phase":"Running","restarts":5}}
      ]}""");

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("{.items[*].metadata.name}", "web-1 web-2 db-1"),
        Arguments.of(".items[*].metadata.name", "web-1 web-2 db-1"),
        Arguments.of("{.items[0].metadata.name}", "web-1"),
        Arguments.of("{.items[-1].metadata.name}", "db-1"),
        Arguments.of("{.items[0:2].metadata.name}", "web-1 web-2"),
        Arguments.of("{.items[1:].metadata.name}", "web-2 db-1"),
        Arguments.of("{.items[::2].metadata.name}", "web-1 db-1"),
        Arguments.of("{.items[0,2].metadata.name}", "web-1 db-1"),
        Arguments.of("{range .items[*]}{.metadata.name}{\"\\n\"}{end}", "web-1\nweb-2\ndb-1\n"),
        Arguments.of("{range .items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}",
            "web-1\tRunning\nweb-2\tPending\ndb-1\tRunning\n"),
        Arguments.of("{.items[?(@.status.phase==\"Running\")].metadata.name}", "web-1 db-1"),
        Arguments.of("{.items[?(@.status.phase=='Pending')].metadata.name}", "web-2"),
        Arguments.of("{.items[?(@.status.phase!=\"Running\")].metadata.name}", "web-2"),
        Arguments.of("{.items[?(@.status.restarts>1)].metadata.name}", "web-1 db-1"),
        Arguments.of("{.items[?(@.status.restarts<=0)].metadata.name}", "web-2"),
        Arguments.of("{.items[?(@.status.podIP)].metadata.name}", "web-1"),
        Arguments.of("{.items[*].spec.containers[*].image}", "nginx busybox nginx postgres"),
        Arguments.of("{..image}", "nginx busybox nginx postgres"),
        Arguments.of("{.items[0].metadata.labels}", "{\"app\":\"web\",\"app.kubernetes.io/name\":\"w\"}"),
        Arguments.of("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}", "w"),
        Arguments.of("{.items[0].metadata.labels['app.kubernetes.io/name']}", "w"),
        Arguments.of("{.items[0].status.restarts}", "2"),
        Arguments.of("{.items[0].missing.field}", ""),
        Arguments.of("{.kind}", "List"),
        Arguments.of("{$.kind}", "List"),
        Arguments.of("name: {.items[2].metadata.name}!", "name: db-1!"),
        Arguments.of("{range .items[*]}[{range .spec.containers[*]}{.name},{end}]{end}", "[c1,c2,][c1,][pg,]"),
        Arguments.of("{.items[5].metadata.name}", ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void evaluates(String template, String expected) {
    assertEquals(expected, JsonPath.parse(template).evaluate(LIST));
  }

  @Test
  void badTemplatesAreErrors() {
    assertThrows(IllegalArgumentException.class, () -> JsonPath.parse("{.items[*]"));
    assertThrows(IllegalArgumentException.class, () -> JsonPath.parse("{range .items[*]}{.a}"));
    assertThrows(IllegalArgumentException.class, () -> JsonPath.parse("{end}"));
    assertThrows(IllegalArgumentException.class, () -> JsonPath.parse("{.items[x]}"));
  }
}
