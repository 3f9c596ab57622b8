package io.coxswain.proxy;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;

/**
 * Finds out, once at start, whether this process can use iptables: lists the nat table's OUTPUT chain (which
 * needs root and a working nat table) and asks {@code iptables-restore} its version (the iptables mode loads
 * its rules with it). Each command is killed after {@code timeout}.
 */
public final class IptablesProbe {
  private IptablesProbe() {}

  public static Future<AutoProxyMode.Probe> run(CommandRunner runner, String iptables, Duration timeout) {
    return runner.output(List.of(iptables, "-w", "5", "-t", "nat", "-S", "OUTPUT"), timeout)
        .compose(rules -> runner.output(List.of(iptables + "-restore", "--version"), timeout))
        .map(version -> AutoProxyMode.Probe.usable(version(version, iptables)))
        .recover(e -> Future.succeededFuture(AutoProxyMode.Probe.unusable(problem(e))));
  }

  /** {@code iptables-restore v1.8.9 (nf_tables)} → {@code iptables v1.8.9 (nf_tables)}. */
  static String version(String output, String iptables) {
    String line = output.strip().lines().findFirst().orElse("").strip();
    return line.isEmpty() ? iptables : line.replaceFirst("^\\S*iptables-restore", "iptables");
  }

  private static String problem(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    if (e instanceof java.io.IOException && m.startsWith("Cannot run program")) {
      return "no iptables command (" + m + ")";
    }
    return m.strip().replace('\n', ' ');
  }
}
