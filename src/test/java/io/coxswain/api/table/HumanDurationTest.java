package io.coxswain.api.table;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HumanDurationTest {
  static Stream<Arguments> cases() {
    long m = 60;
    long h = 3600;
    long d = 86400;
    long y = 365 * d;
    return Stream.of(
        Arguments.of(-5L, "<invalid>"), Arguments.of(-1L, "0s"), Arguments.of(0L, "0s"), Arguments.of(5L, "5s"),
        Arguments.of(119L, "119s"), Arguments.of(2 * m, "2m"), Arguments.of(3 * m + 20, "3m20s"), Arguments.of(9 * m + 59, "9m59s"),
        Arguments.of(10 * m + 30, "10m"), Arguments.of(179 * m, "179m"), Arguments.of(3 * h, "3h"), Arguments.of(5 * h + 12 * m, "5h12m"),
        Arguments.of(8 * h + 30 * m, "8h"), Arguments.of(47 * h, "47h"), Arguments.of(2 * d, "2d"), Arguments.of(2 * d + 4 * h, "2d4h"),
        Arguments.of(7 * d + 23 * h, "7d23h"), Arguments.of(8 * d + 5 * h, "8d"), Arguments.of(400 * d, "400d"),
        Arguments.of(2 * y, "2y"), Arguments.of(3 * y + 20 * d, "3y20d"), Arguments.of(9 * y + 100 * d, "9y"));
  }

  @ParameterizedTest(name = "{0}s -> {1}")
  @MethodSource("cases")
  void formatsLikeKubectl(long seconds, String expected) {
    assertEquals(expected, HumanDuration.format(Duration.ofSeconds(seconds).plusMillis(seconds >= 0 ? 400 : -400)));
  }

  @Test
  void sinceATimestamp() {
    Instant now = Instant.parse("2025-01-02T00:00:00Z");
    assertEquals("24h", HumanDuration.since("2025-01-01T00:00:00Z", now));
    assertEquals("90s", HumanDuration.since("2025-01-01T23:58:30+00:00", now));
    assertEquals("<unknown>", HumanDuration.since(null, now));
    assertEquals("<unknown>", HumanDuration.since("yesterday", now));
  }
}
