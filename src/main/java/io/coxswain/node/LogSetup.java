package io.coxswain.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * Logging set up in code, found by Logback through the service loader: one line per event on stderr
 * ({@code HH:mm:ss.SSS LEVEL Logger: message}), the libraries kept quiet, Coxswain at
 * {@code $COXSWAIN_LOG_LEVEL} (default INFO). Doing it in code spares every process (a node, and each CLI
 * command) loading Logback's XML configurator and an XML parser, several hundred classes. Given
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
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{0}: %msg%n");
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
}
