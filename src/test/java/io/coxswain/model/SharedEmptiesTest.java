package io.coxswain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedEmptiesTest {
  private static final String POD = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\","
      + "\"namespace\":\"shop\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"nodeName\":\"node-7\",\"containers\":[{"
      + "\"name\":\"c\",\"image\":\"coxswain/busybox:1\",\"command\":[\"sleep\",\"3600\"],"
      + "\"resources\":{\"requests\":{\"cpu\":\"100m\"}}}]},"
      + "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}";

  private static Pod decode() {
    return Json.read(POD.getBytes(StandardCharsets.UTF_8), Pod.class);
  }

  @Test
  void emptyListsAndMapsBecomeTheSharedEmptiesAtEveryLevel() {
    Pod a = SharedEmpties.share(decode());
    Pod b = SharedEmpties.share(decode());
    // the pod's own, and those of the objects it holds: in fields, in lists and as map values
    assertSame(Collections.emptyMap(), a.getAdditionalProperties());
    assertSame(Collections.emptyMap(), a.getMetadata().getAnnotations());
    assertSame(Collections.emptyList(), a.getMetadata().getOwnerReferences());
    assertSame(Collections.emptyList(), a.getSpec().getVolumes());
    Container c = a.getSpec().getContainers().get(0);
    assertSame(Collections.emptyList(), c.getEnv());
    assertSame(Collections.emptyMap(), c.getAdditionalProperties());
    assertSame(Collections.emptyMap(), c.getResources().getLimits());
    Quantity cpu = c.getResources().getRequests().get("cpu");
    assertSame(Collections.emptyMap(), cpu.getAdditionalProperties());
    assertSame(Collections.emptyMap(), a.getStatus().getConditions().get(0).getAdditionalProperties());
    assertSame(a.getSpec().getTolerations(), b.getSpec().getTolerations());
  }

  @Test
  void contentEqualityHashesAndJsonAreThoseOfTheObjectBefore() {
    Pod plain = decode();
    Pod shared = SharedEmpties.share(decode());
    assertNotSame(plain.getSpec().getVolumes(), shared.getSpec().getVolumes());
    assertEquals(plain, shared);
    assertEquals(shared, plain);
    assertEquals(plain.hashCode(), shared.hashCode());
    assertEquals(Json.string(plain), Json.string(shared));
    // what has elements stays as it was
    assertEquals(Map.of("app", "web"), shared.getMetadata().getLabels());
    assertEquals(List.of("sleep", "3600"), shared.getSpec().getContainers().get(0).getCommand());
    assertEquals("100m", shared.getSpec().getContainers().get(0).getResources().getRequests().get("cpu").toString());
    assertEquals("Ready", shared.getStatus().getConditions().get(0).getType());
  }

  @Test
  void aCopyMadeWithABuilderCanBeChangedTheSharedObjectCannot() {
    Pod shared = SharedEmpties.share(decode());
    Pod copy = new PodBuilder(shared).editMetadata().addToAnnotations("note", "x").addToFinalizers("f").endMetadata()
        .editSpec().addNewVolume().withName("v").withNewEmptyDir().endEmptyDir().endVolume().endSpec().build();
    assertEquals(Map.of("note", "x"), copy.getMetadata().getAnnotations());
    assertEquals(List.of("f"), copy.getMetadata().getFinalizers());
    assertEquals("v", copy.getSpec().getVolumes().get(0).getName());
    assertEquals(Map.of(), shared.getMetadata().getAnnotations());
    // the cache's contract: copy before changing
    assertThrows(UnsupportedOperationException.class, () -> shared.getMetadata().getFinalizers().add("f"));
  }

  @Test
  void nullIsNull() {
    assertNull(SharedEmpties.share(null));
  }
}
