package io.coxswain.api.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Nodes, namespaces, endpoints, events and bindings. */
class ClusterObjectStrategiesTest {
  static final String NODE = """
      apiVersion: v1
      kind: Node
      metadata: {name: node-1, uid: "n1"}
      spec:
        podCIDR: 10.244.1.0/24
      status:
        capacity: {cpu: "2", memory: 4Gi, pods: "110"}
        conditions:
        - {type: Ready, status: "True"}
      """;
  static final String EP = """
      apiVersion: v1
      kind: Endpoints
      metadata: {name: web, namespace: default}
      subsets:
      - addresses:
        - {ip: 127.0.0.2, nodeName: node-1}
        ports:
        - {name: http, port: 32001}
        - {name: alt, port: 32002, protocol: UDP}
      """;
  static final String EVENT = """
      apiVersion: v1
      kind: Event
      metadata: {name: web.1, namespace: default}
      involvedObject: {kind: Pod, name: web, namespace: default}
      reason: Scheduled
      type: Normal
      message: assigned
      """;

  private final CoreResources core = new CoreResources();

  static <T extends HasMetadata> Arguments bad(String name, String yaml, Class<T> type, Consumer<T> change, String field,
      FieldError.Type errorType) {
    return Arguments.of(name, yaml, type, change, field, errorType);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad("node in a namespace", NODE, Node.class, n -> n.getMetadata().setNamespace("default"), "metadata.namespace",
            FieldError.Type.FORBIDDEN),
        bad("node bad cidr", NODE, Node.class, n -> n.getSpec().setPodCIDRs(List.of("10.244.1.0/40")), "spec.podCIDRs[0]",
            FieldError.Type.INVALID),
        bad("taint without effect", NODE, Node.class, n -> n.getSpec().setTaints(List.of(
            new io.fabric8.kubernetes.api.model.TaintBuilder().withKey("k").build())), "spec.taints[0].effect", FieldError.Type.REQUIRED),
        bad("taint bad effect", NODE, Node.class, n -> n.getSpec().setTaints(List.of(
            new io.fabric8.kubernetes.api.model.TaintBuilder().withKey("k").withEffect("Never").build())), "spec.taints[0].effect",
            FieldError.Type.NOT_SUPPORTED),
        bad("duplicate taint", NODE, Node.class, n -> n.getSpec().setTaints(List.of(
            new io.fabric8.kubernetes.api.model.TaintBuilder().withKey("k").withEffect("NoSchedule").build(),
            new io.fabric8.kubernetes.api.model.TaintBuilder().withKey("k").withValue("v").withEffect("NoSchedule").build())),
            "spec.taints[1]", FieldError.Type.DUPLICATE),
        bad("bad capacity", NODE, Node.class, n -> n.getStatus().setCapacity(Map.of("cpu", new Quantity("-1"))),
            "status.capacity[cpu]", FieldError.Type.INVALID),
        bad("namespace dotted", "metadata: {name: team.a}", Namespace.class, n -> { }, "metadata.name", FieldError.Type.INVALID),
        bad("namespace bad finalizer", "metadata: {name: team}\nspec: {finalizers: [mine]}", Namespace.class, n -> { },
            "spec.finalizers", FieldError.Type.INVALID),
        bad("endpoint bad ip", EP, Endpoints.class, e -> e.getSubsets().get(0).getAddresses().get(0).setIp("node-1"),
            "subsets[0].addresses[0].ip", FieldError.Type.INVALID),
        bad("endpoint port range", EP, Endpoints.class, e -> e.getSubsets().get(0).getPorts().get(0).setPort(0),
            "subsets[0].ports[0].port", FieldError.Type.INVALID),
        bad("endpoint unnamed port", EP, Endpoints.class, e -> e.getSubsets().get(0).getPorts().get(1).setName(null),
            "subsets[0].ports[1].name", FieldError.Type.REQUIRED),
        bad("endpoint protocol", EP, Endpoints.class, e -> e.getSubsets().get(0).getPorts().get(1).setProtocol("IP"),
            "subsets[0].ports[1].protocol", FieldError.Type.NOT_SUPPORTED),
        bad("event other namespace", EVENT, Event.class, e -> e.getInvolvedObject().setNamespace("kube-system"),
            "involvedObject.namespace", FieldError.Type.INVALID),
        bad("event type", EVENT, Event.class, e -> e.setType("Info"), "type", FieldError.Type.NOT_SUPPORTED),
        bad("binding target kind", "metadata: {name: web, namespace: default}\ntarget: {kind: Pod, name: node-1}", Binding.class,
            b -> { }, "target.kind", FieldError.Type.NOT_SUPPORTED),
        bad("binding without node", "metadata: {name: web, namespace: default}\ntarget: {kind: Node}", Binding.class,
            b -> { }, "target.name", FieldError.Type.REQUIRED));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  @ParameterizedTest(name = "{0}: {4} {5}")
  @MethodSource("invalid")
  void validationReportsFieldAndType(String name, String yaml, Class type, Consumer change, String field, FieldError.Type errorType) {
    HasMetadata obj = (HasMetadata) Manifests.read(yaml, type);
    Strategy strategy = core.all().stream().filter(r -> r.type() == type).findFirst().orElseThrow().strategy();
    strategy.prepareForCreate(obj);
    assertTrue(strategy.validate(obj).isEmpty() || !yaml.equals(NODE) && !yaml.equals(EP) && !yaml.equals(EVENT),
        () -> "base object is valid: " + strategy.validate(obj));
    change.accept(obj);
    List<FieldError> errors = strategy.validate(obj);
    assertTrue(errors.stream().anyMatch(e -> e.field().equals(field) && e.type() == errorType),
        () -> "expected " + errorType + " at " + field + " in " + errors);
  }

