package io.coxswain.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class ServiceTableTest {
  static Service svc(String type, String clusterIp, String affinity, Integer timeout, String... ports) {
    ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace("ns").withName("web").endMetadata()
        .withNewSpec().withType(type).withClusterIP(clusterIp).withSessionAffinity(affinity).endSpec();
    if (timeout != null) {
      b.editSpec().withNewSessionAffinityConfig().withNewClientIP(timeout).endSessionAffinityConfig().endSpec();
    }
    // each port: name/protocol/port/nodePort
    for (String p : ports) {
      String[] f = p.split("/");
      b.editSpec().addNewPort().withName(f[0].isEmpty() ? null : f[0]).withProtocol(f[1])
          .withPort(Integer.parseInt(f[2])).withNodePort(f.length > 3 ? Integer.parseInt(f[3]) : null)
          .endPort().endSpec();
    }
    return b.build();
  }

  static Endpoints eps(String... subsets) {
    EndpointsBuilder b = new EndpointsBuilder().withNewMetadata().withNamespace("ns").withName("web").endMetadata();
    // each subset: "ip,ip|notReadyIp|name/protocol/port,name/protocol/port"
    for (String s : subsets) {
      String[] f = s.split("\\|", -1);
      var sub = b.addNewSubset();
      for (String ip : f[0].split(",")) {
        if (!ip.isEmpty()) {
          sub.addNewAddress().withIp(ip).endAddress();
        }
      }
      for (String ip : f[1].split(",")) {
        if (!ip.isEmpty()) {
          sub.addNewNotReadyAddress().withIp(ip).endNotReadyAddress();
        }
      }
      for (String p : f[2].split(",")) {
        String[] q = p.split("/");
        sub.addNewPort().withName(q[0].isEmpty() ? null : q[0]).withProtocol(q[1]).withPort(Integer.parseInt(q[2]))
            .endPort();
      }
      sub.endSubset();
    }
    return b.build();
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("unnamed port takes the unnamed endpoint port",
            svc("ClusterIP", "127.100.0.5", null, null, "/TCP/80"),
            eps("127.0.0.1,127.0.0.2||/TCP/8080"),
            List.of("ns/web/TCP 127.100.0.5:80 node=0 aff=0 [127.0.0.1:8080, 127.0.0.2:8080]")),
        Arguments.of("named ports match endpoint ports by name, not position",
            svc("ClusterIP", "127.100.0.5", null, null, "http/TCP/80", "metrics/TCP/9090"),
            eps("127.0.0.1||metrics/TCP/19090,http/TCP/18080"),
            List.of("ns/web:http/TCP 127.100.0.5:80 node=0 aff=0 [127.0.0.1:18080]",
                "ns/web:metrics/TCP 127.100.0.5:9090 node=0 aff=0 [127.0.0.1:19090]")),
        Arguments.of("not-ready addresses are left out; subsets add up",
            svc("ClusterIP", "127.100.0.5", null, null, "/TCP/80"),
            eps("127.0.0.1|127.0.0.9|/TCP/1000", "127.0.0.2||/TCP/2000"),
            List.of("ns/web/TCP 127.100.0.5:80 node=0 aff=0 [127.0.0.1:1000, 127.0.0.2:2000]")),
        Arguments.of("protocols must agree",
            svc("ClusterIP", "127.100.0.5", null, null, "dns/UDP/53", "dnstcp/TCP/53"),
            eps("127.0.0.1||dns/UDP/1053,dnstcp/TCP/1053"),
            List.of("ns/web:dns/UDP 127.100.0.5:53 node=0 aff=0 [127.0.0.1:1053]",
                "ns/web:dnstcp/TCP 127.100.0.5:53 node=0 aff=0 [127.0.0.1:1053]")),
        Arguments.of("no endpoints: served with no backend",
            svc("ClusterIP", "127.100.0.5", null, null, "/TCP/80"), null,
            List.of("ns/web/TCP 127.100.0.5:80 node=0 aff=0 []")),
        Arguments.of("headless services are not proxied",
            svc("ClusterIP", "None", null, null, "/TCP/80"), eps("127.0.0.1||/TCP/80"), List.of()),
        Arguments.of("a service with no cluster IP yet is not proxied",
            svc("ClusterIP", null, null, null, "/TCP/80"), null, List.of()),
        Arguments.of("NodePort services keep their node port",
            svc("NodePort", "127.100.0.5", null, null, "/TCP/80/30080"), null,
            List.of("ns/web/TCP 127.100.0.5:80 node=30080 aff=0 []")),
        Arguments.of("a node port on a ClusterIP service is ignored",
            svc("ClusterIP", "127.100.0.5", null, null, "/TCP/80/30080"), null,
            List.of("ns/web/TCP 127.100.0.5:80 node=0 aff=0 []")),
        Arguments.of("ClientIP affinity defaults to 10800 s",
            svc("ClusterIP", "127.100.0.5", "ClientIP", null, "/TCP/80"), null,
            List.of("ns/web/TCP 127.100.0.5:80 node=0 aff=10800 []")),
        Arguments.of("ClientIP affinity takes the configured timeout",
            svc("ClusterIP", "127.100.0.5", "ClientIP", 60, "/TCP/80"), null,
            List.of("ns/web/TCP 127.100.0.5:80 node=0 aff=60 []")),
        Arguments.of("SCTP is not proxied",
            svc("ClusterIP", "127.100.0.5", null, null, "/SCTP/80"), null, List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void specsFollowFromServiceAndEndpoints(String name, Service service, Endpoints ep, List<String> expected) {
    ServiceTable table = new ServiceTable();
    table.putService(service);
    if (ep != null) {
      table.putEndpoints(ep);
    }
    assertEquals(expected, table.ports().values().stream().map(ServiceTableTest::show).toList());
  }

  @Test
  void removingAServiceOrItsEndpointsUpdatesThePorts() {
    ServiceTable table = new ServiceTable();
    table.putEndpoints(eps("127.0.0.1||/TCP/8080"));
    assertTrue(table.ports().isEmpty(), "endpoints alone serve nothing");
    table.putService(svc("ClusterIP", "127.100.0.5", null, null, "/TCP/80"));
    assertEquals(List.of(new Backend("127.0.0.1", 8080)), single(table).backends());
    table.removeEndpoints("ns", "web");
    assertEquals(List.of(), single(table).backends());
    table.removeService("ns", "web");
    assertTrue(table.ports().isEmpty());
  }

  private static ServicePortSpec single(ServiceTable t) {
    Map<ServicePortKey, ServicePortSpec> ports = t.ports();
    assertEquals(1, ports.size());
    return ports.values().iterator().next();
  }

  static String show(ServicePortSpec s) {
    return s.key() + " " + s.clusterIp() + ":" + s.port() + " node=" + s.nodePort() + " aff=" + s.affinitySeconds()
        + " " + s.backends();
  }
}
