package io.coxswain.api.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.ReplicationController;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReplicationControllerStrategyTest {
  static final String RC = """
      apiVersion: v1
      kind: ReplicationController
      metadata: {name: web, namespace: default, uid: "1"}
      spec:
        template:
          metadata:
            labels: {app: web, tier: front}
          spec:
            containers:
            - name: web
              image: nginx
      """;

  private final ReplicationControllerStrategy strategy = new ReplicationControllerStrategy();

  ReplicationController created() {
    ReplicationController rc = Manifests.read(RC, ReplicationController.class);
    strategy.prepareForCreate(rc);
    return rc;
  }

  @Test
  void createSetsDefaults() {
    ReplicationController rc = created();
    assertEquals(1, rc.getSpec().getReplicas());
    assertEquals(Map.of("app", "web", "tier", "front"), rc.getSpec().getSelector());
    assertEquals(Map.of("app", "web", "tier", "front"), rc.getMetadata().getLabels());
    assertEquals(0, rc.getStatus().getReplicas());
    var pod = rc.getSpec().getTemplate().getSpec();
    assertEquals("Always", pod.getRestartPolicy());
    assertEquals("ClusterFirst", pod.getDnsPolicy());
    assertEquals("Always", pod.getContainers().get(0).getImagePullPolicy());
    assertTrue(strategy.validate(rc).isEmpty(), () -> strategy.validate(rc).toString());
  }

  @Test
  void explicitSelectorIsKept() {
    ReplicationController rc = Manifests.read(RC.replace("spec:\n  template:", "spec:\n  replicas: 3\n  selector: {app: web}\n  template:"),
        ReplicationController.class);
    strategy.prepareForCreate(rc);
    assertEquals(Map.of("app", "web"), rc.getSpec().getSelector());
    assertEquals(3, rc.getSpec().getReplicas());
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad("negative replicas", rc -> rc.getSpec().setReplicas(-1), "spec.replicas", FieldError.Type.INVALID),
        bad("empty selector", rc -> rc.getSpec().setSelector(Map.of()), "spec.selector", FieldError.Type.REQUIRED),
        bad("selector not matching", rc -> rc.getSpec().setSelector(Map.of("app", "db")),
            "spec.template.metadata.labels", FieldError.Type.INVALID),
        bad("bad selector value", rc -> rc.getSpec().setSelector(Map.of("app", "a b")), "spec.selector", FieldError.Type.INVALID),
        bad("no template", rc -> rc.getSpec().setTemplate(null), "spec.template", FieldError.Type.REQUIRED),
        bad("template restartPolicy", rc -> rc.getSpec().getTemplate().getSpec().setRestartPolicy("Never"),
            "spec.template.spec.restartPolicy", FieldError.Type.NOT_SUPPORTED),
        bad("template without image", rc -> rc.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(""),
            "spec.template.spec.containers[0].image", FieldError.Type.REQUIRED),
        bad("template deadline", rc -> rc.getSpec().getTemplate().getSpec().setActiveDeadlineSeconds(10L),
            "spec.template.spec.activeDeadlineSeconds", FieldError.Type.FORBIDDEN),
        bad("bad name", rc -> rc.getMetadata().setName("Web"), "metadata.name", FieldError.Type.INVALID));
  }

  static Arguments bad(String name, Consumer<ReplicationController> change, String field, FieldError.Type type) {
    return Arguments.of(name, change, field, type);
  }

  @ParameterizedTest(name = "{0}: {2} {3}")
  @MethodSource("invalid")
  void validationReportsFieldAndType(String name, Consumer<ReplicationController> change, String field, FieldError.Type type) {
    ReplicationController rc = created();
    change.accept(rc);
    List<FieldError> errors = strategy.validate(rc);
    assertTrue(errors.stream().anyMatch(e -> e.field().equals(field) && e.type() == type),
        () -> "expected " + type + " at " + field + " in " + errors);
  }

  @Test
  void selectorAndReplicasMayChangeAndBumpTheSpec() {
    ReplicationController old = created();
    ReplicationController rc = Json.copy(old);
    rc.getSpec().setReplicas(5);
    rc.getSpec().setSelector(Map.of("app", "web"));
    rc.getStatus().setReplicas(9);
    strategy.prepareForUpdate(rc, old);
    assertTrue(strategy.validateUpdate(rc, old).isEmpty());
    assertTrue(strategy.specChanged(rc, old));
    assertEquals(0, rc.getStatus().getReplicas());
  }

  @Test
  void statusUpdateKeepsSpecAndChecksCounts() {
    ReplicationController old = created();
    ReplicationController rc = Json.copy(old);
    rc.getSpec().setReplicas(7);
    rc.getStatus().setReplicas(1);
    rc.getStatus().setReadyReplicas(1);
    Strategy<ReplicationController> status = strategy.forStatus();
    status.prepareForUpdate(rc, old);
    assertEquals(1, rc.getSpec().getReplicas());
    assertFalse(status.specChanged(rc, old));
    assertTrue(status.validateUpdate(rc, old).isEmpty());
    rc.getStatus().setReadyReplicas(2);
    rc.getStatus().setFullyLabeledReplicas(-1);
    assertEquals(List.of("status.fullyLabeledReplicas", "status.readyReplicas"),
        status.validateUpdate(rc, old).stream().map(FieldError::field).toList());
  }

  @Test
  void scaleShowsDesiredAndCurrent() {
    ReplicationController rc = created();
    rc.getSpec().setReplicas(3);
    rc.getStatus().setReplicas(2);
    ObjectNode scale = ReplicationControllerStrategy.scaleOf(rc);
    assertEquals("autoscaling/v1", scale.get("apiVersion").asText());
    assertEquals(3, scale.at("/spec/replicas").asInt());
    assertEquals(2, scale.at("/status/replicas").asInt());
    assertEquals("app=web,tier=front", scale.at("/status/selector").asText());
    assertTrue(ReplicationControllerStrategy.validateScale(0).isEmpty());
    assertEquals(FieldError.Type.INVALID, ReplicationControllerStrategy.validateScale(-1).get(0).type());
    assertEquals("spec.replicas", ReplicationControllerStrategy.validateScale(null).get(0).field());
  }
}