  @Test
  void nodeDefaultsAndSeparation() {
    NodeStrategy nodes = core.nodes();
    Node node = Manifests.read(NODE, Node.class);
    nodes.prepareForCreate(node);
    assertEquals(node.getStatus().getCapacity(), node.getStatus().getAllocatable());
    assertEquals(List.of("10.244.1.0/24"), node.getSpec().getPodCIDRs());
    assertEquals("Ready", node.getStatus().getConditions().get(0).getType(), "a kubelet registers with its status");

    Node cordon = Json.copy(node);
    cordon.getSpec().setUnschedulable(true);
    cordon.getStatus().setConditions(List.of());
    nodes.prepareForUpdate(cordon, node);
    assertEquals(1, cordon.getStatus().getConditions().size());
    assertTrue(nodes.specChanged(cordon, node));
    assertTrue(nodes.validateUpdate(cordon, node).isEmpty());

    Node heartbeat = Json.copy(node);
    heartbeat.getSpec().setUnschedulable(true);
    heartbeat.getStatus().getConditions().get(0).setStatus("False");
    nodes.forStatus().prepareForUpdate(heartbeat, node);
    assertNull(heartbeat.getSpec().getUnschedulable());
    assertEquals("False", heartbeat.getStatus().getConditions().get(0).getStatus());

    Node recidr = Json.copy(node);
    recidr.getSpec().setPodCIDR("10.244.2.0/24");
    recidr.getSpec().setPodCIDRs(List.of("10.244.2.0/24"));
    nodes.prepareForUpdate(recidr, node);
    assertEquals(List.of("spec.podCIDRs"), nodes.validateUpdate(recidr, node).stream().map(FieldError::field).toList());
  }

  @Test
  void namespaceLifecycle() {
    NamespaceStrategy namespaces = core.namespaces();
    Namespace ns = Manifests.read("metadata: {name: team, uid: t1}", Namespace.class);
    namespaces.prepareForCreate(ns);
    assertEquals("Active", ns.getStatus().getPhase());
    assertEquals(List.of("kubernetes"), ns.getSpec().getFinalizers());
    assertEquals("team", ns.getMetadata().getLabels().get("kubernetes.io/metadata.name"));
    assertTrue(namespaces.validate(ns).isEmpty(), () -> namespaces.validate(ns).toString());

    Namespace update = Json.copy(ns);
    update.getSpec().setFinalizers(List.of());
    update.getStatus().setPhase("Terminating");
    update.getMetadata().setLabels(Map.of("owner", "me"));
    namespaces.prepareForUpdate(update, ns);
    assertEquals(List.of("kubernetes"), update.getSpec().getFinalizers());
    assertEquals("Active", update.getStatus().getPhase());
    assertEquals(Map.of("owner", "me", "kubernetes.io/metadata.name", "team"), update.getMetadata().getLabels());

    Namespace terminating = Json.copy(ns);
    terminating.getStatus().setPhase("Terminating");
    Strategy<Namespace> status = namespaces.forStatus();
    status.prepareForUpdate(terminating, ns);
    assertEquals(List.of("status.Phase"), status.validateUpdate(terminating, ns).stream().map(FieldError::field).toList());
    terminating.getMetadata().setDeletionTimestamp("2025-01-01T00:00:00Z");
    assertTrue(status.validateUpdate(terminating, ns).isEmpty());

    Namespace finalized = Json.copy(terminating);
    finalized.getSpec().setFinalizers(new ArrayList<>());
    finalized.getStatus().setPhase("Active");
    Strategy<Namespace> finalize = namespaces.forFinalize();
    finalize.prepareForUpdate(finalized, terminating);
    assertTrue(finalized.getSpec().getFinalizers().isEmpty());
    assertEquals("Terminating", finalized.getStatus().getPhase());
    assertTrue(core.strategyFor("namespaces", "finalize").orElseThrow() == finalize);
  }

