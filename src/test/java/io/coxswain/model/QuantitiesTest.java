package io.coxswain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuantitiesTest {
  @ParameterizedTest(name = "{0} -> {1} units, {2} milli")
  @CsvSource({
      "100m, 1, 100",
      "0.5, 1, 500",
      "1, 1, 1000",
      "2, 2, 2000",
      "1.5, 2, 1500",
      "250m, 1, 250",
      "0, 0, 0",
      "128Mi, 134217728, 134217728000",
      "1Ki, 1024, 1024000",
      "1Gi, 1073741824, 1073741824000",
      "1G, 1000000000, 1000000000000",
      "1k, 1000, 1000000",
      "1e3, 1000, 1000000",
      "1E3, 1000, 1000000",
      "12e-3, 1, 12",
      "1.5Gi, 1610612736, 1610612736000",
      "100n, 1, 1",
      "5u, 1, 1",
      "+3, 3, 3000",
      "-1, -1, -1000",
      "-100m, 0, -100",
      ".5, 1, 500",
      "2., 2, 2000",
      "110, 110, 110000",
      "8Ei, 9223372036854775807, 9223372036854775807",
  })
  void converts(String text, long units, long milli) {
    assertEquals(units, Quantities.value(text));
    assertEquals(milli, Quantities.milliValue(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abc", "1.2.3", "1Mb", "Mi", "1 Mi", "1e", "--1", "1KI", "e3"})
  void rejects(String text) {
    assertNotNull(Quantities.error(text));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantities.parse(text));
    assertTrue(e.getMessage().startsWith("quantities must match the regular expression"), e.getMessage());
  }

  @Test
  void fabric8Quantities() {
    assertNull(Quantities.error("64Mi"));
    assertEquals(67108864L, Quantities.value(new Quantity("64Mi")));
    assertEquals(67108864L, Quantities.value(new Quantity("64", "Mi")));
    assertEquals(250L, Quantities.milliValue(new Quantity("250m")));
  }

  @Test
  void valuesReadAgainAndManyDistinctOnesStayExact() {
    assertEquals(100L, Quantities.milliValue("100m"));
    assertEquals(1L, Quantities.value("100m"));
    // more distinct values than the parsed values kept: each is still its own
    for (int i = 1; i <= 3000; i++) {
      assertEquals(i * 1048576L, Quantities.value(i + "Mi"), i + "Mi");
    }
    assertEquals(100L, Quantities.milliValue("100m"));
    assertThrows(IllegalArgumentException.class, () -> Quantities.parse("1Mb"));
    assertThrows(IllegalArgumentException.class, () -> Quantities.parse("1Mb"));
  }
}
