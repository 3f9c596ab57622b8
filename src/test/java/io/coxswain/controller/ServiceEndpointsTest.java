package io.coxswain.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.coxswain.model.Json;
import io.coxswain.model.PublishedPorts;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ServiceEndpointsTest {
  private static final ObjectMapper LENIENT = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES).enable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES).build();

  static JsonNode json(String text) {
    try {
      return LENIENT.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  static final List<Node> NODES = List.of(
      new NodeBuilder().withNewMetadata().withName("n1").endMetadata().withNewStatus()
          .addNewAddress().withType("Hostname").withAddress("n1").endAddress()
          .addNewAddress().withType("InternalIP").withAddress("127.0.0.11").endAddress().endStatus().build(),
      new NodeBuilder().withNewMetadata().withName("n2").endMetadata().withNewStatus()
          .addNewAddress().withType("InternalIP").withAddress("127.0.0.12").endAddress().endStatus().build());

  static ServiceBuilder service(Object... ports) {
    ServiceBuilder b = new ServiceBuilder().withNewMetadata().withName("web").withNamespace("default")
        .withLabels(Map.of("team", "a")).endMetadata()
        .withNewSpec().withSelector(Map.of("app", "web")).withClusterIP("10.0.0.5").endSpec();
    for (int i = 0; i < ports.length; i += 4) {
      b.editSpec().addToPorts(new ServicePortBuilder().withName((String) ports[i]).withPort((Integer) ports[i + 1])
          .withTargetPort(ports[i + 2] instanceof Integer n ? new IntOrString(n) : new IntOrString((String) ports[i + 2]))
          .withProtocol((String) ports[i + 3]).build()).endSpec();
    }
    return b;
  }

  /** A running, ready pod on a node with container "c" exposing http 8080/TCP and dns 53/UDP. */
  static PodBuilder pod(String name, String node, String published) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").withUid("uid-" + name)
        .withLabels(Map.of("app", "web")).endMetadata()
        .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("busybox")
        .withPorts(new ContainerPortBuilder().withName("http").withContainerPort(8080).build(),
            new ContainerPortBuilder().withName("dns").withContainerPort(53).withProtocol("UDP").build())
        .endContainer().endSpec()
        .withNewStatus().withPhase("Running").withHostIP(node.equals("n1") ? "127.0.0.11" : "127.0.0.12")
        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus();
    if (published != null) {
      b.editMetadata().addToAnnotations(PublishedPorts.ANNOTATION, published).endMetadata();
    }
    return b;
  }

  static Pod ready(String name, String node, int httpHostPort) {
    return pod(name, node, "{\"c/8080/TCP\":" + httpHostPort + ",\"c/53/UDP\":" + (httpHostPort + 1) + "}").build();
  }

  static String addr(String ip, String node, String pod) {
    return "{ip:'" + ip + "',nodeName:'" + node + "',targetRef:{kind:'Pod',namespace:'default',name:'" + pod
        + "',uid:'uid-" + pod + "'}}";
  }

  static Stream<Arguments> cases() {
    Service http = service("http", 80, 8080, "TCP").build();
    return Stream.of(
        Arguments.of("ready pods on two nodes: one subset per published port", http,
            List.of(ready("b", "n2", 30001), ready("a", "n1", 30000)),
            "[{addresses:[" + addr("127.0.0.11", "n1", "a") + "],"
                + "ports:[{name:'http',port:30000,protocol:'TCP'}]},"
                + "{addresses:[" + addr("127.0.0.12", "n2", "b") + "],"
                + "ports:[{name:'http',port:30001,protocol:'TCP'}]}]"),
        Arguments.of("named target port", service("http", 80, "http", "TCP").build(),
            List.of(ready("a", "n1", 30000)),
            "[{addresses:[" + addr("127.0.0.11", "n1", "a") + "],"
                + "ports:[{name:'http',port:30000,protocol:'TCP'}]}]"),
        Arguments.of("UDP port by protocol", service("dns", 53, 53, "UDP").build(),
            List.of(ready("a", "n1", 30000)),
            "[{addresses:[" + addr("127.0.0.11", "n1", "a") + "],"
                + "ports:[{name:'dns',port:30001,protocol:'UDP'}]}]"),
        Arguments.of("two ports, sorted by name", service("web", 80, "http", "TCP", "dns", 53, "dns", "UDP").build(),
            List.of(ready("a", "n1", 30000)),
            "[{addresses:[" + addr("127.0.0.11", "n1", "a") + "],"
                + "ports:[{name:'dns',port:30001,protocol:'UDP'},{name:'web',port:30000,protocol:'TCP'}]}]"),
        Arguments.of("same explicit host port on two nodes shares a subset", http,
            List.of(pod("b", "n2", null).editSpec().editFirstContainer().editFirstPort().withHostPort(8080).endPort()
                    .endContainer().endSpec().build(),
                pod("a", "n1", null).editSpec().editFirstContainer().editFirstPort().withHostPort(8080).endPort()
                    .endContainer().endSpec().build()),
            "[{addresses:[" + addr("127.0.0.11", "n1", "a") + "," + addr("127.0.0.12", "n2", "b")
                + "],ports:[{name:'http',port:8080,protocol:'TCP'}]}]"),
        Arguments.of("not ready pods go under notReadyAddresses", http,
            List.of(pod("a", "n1", "{\"c/8080/TCP\":30000}").editStatus().editFirstCondition().withStatus("False")
                .endCondition().endStatus().build(),
                pod("b", "n1", "{\"c/8080/TCP\":30000}").editStatus().withPhase("Pending").endStatus().build()),
            "[{notReadyAddresses:[" + addr("127.0.0.11", "n1", "a") + "," + addr("127.0.0.11", "n1", "b")
                + "],ports:[{name:'http',port:30000,protocol:'TCP'}]}]"),
        Arguments.of("publishNotReadyAddresses lists them as ready",
            service("http", 80, 8080, "TCP").editSpec().withPublishNotReadyAddresses(true).endSpec().build(),
            List.of(pod("a", "n1", "{\"c/8080/TCP\":30000}").editStatus().editFirstCondition().withStatus("False")
                .endCondition().endStatus().build()),
            "[{addresses:[" + addr("127.0.0.11", "n1", "a") + "],"
                + "ports:[{name:'http',port:30000,protocol:'TCP'}]}]"),
        Arguments.of("the node's InternalIP stands in for a missing hostIP", http,
            List.of(pod("a", "n1", "{\"c/8080/TCP\":30000}").editStatus().withHostIP(null).endStatus().build()),
            "[{addresses:[" + addr("127.0.0.11", "n1", "a") + "],"
                + "ports:[{name:'http',port:30000,protocol:'TCP'}]}]"),
        Arguments.of("pods left out: terminal, deleting, unmatched, other namespace, unpublished, unplaced", http,
            List.of(ready("ok", "n1", 30000),
                pod("failed", "n1", "{\"c/8080/TCP\":1}").editStatus().withPhase("Failed").endStatus().build(),
                pod("deleting", "n1", "{\"c/8080/TCP\":2}").editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z")
                    .endMetadata().build(),
                pod("other", "n1", "{\"c/8080/TCP\":3}").editMetadata().withLabels(Map.of("app", "db")).endMetadata().build(),
                pod("elsewhere", "n1", "{\"c/8080/TCP\":4}").editMetadata().withNamespace("prod").endMetadata().build(),
                pod("unpublished", "n1", null).build(),
                pod("unplaced", "n1", "{\"c/8080/TCP\":5}").editSpec().withNodeName(null).endSpec()
                    .editStatus().withHostIP(null).endStatus().build()),
            "[{addresses:[" + addr("127.0.0.11", "n1", "ok") + "],"
                + "ports:[{name:'http',port:30000,protocol:'TCP'}]}]"),
        Arguments.of("no pods: no subsets", http, List.of(), "[]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void computes(String name, Service service, List<Pod> pods, String expectedSubsets) {
    Endpoints endpoints = ServiceEndpoints.compute(service, pods, NODES).orElseThrow();
    assertEquals("web", endpoints.getMetadata().getName());
    assertEquals("default", endpoints.getMetadata().getNamespace());
    assertEquals(Map.of("team", "a"), endpoints.getMetadata().getLabels());
    assertEquals(json(expectedSubsets), Json.MAPPER.valueToTree(endpoints.getSubsets()));
  }

  @Test
  void aServiceWithoutSelectorIsNotManaged() {
    Service manual = service("http", 80, 8080, "TCP").editSpec().withSelector(null).endSpec().build();
    assertTrue(ServiceEndpoints.compute(manual, List.of(ready("a", "n1", 30000)), NODES).isEmpty());
  }

  @Test
  void headlessServicesAreLabelled() {
    Service headless = service("http", 80, 8080, "TCP").editSpec().withClusterIP("None").endSpec().build();
    Endpoints e = ServiceEndpoints.compute(headless, List.of(), NODES).orElseThrow();
    assertEquals(Map.of("team", "a", "service.kubernetes.io/headless", ""), e.getMetadata().getLabels());
  }

  @Test
  void orderOfInputDoesNotMatterAndChangesAreSeen() {
    Service svc = service("http", 80, "http", "TCP", "dns", 53, 53, "UDP").build();
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      pods.add(ready("p" + i, i % 2 == 0 ? "n1" : "n2", 31000 + 2 * i));
    }
    pods.add(pod("x", "n1", "{\"c/8080/TCP\":32000}").editStatus().editFirstCondition().withStatus("False")
        .endCondition().endStatus().build());
    Endpoints first = ServiceEndpoints.compute(svc, pods, NODES).orElseThrow();
    List<Pod> shuffled = new ArrayList<>(pods);
    Collections.shuffle(shuffled, new Random(3));
    Endpoints second = ServiceEndpoints.compute(svc, shuffled, NODES).orElseThrow();
    assertEquals(first, second);
    assertTrue(ServiceEndpoints.sameContent(first, second));

    // the stored object carries metadata the computed one lacks; content still compares equal
    Endpoints stored = Json.copy(second);
    stored.getMetadata().setResourceVersion("17");
    stored.getMetadata().setUid("e-uid");
    assertTrue(ServiceEndpoints.sameContent(first, stored));
    Endpoints readBack = Json.read(Json.bytes(first), Endpoints.class);
    assertEquals(first, readBack, "a JSON round trip (store, watch) gives an equal object");

    shuffled.set(0, ready(shuffled.get(0).getMetadata().getName(), "n1", 39000));
    Endpoints changed = ServiceEndpoints.compute(svc, shuffled, NODES).orElseThrow();
    assertFalse(ServiceEndpoints.sameContent(first, changed));
    assertEquals(9, first.getSubsets().size(), "each pod publishes its own ports, so each has a subset");
  }
}