  @Test
  void endpointsAcceptLoopbackAndDefaultProtocol() {
    Endpoints ep = Manifests.read(EP, Endpoints.class);
    core.endpoints().prepareForCreate(ep);
    assertEquals("TCP", ep.getSubsets().get(0).getPorts().get(0).getProtocol());
    assertTrue(core.endpoints().validate(ep).isEmpty(), () -> core.endpoints().validate(ep).toString());
  }

  @Test
  void eventsMayBeUpdated() {
    Event old = Manifests.read(EVENT, Event.class);
    Event e = Json.copy(old);
    e.setCount(2);
    core.events().prepareForUpdate(e, old);
    assertTrue(core.events().validateUpdate(e, old).isEmpty());
    assertFalse(core.events().specChanged(e, old));
  }

  @Test
  void bindingSetsTheNodeOnce() {
    Pod pod = Manifests.read(PodStrategyTest.POD, Pod.class);
    core.pods().prepareForCreate(pod);
    Binding binding = Manifests.read("""
        metadata: {name: web, namespace: default, annotations: {scheduled-by: test}}
        target: {kind: Node, name: node-1}
        """, Binding.class);
    assertTrue(core.bindings().validate(binding).isEmpty());
    assertNull(BindingStrategy.conflict(pod, binding));
    BindingStrategy.bind(pod, binding, Instant.parse("2025-01-01T00:00:05.123Z"));
    assertEquals("node-1", pod.getSpec().getNodeName());
    assertEquals("test", pod.getMetadata().getAnnotations().get("scheduled-by"));
    var cond = pod.getStatus().getConditions().get(0);
    assertEquals(List.of("PodScheduled", "True", "2025-01-01T00:00:05Z"),
        List.of(cond.getType(), cond.getStatus(), cond.getLastTransitionTime()));
    assertEquals("pod web is already assigned to node \"node-1\"", BindingStrategy.conflict(pod, binding));

    Pod deleting = Manifests.read(PodStrategyTest.POD, Pod.class);
    deleting.getMetadata().setDeletionTimestamp("2025-01-01T00:00:00Z");
    assertNotNull(BindingStrategy.conflict(deleting, binding));
  }

  @Test
  void catalogDescribesTheCoreResources() {
    assertEquals(List.of("bindings", "endpoints", "events", "namespaces", "nodes", "pods", "replicationcontrollers", "services"),
        core.all().stream().map(CoreResources.Resource::resource).toList());
    for (String shortName : List.of("po", "svc", "rc", "no", "ep", "ns", "ev")) {
      assertTrue(core.find(shortName).isPresent(), shortName);
    }
    CoreResources.Resource pods = core.find("po").orElseThrow();
    assertEquals("Pod", pods.kind());
    assertTrue(pods.namespaced());
    assertEquals(List.of("status", "binding", "log", "exec"), pods.subresources().stream().map(CoreResources.Subresource::name).toList());
    assertEquals("autoscaling", core.find("rc").orElseThrow().subresource("scale").orElseThrow().group());
    assertFalse(core.find("nodes").orElseThrow().namespaced());
    assertFalse(core.find("ns").orElseThrow().namespaced());
    assertEquals(List.of("create"), core.find("bindings").orElseThrow().verbs());
    for (CoreResources.Resource r : core.all()) {
      assertEquals(r.resource(), r.strategy().resource());
      assertEquals(r.kind(), r.strategy().kind());
      assertEquals(r.namespaced(), r.strategy().namespaced());
      assertEquals(r.type(), r.strategy().type());
      boolean hasStatus = r.subresource("status").isPresent();
      assertEquals(hasStatus, r.strategy().forStatus() != null, r.resource());
      assertEquals(hasStatus, core.strategyFor(r.resource(), "status").isPresent(), r.resource());
    }
    assertTrue(core.strategyFor("pods", "binding").orElseThrow() == core.bindings());
    assertTrue(core.strategyFor("pods", "log").isEmpty());
  }
}
