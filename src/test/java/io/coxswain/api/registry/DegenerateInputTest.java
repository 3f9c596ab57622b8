package io.coxswain.api.registry;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.coxswain.api.table.Printers;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Half-empty objects are reported as invalid, never answered with an exception, in every strategy and printer. */
class DegenerateInputTest {
  static final List<String> SHAPES = List.of(
      "{}",
      "metadata: {}",
      "metadata: {name: Bad_Name}\nspec: {}",
      "metadata: {name: Bad_Name}\nspec: {containers: [{}], initContainers: [{}], volumes: [{}], tolerations: [{}]}",
      "metadata: {name: Bad_Name}\nspec: {containers: [{ports: [{}], env: [{}], volumeMounts: [{}], resources: {limits: {cpu: lots}}}]}",
      "metadata: {name: Bad_Name}\nspec: {ports: [{}], template: {}, selector: {'': ''}, taints: [{}], finalizers: ['']}",
      "metadata: {name: Bad_Name}\nspec: {template: {spec: {}}}\nstatus: {}",
      "metadata: {name: Bad_Name, labels: {'': ''}, annotations: {'': ''}, ownerReferences: [{}]}\nsubsets: [{addresses: [{}], ports: [{}]}]",
      "metadata: {name: Bad_Name}\ninvolvedObject: {}\ntarget: {}\nstatus: {containerStatuses: [{}], podIPs: [{}], loadBalancer: {ingress: [{}]}}");

  static Stream<Arguments> cases() {
    CoreResources core = new CoreResources();
    return core.all().stream().flatMap(r -> SHAPES.stream().map(shape -> Arguments.of(r.resource(), shape, r)));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("cases")
  void reportedNotThrown(String resource, String shape, CoreResources.Resource r) {
    HasMetadata obj = (HasMetadata) Manifests.read(shape, r.type());
    if (obj.getMetadata() == null) {
      obj.setMetadata(new ObjectMeta());
    }
    Strategy s = r.strategy();
    assertDoesNotThrow(() -> s.prepareForCreate(obj));
    List<FieldError> errors = assertDoesNotThrow(() -> (List<FieldError>) s.validate(obj));
    assertFalse(errors.isEmpty(), "a nameless or badly named object is invalid");
    HasMetadata old = Json.copy(obj);
    HasMetadata update = Json.copy(obj);
    assertDoesNotThrow(() -> s.prepareForUpdate(update, old));
    assertFalse(assertDoesNotThrow(() -> (List<FieldError>) s.validateUpdate(update, old)).isEmpty());
    assertDoesNotThrow(() -> s.specChanged(update, old));
    if (s.forStatus() != null) {
      Strategy status = s.forStatus();
      HasMetadata st = Json.copy(obj);
      assertDoesNotThrow(() -> status.prepareForUpdate(st, old));
      assertDoesNotThrow(() -> status.validateUpdate(st, old));
    }
    HasMetadata printed = Json.copy(obj);
    List<Object> cells = assertDoesNotThrow(() -> new Printers().forResource(resource).cellsOf(printed, Instant.EPOCH));
    assertFalse(cells.isEmpty());
  }
}
