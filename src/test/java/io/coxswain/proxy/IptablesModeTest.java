package io.coxswain.proxy;

import static io.coxswain.proxy.ProxyVerticleTest.await;
import static io.coxswain.proxy.ProxyVerticleTest.endpoints;
import static io.coxswain.proxy.ProxyVerticleTest.nameAt;
import static io.coxswain.proxy.ProxyVerticleTest.service;
import static io.coxswain.proxy.ProxyVerticleTest.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Iptables mode with a runner that records the commands instead of touching the host's firewall: the rules
 * follow the services, and the local port a rule points at forwards to the backends.
 */
class IptablesModeTest {
  private Vertx vertx;
  private final List<String> ran = Collections.synchronizedList(new ArrayList<>());
  private ProxyVerticle proxy;
  private String deployment;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    CommandRunner recorder = cmd -> {
      ran.add(String.join(" ", cmd));
      return Future.succeededFuture(0);
    };
    proxy = new ProxyVerticle(null, "127.0.0.1",
        ProxyOptions.defaults().withMode(ProxyMode.USERSPACE).withListenAddress("127.0.0.1"),
        new SimpleMeterRegistry(), recorder);
    deployment = await(vertx.deployVerticle(proxy));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void rulesFollowServicesAndTheLocalPortForwards() throws Exception {
    assertEquals(new IptablesRules("iptables").setup().stream().map(c -> String.join(" ", c)).toList(), List.copyOf(ran));
    ran.clear();

    NetServer backend = vertx.createNetServer().connectHandler(s -> s.write("a\n"));
    await(backend.listen(0, "127.0.0.1"));
    // a cluster IP outside the loopback range: only the (recorded) rule points at it
    await(proxy.putService(service("web", "10.0.0.10", 80, "TCP")));
    await(proxy.putEndpoints(endpoints("web", "TCP", new Backend("127.0.0.1", backend.actualPort()))));
    ServicePortKey key = new ServicePortKey("default", "web", "", "TCP");
    int local = await(proxy.localPort(key));
    assertTrue(local > 0);
    IptablesRules rules = new IptablesRules("iptables");
    waitFor("the redirect rule", () -> ran.contains(String.join(" ", rules.addRedirect(key, "10.0.0.10", 80, local))));
    assertEquals("a", nameAt("127.0.0.1", local));

    await(proxy.removeService("default", "web"));
    waitFor("the rule deleted", () -> ran.contains(String.join(" ", rules.deleteRedirect(key, "10.0.0.10", 80, local))));

    ran.clear();
    await(vertx.undeploy(deployment));
    assertEquals(rules.teardown().stream().map(c -> String.join(" ", c)).toList(), List.copyOf(ran));
  }
}
