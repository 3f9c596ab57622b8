package io.coxswain.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RenewalTest {
  @ParameterizedTest(name = "{0}..{1} at {2}: {3}")
  @CsvSource({
      "2026-01-01T00:00:00Z, 2026-01-31T00:00:00Z, 2026-01-01T00:00:00Z, false",
      "2026-01-01T00:00:00Z, 2026-01-31T00:00:00Z, 2026-01-20T23:59:59Z, false",
      "2026-01-01T00:00:00Z, 2026-01-31T00:00:00Z, 2026-01-21T00:00:00Z, true",
      "2026-01-01T00:00:00Z, 2026-01-31T00:00:00Z, 2026-02-10T00:00:00Z, true",
      "2026-01-01T00:00:00Z, 2027-01-01T00:00:00Z, 2026-06-01T00:00:00Z, false",
      "2026-01-01T00:00:00Z, 2027-01-01T00:00:00Z, 2026-09-02T00:00:00Z, true",
  })
  void renewsAfterTwoThirdsOfTheLifetime(String from, String to, String now, boolean due) {
    assertEquals(due, Renewal.isDue(Instant.parse(from), Instant.parse(to), Instant.parse(now)));
  }
}
