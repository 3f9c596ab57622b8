package io.coxswain.api.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NameRulesTest {
  static Stream<Arguments> cases() {
    Function<String, List<String>> label = NameRules::dns1123Label;
    Function<String, List<String>> subdomain = NameRules::dns1123Subdomain;
    Function<String, List<String>> dns1035 = NameRules::dns1035Label;
    Function<String, List<String>> qualified = NameRules::qualifiedName;
    Function<String, List<String>> value = NameRules::labelValue;
    Function<String, List<String>> iana = NameRules::ianaServiceName;
    return Stream.of(
        Arguments.of("label", label, "web-1", true),
        Arguments.of("label", label, "123-abc", true),
        Arguments.of("label", label, "Web", false),
        Arguments.of("label", label, "-web", false),
        Arguments.of("label", label, "web-", false),
        Arguments.of("label", label, "a.b", false),
        Arguments.of("label", label, "a".repeat(63), true),
        Arguments.of("label", label, "a".repeat(64), false),
        Arguments.of("subdomain", subdomain, "web.example.com", true),
        Arguments.of("subdomain", subdomain, "web..com", false),
        Arguments.of("subdomain", subdomain, "web_1", false),
        Arguments.of("subdomain", subdomain, "a".repeat(254), false),
        Arguments.of("dns1035", dns1035, "web", true),
        Arguments.of("dns1035", dns1035, "1web", false),
        Arguments.of("dns1035", dns1035, "web.x", false),
        Arguments.of("qualified", qualified, "app", true),
        Arguments.of("qualified", qualified, "example.com/App_v1.2", true),
        Arguments.of("qualified", qualified, "/app", false),
        Arguments.of("qualified", qualified, "Example.com/app", false),
        Arguments.of("qualified", qualified, "a/b/c", false),
        Arguments.of("qualified", qualified, "app-", false),
        Arguments.of("qualified", qualified, "x".repeat(64), false),
        Arguments.of("value", value, "", true),
        Arguments.of("value", value, "v1.2_beta-3", true),
        Arguments.of("value", value, "has space", false),
        Arguments.of("value", value, "v".repeat(64), false),
        Arguments.of("iana", iana, "http", true),
        Arguments.of("iana", iana, "web-8080", true),
        Arguments.of("iana", iana, "8080", false),
        Arguments.of("iana", iana, "http--alt", false),
        Arguments.of("iana", iana, "a-very-long-port-name", false),
        Arguments.of("iana", iana, "HTTP", false));
  }

  @ParameterizedTest(name = "{0} {2} -> {3}")
  @MethodSource("cases")
  void acceptsWhatKubernetesAccepts(String rule, Function<String, List<String>> check, String value, boolean valid) {
    assertEquals(valid, check.apply(value).isEmpty(), rule + " of " + value + ": " + check.apply(value));
  }

  static Stream<Arguments> ips() {
    return Stream.of(
        Arguments.of("127.0.0.1", true), Arguments.of("10.96.0.10", true), Arguments.of("256.1.1.1", false),
        Arguments.of("01.2.3.4", false), Arguments.of("1.2.3", false), Arguments.of("::1", true),
        Arguments.of("fd00::10", true), Arguments.of("example.com", false), Arguments.of("", false));
  }

  @ParameterizedTest(name = "ip {0} -> {1}")
  @MethodSource("ips")
  void ipLiterals(String value, boolean valid) {
    assertEquals(valid, NameRules.isIp(value));
  }

  @ParameterizedTest(name = "cidr {0} -> {1}")
  @MethodSource("cidrs")
  void cidrs(String value, boolean valid) {
    assertEquals(valid, NameRules.isCidr(value));
  }

  static Stream<Arguments> cidrs() {
    return Stream.of(Arguments.of("10.244.0.0/24", true), Arguments.of("10.244.0.0/33", false),
        Arguments.of("10.244.0.0", false), Arguments.of("fd00::/64", true), Arguments.of("x/8", false));
  }
}
