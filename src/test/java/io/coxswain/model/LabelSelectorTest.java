package io.coxswain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LabelSelectorTest {
  private static Map<String, String> labels(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static Stream<Arguments> matching() {
    Map<String, String> web = labels("app", "web", "tier", "front", "n", "5");
    return Stream.of(
        Arguments.of("", web, true),
        Arguments.of("app=web", web, true),
        Arguments.of("app==web", web, true),
        Arguments.of("app=db", web, false),
        Arguments.of("app!=db", web, true),
        Arguments.of("app!=web", web, false),
        Arguments.of("missing!=x", web, true),
        Arguments.of("app in (web,db)", web, true),
        Arguments.of("app in (db)", web, false),
        Arguments.of("app notin (db)", web, true),
        Arguments.of("app notin (web, db)", web, false),
        Arguments.of("missing notin (x)", web, true),
        Arguments.of("app", web, true),
        Arguments.of("missing", web, false),
        Arguments.of("!missing", web, true),
        Arguments.of("!app", web, false),
        Arguments.of("app=web,tier=front", web, true),
        Arguments.of("app=web,tier=back", web, false),
        Arguments.of("  app = web , tier in ( front ) ", web, true),
        Arguments.of("n>3", web, true),
        Arguments.of("n<3", web, false),
        Arguments.of("app>3", web, false),
        Arguments.of("empty=", labels("empty", ""), true),
        Arguments.of("empty=", labels("empty", "x"), false),
        Arguments.of("example.com/role=x", labels("example.com/role", "x"), true),
        Arguments.of("app in (web,)", labels("app", ""), true),
        Arguments.of("app in ()", labels("app", ""), true),
        Arguments.of("app notin ()", labels("app", "web"), true),
        Arguments.of("app notin ()", labels("app", ""), false),
        Arguments.of("in in (in,notin)", labels("in", "notin"), true),
        Arguments.of("!in", labels("notin", "x"), true),
        Arguments.of("app=web", null, false),
        Arguments.of("!app", null, true));
  }

  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @MethodSource("matching")
  void matches(String selector, Map<String, String> labels, boolean expected) throws SelectorException {
    LabelSelector parsed = LabelSelector.parse(selector);
    assertEquals(expected, parsed.matches(labels));
    // the canonical string form parses back to an equal selector
    assertEquals(parsed, LabelSelector.parse(parsed.toString()));
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("app in web", "unable to parse requirement: found 'web', expected: '('"),
        Arguments.of("app in", "unable to parse requirement: found '', expected: '('"),
        Arguments.of("app=web x", "found 'x', expected: ',' or 'end of string'"),
        Arguments.of("=web", "found '=', expected: !, identifier, or 'end of string'"),
        Arguments.of("app=web,", "found '', expected: identifier after ','"),
        Arguments.of("app=web,,x", "found ',', expected: identifier after ','"),
        Arguments.of("!app=x", "found '=', expected: ',' or 'end of string'"),
        Arguments.of("!=x", "found '!=', expected: !, identifier, or 'end of string'"),
        Arguments.of("! =x", "unable to parse requirement: found '=', expected: identifier"),
        Arguments.of("app=we b", "found 'b', expected: ',' or 'end of string'"),
        Arguments.of("app=web!", "found '!', expected: ',' or 'end of string'"),
        Arguments.of("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        Arguments.of("a=(", "unable to parse requirement: found '(', expected: identifier"),
        Arguments.of("app=-web", "unable to parse requirement: values[0][app]: Invalid value: \"-web\": a valid label"),
        Arguments.of("-app=web", "unable to parse requirement: key: Invalid value: \"-app\": name part must consist"),
        Arguments.of("a/b/c=x", "a qualified name must consist"),
        Arguments.of("Bad_Prefix/x=y", "prefix part a lowercase RFC 1123 subdomain"),
        Arguments.of("n>x", "the value must be an integer"),
        Arguments.of("app=" + "v".repeat(64), "must be no more than 63 characters"),
        Arguments.of("app in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
        Arguments.of("app in (a,=)", "unable to parse requirement: found '=', expected: ',', or identifier"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void rejects(String selector, String messagePart) {
    SelectorException e = assertThrows(SelectorException.class, () -> LabelSelector.parse(selector));
    assertTrue(e.getMessage().contains(messagePart), e.getMessage());
  }

  @Test
  void fromMapIsEqualityOnEveryEntry() throws SelectorException {
    LabelSelector s = LabelSelector.fromMap(labels("app", "web", "tier", "front"));
    assertTrue(s.matches(labels("app", "web", "tier", "front", "extra", "1")));
    assertFalse(s.matches(labels("app", "web")));
    assertEquals("app=web,tier=front", s.toString());
    assertEquals(LabelSelector.parse("tier=front,app=web"), s);
    assertTrue(LabelSelector.fromMap(new HashMap<>()).isEverything());
    assertTrue(LabelSelector.fromMap(null).matches(labels()));
  }

  @Test
  void fromStructuredSelector() throws SelectorException {
    var structured = new LabelSelectorBuilder()
        .withMatchLabels(labels("app", "web"))
        .withMatchExpressions(
            new LabelSelectorRequirementBuilder().withKey("tier").withOperator("In").withValues("a", "b").build(),
            new LabelSelectorRequirementBuilder().withKey("legacy").withOperator("DoesNotExist").build(),
            new LabelSelectorRequirementBuilder().withKey("env").withOperator("NotIn").withValues("prod").build(),
            new LabelSelectorRequirementBuilder().withKey("owner").withOperator("Exists").build())
        .build();
    LabelSelector s = LabelSelector.fromLabelSelector(structured);
    assertTrue(s.matches(labels("app", "web", "tier", "a", "owner", "x")));
    assertFalse(s.matches(labels("app", "web", "tier", "c", "owner", "x")));
    assertFalse(s.matches(labels("app", "web", "tier", "a", "owner", "x", "legacy", "1")));
    assertFalse(s.matches(labels("app", "web", "tier", "a", "owner", "x", "env", "prod")));
    assertFalse(s.matches(labels("app", "web", "tier", "a")));
    assertEquals("app=web,env notin (prod),!legacy,owner,tier in (a,b)", s.toString());

    assertTrue(LabelSelector.fromLabelSelector(null).isNothing());
    assertFalse(LabelSelector.fromLabelSelector(null).matches(labels()));
    assertTrue(LabelSelector.fromLabelSelector(new LabelSelectorBuilder().build()).matches(labels("x", "y")));

    var badOperator = new LabelSelectorBuilder().withMatchExpressions(
        new LabelSelectorRequirementBuilder().withKey("a").withOperator("Gte").withValues("1").build()).build();
    assertThrows(SelectorException.class, () -> LabelSelector.fromLabelSelector(badOperator));
    var existsWithValues = new LabelSelectorBuilder().withMatchExpressions(
        new LabelSelectorRequirementBuilder().withKey("a").withOperator("Exists").withValues("1").build()).build();
    assertThrows(SelectorException.class, () -> LabelSelector.fromLabelSelector(existsWithValues));
  }
}
