package io.coxswain.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AutoProxyModeTest {
  record Case(int uid, AutoProxyMode.Probe probe, ProxyMode mode, String line) {}

  @Test
  void rootWithAUsableIptablesGetsIptablesEveryoneElseLoopback() {
    List<Case> cases = List.of(
        new Case(0, AutoProxyMode.Probe.usable("iptables v1.8.9 (nf_tables)"), ProxyMode.IPTABLES,
            "proxy mode auto: iptables (running as root with iptables v1.8.9 (nf_tables))"),
        new Case(0, AutoProxyMode.Probe.usable(""), ProxyMode.IPTABLES,
            "proxy mode auto: iptables (running as root with iptables)"),
        new Case(0, AutoProxyMode.Probe.unusable("no iptables command (Cannot run program \"iptables\")"),
            ProxyMode.LOOPBACK, "proxy mode auto: loopback (running as root but iptables is not usable: no iptables"
            + " command (Cannot run program \"iptables\"))"),
        new Case(0, AutoProxyMode.Probe.unusable("timed out after 5000 ms: iptables -w 5 -t nat -S OUTPUT"),
            ProxyMode.LOOPBACK, "proxy mode auto: loopback (running as root but iptables is not usable: timed out"
            + " after 5000 ms: iptables -w 5 -t nat -S OUTPUT)"),
        new Case(0, null, ProxyMode.LOOPBACK,
            "proxy mode auto: loopback (running as root but iptables is not usable: it was not probed)"),
        new Case(1000, null, ProxyMode.LOOPBACK,
            "proxy mode auto: loopback (not root (uid 1000); iptables mode needs root)"),
        // a usable probe does not matter without root (the rules could not be installed)
        new Case(1000, AutoProxyMode.Probe.usable("iptables v1.8.9 (legacy)"), ProxyMode.LOOPBACK,
            "proxy mode auto: loopback (not root (uid 1000); iptables mode needs root)"),
        new Case(-1, null, ProxyMode.LOOPBACK,
            "proxy mode auto: loopback (the effective uid is unknown; iptables mode needs root)"));
    for (Case c : cases) {
      AutoProxyMode.Choice choice = AutoProxyMode.choose(c.uid(), c.probe());
      assertEquals(c.mode(), choice.mode(), c.toString());
      assertEquals(c.line(), choice.describe(), c.toString());
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "Name:\tjava\\nUid:\t0\t0\t0\t0\\nGid:\t0\t0\t0\t0|0",
      "Uid:\t1000\t0\t0\t1000|0", // setuid root: the effective uid counts
      "Uid:\t0\t1000\t1000\t1000|1000",
      "Name:\tjava\\nGid:\t0\t0\t0\t0|-1",
      "Uid:\tx\ty|-1",
      "Uid:\t5|-1",
      "''|-1"})
  void theEffectiveUidIsTheSecondOfTheUidLine(String status, int uid) {
    assertEquals(uid, AutoProxyMode.effectiveUid(status.replace("\\n", "\n")));
  }

  @Test
  void noStatusIsNoUid() {
    assertEquals(-1, AutoProxyMode.effectiveUid(null));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "auto|true", "loopback|true", "userspace|true", "iptables|true",
      "AUTO|false", "' auto '|false", "IPTables|false", "ipvs|false", "''|false", "auto,iptables|false"})
  void flagValues(String value, boolean valid) {
    assertEquals(valid, ProxyMode.isFlagValue(value));
  }

  @Test
  void aBadModeIsOneClearLine() {
    assertFalse(ProxyMode.isFlagValue(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProxyMode.parse("ipvs"));
    assertEquals("--proxy-mode must be auto, loopback, userspace or iptables, not 'ipvs'", e.getMessage());
    // auto is resolved before a mode is parsed: it is no mode of its own
    assertThrows(IllegalArgumentException.class, () -> ProxyMode.parse("auto"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "iptables-restore v1.8.9 (nf_tables)\\n|iptables|iptables v1.8.9 (nf_tables)",
      "/usr/sbin/iptables-restore v1.8.7 (legacy)|/usr/sbin/iptables|iptables v1.8.7 (legacy)",
      "''|iptables|iptables"})
  void theVersionLineNamesIptables(String output, String command, String version) {
    assertEquals(version, IptablesProbe.version(output.replace("\\n", "\n"), command));
  }

  @Test
  void theProbeOfAMissingCommandSaysSoAndAHungCommandIsKilled() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ProcessCommandRunner runner = new ProcessCommandRunner(vertx);
      AutoProxyMode.Probe missing = IptablesProbe.run(runner, "/nonexistent/iptables", Duration.ofSeconds(5))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertFalse(missing.usable());
      assertTrue(missing.problem().startsWith("no iptables command"), missing.problem());

      Throwable hung = runner.output(List.of("sleep", "60"), Duration.ofMillis(200))
          .toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(30, TimeUnit.SECONDS);
      assertTrue(hung != null && hung.getMessage().contains("timed out after 200 ms: sleep 60"), String.valueOf(hung));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
