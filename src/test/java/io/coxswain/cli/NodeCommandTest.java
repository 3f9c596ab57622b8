package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class NodeCommandTest {
  static NodeCommand parse(String... extra) {
    List<String> args = new ArrayList<>(List.of("--role=master", "--node-name=n1", "--data-dir=/tmp/unused"));
    args.addAll(List.of(extra));
    CommandLine cl = Main.commandLine();
    cl.parseArgs(args.toArray(String[]::new));
    return cl.getCommand();
  }

  @Test
  void theProxyModeDefaultsToAutoAndAGivenOneIsKept() throws Exception {
    record Case(String[] flags, String mode) {}
    List<Case> cases = List.of(new Case(new String[0], "auto"),
        new Case(new String[] {"--proxy-mode=auto"}, "auto"),
        new Case(new String[] {"--proxy-mode=loopback"}, "loopback"),
        new Case(new String[] {"--proxy-mode=userspace"}, "userspace"),
        new Case(new String[] {"--proxy-mode=iptables"}, "iptables"));
    for (Case c : cases) {
      assertEquals(c.mode(), parse(c.flags()).config().minion().proxyMode(), String.join(" ", c.flags()));
    }
  }

  @Test
  void aBadProxyModeIsOneClearLine() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse("--proxy-mode=ipvs").config());
    assertEquals("--proxy-mode must be auto, loopback, userspace or iptables, not 'ipvs'", e.getMessage());
  }
}
