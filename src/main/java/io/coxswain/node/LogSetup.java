package io.coxswain.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Map;

/**
 * Logging set up in code, found by Logback through the service loader: one line per event on stderr
 * ({@code HH:mm:ss.SSS LEVEL Logger: message}), the libraries kept quiet, Coxswain at
 * {@code $COXSWAIN_LOG_LEVEL} (default INFO). Doing it in code spares every process (a node, and each CLI
 * command) loading Logback's XML configurator and an XML parser, several hundred classes; and the line is laid
 * out by {@link Line}, not a pattern, which spares Logback's pattern parser and converters (~80 classes). Given
 * {@code -Dlogback.configurationFile=FILE}, Logback reads that file instead.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
  static final Map<String, Level> QUIET = Map.of(
      "org.apache.ratis", Level.WARN,
      "org.apache.ratis.thirdparty", Level.ERROR,
      "io.netty", Level.WARN,
      "io.vertx", Level.WARN,
      "com.github.dockerjava", Level.WARN,
      // a failed pull is reported by the kubelet (pod status, event) with what to do; not again as a stack trace
      "com.github.dockerjava.api.async.ResultCallbackTemplate", Level.OFF,
      "org.apache.hc", Level.WARN,
      "org.mapdb", Level.WARN,
      // a store that cannot start is reported once, as one line, by the node; not as a lifecycle trace
      "org.apache.ratis.util.LifeCycle", Level.OFF,
      // requests to a member that is no longer the leader are retried, and what finally fails is reported
      "org.apache.ratis.client.impl.OrderedAsync", Level.OFF);

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    Line line = new Line();
    line.setContext(context);
    line.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(line);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr);
    QUIET.forEach((name, level) -> context.getLogger(name).setLevel(level));
    String own = System.getenv("COXSWAIN_LOG_LEVEL");
    context.getLogger("io.coxswain").setLevel(Level.toLevel(own, Level.INFO));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** {@code HH:mm:ss.SSS LEVEL Logger: message}, the logger by its last name, then the stack trace if any. */
  static final class Line extends LayoutBase<ILoggingEvent> {
    private final ZoneId zone = ZoneId.systemDefault();

    @Override
    public String doLayout(ILoggingEvent event) {
      StringBuilder b = new StringBuilder(128);
      LocalTime t = LocalTime.ofInstant(Instant.ofEpochMilli(event.getTimeStamp()), zone);
      two(b, t.getHour()).append(':');
      two(b, t.getMinute()).append(':');
      two(b, t.getSecond()).append('.');
      int ms = t.getNano() / 1_000_000;
      b.append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10)).append((char) ('0' + ms % 10)).append(' ');
      String level = event.getLevel().toString();
      b.append(level);
      for (int i = level.length(); i < 5; i++) {
        b.append(' ');
      }
      String logger = event.getLoggerName();
      b.append(' ').append(logger, logger.lastIndexOf('.') + 1, logger.length()).append(": ")
          .append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
      IThrowableProxy thrown = event.getThrowableProxy();
      if (thrown != null) {
        b.append(ThrowableProxyUtil.asString(thrown)); // its lines end with a separator each
      }
      return b.toString();
    }

    private static StringBuilder two(StringBuilder b, int n) {
      return b.append((char) ('0' + n / 10)).append((char) ('0' + n % 10));
    }
  }
}
