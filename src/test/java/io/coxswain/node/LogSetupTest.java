package io.coxswain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class LogSetupTest {
  private final LoggerContext context = new LoggerContext();

  private String layout(Level level, String message, Throwable thrown, Object... args) {
    LogSetup.Line line = new LogSetup.Line();
    line.setContext(context);
    line.start();
    LoggingEvent e = new LoggingEvent("x", context.getLogger("io.coxswain.kubelet.KubeletVerticle"), level, message,
        thrown, args);
    e.setTimeStamp(LocalDateTime.of(2026, 11, 26, 9, 5, 7, 42_000_000).atZone(ZoneId.systemDefault()).toInstant()
        .toEpochMilli());
    return line.doLayout(e);
  }

  @Test
  void oneLineWithTheTimeThePaddedLevelAndTheLoggersLastName() {
    assertEquals("09:05:07.042 INFO  KubeletVerticle: pod default/web started" + System.lineSeparator(),
        layout(Level.INFO, "pod {} started", null, "default/web"));
    assertEquals("09:05:07.042 ERROR KubeletVerticle: boom" + System.lineSeparator(),
        layout(Level.ERROR, "boom", null));
  }

  @Test
  void aThrowableFollowsTheLineWithItsStackTrace() {
    String out = layout(Level.WARN, "sync failed", new IllegalStateException("no runtime"));
    String[] lines = out.split(System.lineSeparator());
    assertEquals("09:05:07.042 WARN  KubeletVerticle: sync failed", lines[0]);
    assertEquals("java.lang.IllegalStateException: no runtime", lines[1]);
    assertTrue(lines[2].trim().startsWith("at io.coxswain.node.LogSetupTest"), lines[2]);
    assertTrue(out.endsWith(System.lineSeparator()) && !out.endsWith(System.lineSeparator() + System.lineSeparator()),
        "one line break at the end");
  }
}
