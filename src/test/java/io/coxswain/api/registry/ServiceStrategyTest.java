package io.coxswain.api.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ServiceStrategyTest {
  static final String SVC = """
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: default, uid: "1"}
      spec:
        selector: {app: web}
        ports:
        - name: http
          port: 80
        - name: alt
          port: 8080
          targetPort: http-alt
      """;

  private final ServiceStrategy strategy = new ServiceStrategy();

  Service created() {
    Service s = Manifests.read(SVC, Service.class);
    strategy.prepareForCreate(s);
    s.getSpec().setPorts(new ArrayList<>(s.getSpec().getPorts()));
    return s;
  }

  @Test
  void createSetsDefaults() {
    Service s = created();
    assertEquals("ClusterIP", s.getSpec().getType());
    assertEquals("None", s.getSpec().getSessionAffinity());
    assertEquals("TCP", s.getSpec().getPorts().get(0).getProtocol());
    assertEquals(new IntOrString(80), s.getSpec().getPorts().get(0).getTargetPort());
    assertEquals(new IntOrString("http-alt"), s.getSpec().getPorts().get(1).getTargetPort());
    assertEquals("Cluster", s.getSpec().getInternalTrafficPolicy());
    assertNull(s.getSpec().getExternalTrafficPolicy());
    assertTrue(s.getStatus().getLoadBalancer() != null);
    assertTrue(strategy.validate(s).isEmpty(), () -> strategy.validate(s).toString());
  }

  @Test
  void clientIpAffinityAndNodePortDefaults() {
    Service s = Manifests.read(SVC.replace("selector:", "type: NodePort\n  sessionAffinity: ClientIP\n  selector:"), Service.class);
    strategy.prepareForCreate(s);
    assertEquals(10800, s.getSpec().getSessionAffinityConfig().getClientIP().getTimeoutSeconds());
    assertEquals("Cluster", s.getSpec().getExternalTrafficPolicy());
    assertTrue(strategy.validate(s).isEmpty(), () -> strategy.validate(s).toString());
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad("dotted name", s -> s.getMetadata().setName("web.v1"), "metadata.name", FieldError.Type.INVALID),
        bad("name starting with digit", s -> s.getMetadata().setName("1web"), "metadata.name", FieldError.Type.INVALID),
        bad("no ports", s -> s.getSpec().setPorts(List.of()), "spec.ports", FieldError.Type.REQUIRED),
        bad("unnamed port among several", s -> port(s, 1).setName(null), "spec.ports[1].name", FieldError.Type.REQUIRED),
        bad("duplicate port name", s -> port(s, 1).setName("http"), "spec.ports[1].name", FieldError.Type.DUPLICATE),
        bad("port out of range", s -> port(s, 0).setPort(0), "spec.ports[0].port", FieldError.Type.INVALID),
        bad("bad protocol", s -> port(s, 0).setProtocol("ICMP"), "spec.ports[0].protocol", FieldError.Type.NOT_SUPPORTED),
        bad("targetPort out of range", s -> port(s, 0).setTargetPort(new IntOrString(99999)), "spec.ports[0].targetPort", FieldError.Type.INVALID),
        bad("duplicate port number", s -> port(s, 1).setPort(80), "spec.ports[1]", FieldError.Type.DUPLICATE),
        bad("nodePort on ClusterIP", s -> port(s, 0).setNodePort(30080), "spec.ports[0].nodePort", FieldError.Type.FORBIDDEN),
        bad("nodePort outside range", s -> {
          s.getSpec().setType("NodePort");
          port(s, 0).setNodePort(80);
        }, "spec.ports[0].nodePort", FieldError.Type.INVALID),
        bad("duplicate nodePort", s -> {
          s.getSpec().setType("NodePort");
          port(s, 0).setNodePort(30080);
          port(s, 1).setNodePort(30080);
        }, "spec.ports[1].nodePort", FieldError.Type.DUPLICATE),
        bad("bad type", s -> s.getSpec().setType("Magic"), "spec.type", FieldError.Type.NOT_SUPPORTED),
        bad("bad affinity", s -> s.getSpec().setSessionAffinity("Sticky"), "spec.sessionAffinity", FieldError.Type.NOT_SUPPORTED),
        bad("bad cluster IP", s -> s.getSpec().setClusterIPs(List.of("10.0.0.300")), "spec.clusterIPs[0]", FieldError.Type.INVALID),
        bad("bad selector", s -> s.getSpec().setSelector(Map.of("app", "a b")), "spec.selector", FieldError.Type.INVALID),
        bad("bad external IP", s -> s.getSpec().setExternalIPs(List.of("nowhere")), "spec.externalIPs[0]", FieldError.Type.INVALID),
        bad("ExternalName without name", s -> s.getSpec().setType("ExternalName"), "spec.externalName", FieldError.Type.REQUIRED),
        bad("external traffic policy on ClusterIP", s -> s.getSpec().setExternalTrafficPolicy("Local"),
            "spec.externalTrafficPolicy", FieldError.Type.INVALID));
  }

  static ServicePort port(Service s, int i) {
    return s.getSpec().getPorts().get(i);
  }

  static Arguments bad(String name, Consumer<Service> change, String field, FieldError.Type type) {
    return Arguments.of(name, change, field, type);
  }

  @ParameterizedTest(name = "{0}: {2} {3}")
  @MethodSource("invalid")
  void validationReportsFieldAndType(String name, Consumer<Service> change, String field, FieldError.Type type) {
    Service s = created();
    change.accept(s);
    List<FieldError> errors = strategy.validate(s);
    assertTrue(errors.stream().anyMatch(e -> e.field().equals(field) && e.type() == type),
        () -> "expected " + type + " at " + field + " in " + errors);
  }

  @Test
  void headlessServiceNeedsNoPorts() {
    Service s = created();
    s.getSpec().setClusterIP("None");
    s.getSpec().setPorts(List.of());
    strategy.prepareForCreate(s);
    assertEquals(List.of("None"), s.getSpec().getClusterIPs());
    assertTrue(strategy.validate(s).isEmpty(), () -> strategy.validate(s).toString());
  }

  @Test
  void clusterIpIsImmutableButKeptWhenLeftOut() {
    Service old = created();
    old.getSpec().setClusterIP("10.96.0.10");
    old.getSpec().setClusterIPs(List.of("10.96.0.10"));

    Service changed = Json.copy(old);
    changed.getSpec().setClusterIP("10.96.0.11");
    changed.getSpec().setClusterIPs(List.of("10.96.0.11"));
    strategy.prepareForUpdate(changed, old);
    List<FieldError> errors = strategy.validateUpdate(changed, old);
    assertEquals(List.of("spec.clusterIPs[0]"), errors.stream().map(FieldError::field).toList());

    Service leftOut = Json.copy(old);
    leftOut.getSpec().setClusterIP(null);
    leftOut.getSpec().setClusterIPs(null);
    strategy.prepareForUpdate(leftOut, old);
    assertEquals("10.96.0.10", leftOut.getSpec().getClusterIP());
    assertTrue(strategy.validateUpdate(leftOut, old).isEmpty());
    assertFalse(strategy.specChanged(leftOut, old));
  }

  @Test
  void nodePortsAreKeptAndDroppedWithTheType() {
    Service old = created();
    old.getSpec().setType("NodePort");
    port(old, 0).setNodePort(30080);
    Service keep = Json.copy(old);
    port(keep, 0).setNodePort(null);
    strategy.prepareForUpdate(keep, old);
    assertEquals(30080, port(keep, 0).getNodePort());

    Service back = Json.copy(old);
    back.getSpec().setType("ClusterIP");
    back.getSpec().setExternalTrafficPolicy(null);
    strategy.prepareForUpdate(back, old);
    assertNull(port(back, 0).getNodePort());
    assertTrue(strategy.validateUpdate(back, old).isEmpty(), () -> strategy.validateUpdate(back, old).toString());
  }

  @Test
  void statusAndSpecAreSeparate() {
    Service old = created();
    Service spec = Json.copy(old);
    spec.getStatus().getLoadBalancer().setIngress(List.of(new io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder().withIp("1.2.3.4").build()));
    spec.getSpec().setSelector(Map.of("app", "web2"));
    strategy.prepareForUpdate(spec, old);
    assertTrue(spec.getStatus().getLoadBalancer().getIngress().isEmpty());
    assertTrue(strategy.specChanged(spec, old));

    Service status = Json.copy(old);
    status.getStatus().getLoadBalancer().setIngress(List.of(new io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder().withIp("1.2.3.4").build()));
    status.getSpec().setSelector(Map.of("app", "web2"));
    strategy.forStatus().prepareForUpdate(status, old);
    assertEquals(Map.of("app", "web"), status.getSpec().getSelector());
    assertEquals("1.2.3.4", status.getStatus().getLoadBalancer().getIngress().get(0).getIp());
    assertTrue(strategy.forStatus().validateUpdate(status, old).isEmpty());

    status.getStatus().getLoadBalancer().getIngress().get(0).setIp("1.2.3");
    assertEquals(List.of("status.loadBalancer.ingress[0].ip"),
        strategy.forStatus().validateUpdate(status, old).stream().map(FieldError::field).toList());
  }
}
