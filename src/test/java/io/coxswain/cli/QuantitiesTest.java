package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantitiesTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "2000m, 2", "1500m, 1500m", "0.5, 500m", "2, 2", "0m, 0", "0, 0", "1000000, 1M", "1500, 1500", "1k, 1k",
      "1024Ki, 1Mi", "1025Ki, 1025Ki", "8Gi, 8Gi", "1048576Ki, 1Gi", "512, 512", "100n, 100n", "1e3, 1k",
      "16303460Ki, 16303460Ki", "not-a-quantity, not-a-quantity"})
  void canonical(String given, String expected) {
    assertEquals(expected, Quantities.canonical(given));
  }
}
