package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TableFormatTest {
  static final JsonNode PODS = CliJson.parse("""
      {"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"12"},
       "columnDefinitions":[
         {"name":"Name","type":"string","format":"name","priority":0},
         {"name":"Ready","type":"string","priority":0},
         {"name":"Status","type":"string","priority":0},
         {"name":"Restarts","type":"string","priority":0},
         {"name":"Age","type":"string","priority":0},
         {"name":"IP","type":"string","priority":1},
         {"name":"Nominated Node","type":"string","priority":1}],
       "rows":[
         {"cells":["web-abcde","1/1","Running",0,"5m","10.1.0.7",null],
          "object":{"kind":"PartialObjectMetadata","metadata":{"name":"web-abcde","namespace":"default","labels":{"run":"web","app":"x"}}}},
         {"cells":["db","0/1","CrashLoopBackOff","12 (3s ago)","2d4h","10.1.0.12","<none>"],
          "object":{"kind":"PartialObjectMetadata","metadata":{"name":"db","namespace":"prod"}}}]}""");

  private static String render(TableFormat.Options o) {
    List<List<String>> lines = new ArrayList<>();
    lines.add(TableFormat.header(PODS, o));
    lines.addAll(TableFormat.rows(PODS, o));
    return TableFormat.align(lines);
  }

  @Test
  void plainTableHidesPriorityColumnsAndPadsByThree() {
    assertEquals("""
        NAME        READY   STATUS             RESTARTS      AGE
        web-abcde   1/1     Running            0             5m
        db          0/1     CrashLoopBackOff   12 (3s ago)   2d4h
        """, render(TableFormat.Options.PLAIN));
  }

  @Test
  void wideAllNamespacesAndLabels() {
    assertEquals("""
        NAMESPACE   NAME        READY   STATUS             RESTARTS      AGE    IP          NOMINATED NODE   LABELS
        default     web-abcde   1/1     Running            0             5m     10.1.0.7                     app=x,run=web
        prod        db          0/1     CrashLoopBackOff   12 (3s ago)   2d4h   10.1.0.12   <none>           <none>
        """, render(new TableFormat.Options(true, true, true, null, List.of())));
  }

  @Test
  void kindPrefixAndLabelColumns() {
    assertEquals("""
        NAME            READY   STATUS             RESTARTS      AGE    RUN
        pod/web-abcde   1/1     Running            0             5m     web
        pod/db          0/1     CrashLoopBackOff   12 (3s ago)   2d4h  \s
        """, render(new TableFormat.Options(false, false, false, "pod", List.of("run"))));
  }

  @Test
  void cellsCutAtLineBreaks() {
    assertEquals("a...", TableFormat.cell(CliJson.parse("\"a\\nb\"")));
    assertEquals("", TableFormat.cell(CliJson.parse("null")));
    assertEquals("3", TableFormat.cell(CliJson.parse("3")));
  }

  static Stream<Arguments> durations() {
    return Stream.of(Arguments.of(0, "0s"), Arguments.of(59, "59s"), Arguments.of(119, "119s"), Arguments.of(120, "2m"),
        Arguments.of(125, "2m5s"), Arguments.of(600, "10m"), Arguments.of(3 * 3600 - 1, "179m"), Arguments.of(3 * 3600, "3h"),
        Arguments.of(3 * 3600 + 600, "3h10m"), Arguments.of(8 * 3600, "8h"), Arguments.of(47 * 3600, "47h"),
        Arguments.of(50 * 3600, "2d2h"), Arguments.of(7 * 86400, "7d"), Arguments.of(30 * 86400, "30d"),
        Arguments.of(800L * 86400, "2y70d"), Arguments.of(10L * 365 * 86400, "10y"), Arguments.of(-5, "<invalid>"));
  }

  @ParameterizedTest(name = "{0}s -> {1}")
  @MethodSource("durations")
  void humanDurations(long seconds, String expected) {
    assertEquals(expected, TableFormat.humanDuration(Duration.ofSeconds(seconds)));
  }

  @Test
  void tabWriterAlignsDescribeBlocks() {
    String in = "Name:\tweb\nNamespace:\tdefault\nLabels:\tapp=web\n\ttier=fe\nContainers:\n  web:\n    Image:\tnginx\n    Restart Count:\t0\n";
    assertEquals("""
        Name:       web
        Namespace:  default
        Labels:     app=web
                    tier=fe
        Containers:
          web:
            Image:          nginx
            Restart Count:  0
        """, TabWriter.format(in, 2));
  }
}
