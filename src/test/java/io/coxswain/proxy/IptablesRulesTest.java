package io.coxswain.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class IptablesRulesTest {
  private final IptablesRules rules = new IptablesRules("iptables");
  private final ServicePortKey web = new ServicePortKey("default", "web", "http", "TCP");
  private final ServicePortKey dns = new ServicePortKey("kube", "dns", "", "UDP");

  private static String line(List<String> cmd) {
    return String.join(" ", cmd);
  }

  @Test
  void aRedirectSendsTheClusterIpPortToTheLocalPort() {
    assertEquals("iptables -w -t nat -A COXSWAIN-SERVICES -p tcp -d 10.0.0.10/32 --dport 80"
            + " -m comment --comment default/web:http/TCP -j REDIRECT --to-ports 41000",
        line(rules.addRedirect(web, "10.0.0.10", 80, 41000)));
    assertEquals("iptables -w -t nat -D COXSWAIN-SERVICES -p udp -d 10.0.0.53/32 --dport 53"
            + " -m comment --comment kube/dns/UDP -j REDIRECT --to-ports 41001",
        line(rules.deleteRedirect(dns, "10.0.0.53", 53, 41001)));
  }

  @Test
  void deleteIsAddWithMinusD() {
    List<String> add = rules.addRedirect(web, "10.1.2.3", 8080, 5000);
    List<String> del = rules.deleteRedirect(web, "10.1.2.3", 8080, 5000);
    assertEquals(add.size(), del.size());
    for (int i = 0; i < add.size(); i++) {
      assertEquals(i == 4 ? "-D" : add.get(i), del.get(i));
    }
  }

  @Test
  void setupCreatesTheChainAndJumpsToItOnce() {
    assertEquals(List.of(
        "iptables -w -t nat -N COXSWAIN-SERVICES",
        "iptables -w -t nat -F COXSWAIN-SERVICES",
        "iptables -w -t nat -D OUTPUT -m comment --comment coxswain service portals -j COXSWAIN-SERVICES",
        "iptables -w -t nat -I OUTPUT -m comment --comment coxswain service portals -j COXSWAIN-SERVICES",
        "iptables -w -t nat -D PREROUTING -m comment --comment coxswain service portals -j COXSWAIN-SERVICES",
        "iptables -w -t nat -I PREROUTING -m comment --comment coxswain service portals -j COXSWAIN-SERVICES"),
        rules.setup().stream().map(IptablesRulesTest::line).toList());
  }

  @Test
  void teardownRemovesJumpsThenTheChain() {
    assertEquals(List.of(
        "iptables -w -t nat -D OUTPUT -m comment --comment coxswain service portals -j COXSWAIN-SERVICES",
        "iptables -w -t nat -D PREROUTING -m comment --comment coxswain service portals -j COXSWAIN-SERVICES",
        "iptables -w -t nat -F COXSWAIN-SERVICES",
        "iptables -w -t nat -X COXSWAIN-SERVICES"),
        rules.teardown().stream().map(IptablesRulesTest::line).toList());
  }

  @Test
  void theCommentIsOneArgumentAndTheCommandIsConfigurable() {
    List<String> cmd = new IptablesRules("/usr/sbin/iptables-legacy").addRedirect(web, "10.0.0.10", 80, 1);
    assertEquals("/usr/sbin/iptables-legacy", cmd.get(0));
    assertEquals("coxswain service portals", new IptablesRules("iptables").setup().get(2).get(9));
  }

  @Test
  void aClusterIpThatIsNotIpv4IsRefused() {
    assertThrows(IllegalArgumentException.class, () -> rules.addRedirect(web, "10.0.0.10; rm -rf /", 80, 1));
    assertThrows(IllegalArgumentException.class, () -> rules.addRedirect(web, "fd00::1", 80, 1));
  }
}
