package io.coxswain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FieldSelectorTest {
  private static final Map<String, String> POD = Map.of(
      "metadata.name", "web-1", "metadata.namespace", "default", "spec.nodeName", "n1", "status.phase", "Running");

  static Stream<Arguments> matching() {
    return Stream.of(
        Arguments.of("", true),
        Arguments.of("metadata.name=web-1", true),
        Arguments.of("metadata.name==web-1", true),
        Arguments.of("metadata.name!=web-1", false),
        Arguments.of("spec.nodeName=n1,status.phase!=Failed", true),
        Arguments.of("spec.nodeName=n2,status.phase!=Failed", false),
        Arguments.of("spec.nodeName=", false),
        Arguments.of("spec.hostname=", true),
        Arguments.of("spec.hostname!=", false),
        Arguments.of(" status.phase = Running ", true));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("matching")
  void matches(String selector, boolean expected) throws SelectorException {
    FieldSelector parsed = FieldSelector.parse(selector);
    assertEquals(expected, parsed.matches(POD));
    assertEquals(parsed, FieldSelector.parse(parsed.toString()));
  }

  @Test
  void exposesRequirements() throws SelectorException {
    FieldSelector s = FieldSelector.parse("status.phase!=Failed,spec.nodeName==n1");
    assertEquals(List.of(
        new FieldSelector.Requirement("spec.nodeName", true, "n1"),
        new FieldSelector.Requirement("status.phase", false, "Failed")), s.requirements());
    assertEquals("n1", s.requiredValue("spec.nodeName"));
    assertNull(s.requiredValue("status.phase"));
    assertTrue(FieldSelector.fromMap(Map.of("spec.nodeName", "n1")).matches(POD));
  }

  @Test
  void escapedValues() throws SelectorException {
    FieldSelector s = FieldSelector.parse("metadata.name=a\\,b\\=c");
    assertEquals("a,b=c", s.requirements().get(0).value());
    assertTrue(s.matches(Map.of("metadata.name", "a,b=c")));
    assertEquals(s, FieldSelector.parse(s.toString()));
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
        Arguments.of("a=b,c", "can't understand 'c'"),
        Arguments.of("=b", "can't understand '=b'"),
        Arguments.of("a=b=c", "unescaped '='"),
        Arguments.of("a=b\\x", "invalid escape sequence"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void rejects(String selector, String messagePart) {
    SelectorException e = assertThrows(SelectorException.class, () -> FieldSelector.parse(selector));
    assertTrue(e.getMessage().contains(messagePart), e.getMessage());
  }
}
