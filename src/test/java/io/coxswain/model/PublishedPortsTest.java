package io.coxswain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PublishedPortsTest {
  @Test
  void formatsSortedAndParsesBack() {
    PublishedPorts ports = PublishedPorts.of(List.of(
        new PublishedPorts.Port("web", 80, "TCP", 32768),
        new PublishedPorts.Port("dns", 53, "UDP", 32769),
        new PublishedPorts.Port("app", 8080, null, 8080)));
    assertEquals("{\"app/8080/TCP\":8080,\"dns/53/UDP\":32769,\"web/80/TCP\":32768}", ports.format());
    assertEquals(ports, PublishedPorts.parse(ports.format()));
    assertEquals(OptionalInt.of(32769), ports.hostPort("dns", 53, "UDP"));
    assertEquals(OptionalInt.of(8080), ports.hostPort("app", 8080, null));
    assertEquals(OptionalInt.empty(), ports.hostPort("dns", 53, "TCP"));
  }

  @Test
  void readsFromPodAnnotation() {
    var pod = new PodBuilder().withNewMetadata().withName("p")
        .addToAnnotations(PublishedPorts.ANNOTATION, "{\"web/80/TCP\":40000}").endMetadata().build();
    assertEquals(OptionalInt.of(40000), PublishedPorts.fromPod(pod).hostPort("web", 80, "TCP"));
    var bare = new PodBuilder().withNewMetadata().withName("p").endMetadata().build();
    assertTrue(PublishedPorts.fromPod(bare).isEmpty());
    var broken = new PodBuilder().withNewMetadata().withName("p")
        .addToAnnotations(PublishedPorts.ANNOTATION, "nonsense").endMetadata().build();
    assertTrue(PublishedPorts.fromPod(broken).isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"[1]", "{\"web/80\":1}", "{\"web/x/TCP\":1}", "{\"web/80/TCP\":\"1\"}",
      "{\"web/80/TCP\":70000}", "{\"/80/TCP\":1}", "{"})
  void rejectsMalformed(String value) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PublishedPorts.parse(value));
    assertTrue(e.getMessage().startsWith(PublishedPorts.ANNOTATION), e.getMessage());
  }
}
