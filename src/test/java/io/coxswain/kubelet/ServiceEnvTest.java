package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ServiceEnvTest {
  static Service svc(String ns, String name, String ip, Object... ports) {
    ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
        .withNewSpec().withClusterIP(ip).endSpec();
    for (int i = 0; i < ports.length; i += 3) {
      b.editSpec().addToPorts(new ServicePortBuilder().withName((String) ports[i]).withPort((Integer) ports[i + 1])
          .withProtocol((String) ports[i + 2]).build()).endSpec();
    }
    return b.build();
  }

  static Pod pod(String ns, Boolean links) {
    return new PodBuilder().withNewMetadata().withNamespace(ns).withName("p").endMetadata()
        .withNewSpec().withEnableServiceLinks(links).endSpec().build();
  }

  static final Service MASTERS = svc("default", "kubernetes", "127.100.0.1", "https", 443, "TCP");
  static final Service WEB = svc("shop", "web-front", "127.100.0.9", null, 80, null);
  static final Service DNS = svc("shop", "dns", "127.100.0.10", "dns", 53, "UDP", "dns-tcp", 53, "TCP");
  static final Service HEADLESS = svc("shop", "db", "None", null, 5432, "TCP");
  static final Service ELSEWHERE = svc("other", "cache", "127.100.0.11", null, 6379, "TCP");

  static Map<String, String> link(String prefix, String ip, int port, String proto) {
    String base = prefix + "_PORT_" + port + "_" + proto.toUpperCase();
    return Map.of(base, proto + "://" + ip + ":" + port, base + "_PROTO", proto, base + "_PORT", String.valueOf(port),
        base + "_ADDR", ip);
  }

  static Map<String, String> merged(List<Map<String, String>> parts) {
    Map<String, String> all = new TreeMap<>();
    parts.forEach(all::putAll);
    return all;
  }

  static Map<String, String> masters() {
    return merged(List.of(Map.of("KUBERNETES_SERVICE_HOST", "127.100.0.1", "KUBERNETES_SERVICE_PORT", "443",
        "KUBERNETES_SERVICE_PORT_HTTPS", "443", "KUBERNETES_PORT", "tcp://127.100.0.1:443"),
        link("KUBERNETES", "127.100.0.1", 443, "tcp")));
  }

  static Map<String, String> web() {
    return merged(List.of(Map.of("WEB_FRONT_SERVICE_HOST", "127.100.0.9", "WEB_FRONT_SERVICE_PORT", "80",
        "WEB_FRONT_PORT", "tcp://127.100.0.9:80"), link("WEB_FRONT", "127.100.0.9", 80, "tcp")));
  }

  static Map<String, String> dns() {
    return merged(List.of(Map.of("DNS_SERVICE_HOST", "127.100.0.10", "DNS_SERVICE_PORT", "53",
        "DNS_SERVICE_PORT_DNS", "53", "DNS_SERVICE_PORT_DNS_TCP", "53", "DNS_PORT", "udp://127.100.0.10:53"),
        link("DNS", "127.100.0.10", 53, "udp"), link("DNS", "127.100.0.10", 53, "tcp")));
  }

  static Stream<Arguments> cases() {
    List<Service> all = List.of(MASTERS, WEB, DNS, HEADLESS, ELSEWHERE);
    return Stream.of(
        Arguments.of("own namespace and the masters; not headless, not other namespaces",
            pod("shop", null), all, merged(List.of(masters(), web(), dns()))),
        Arguments.of("enableServiceLinks false: the masters only", pod("shop", false), all, masters()),
        Arguments.of("a namespace without services: the masters only", pod("empty", true), all, masters()),
        Arguments.of("the default namespace sees the masters once", pod("default", null), all, masters()),
        Arguments.of("no services known", pod("shop", null), List.of(), Map.of()),
        Arguments.of("a service without ports gives nothing", pod("shop", null),
            List.of(svc("shop", "bare", "127.100.0.12")), Map.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void variables(String name, Pod pod, List<Service> services, Map<String, String> expected) {
    assertEquals(expected, new TreeMap<>(ServiceEnv.forPod(pod, services)));
  }
}
