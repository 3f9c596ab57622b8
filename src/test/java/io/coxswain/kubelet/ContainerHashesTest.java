package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import org.junit.jupiter.api.Test;

class ContainerHashesTest {
  private static Container container(String image) {
    return new ContainerBuilder().withName("app").withImage(image).withCommand("sleep", "3600").build();
  }

  @Test
  void aContainerIsHashedOnceWhileItIsTheSameObject() {
    ContainerHashes hashes = new ContainerHashes();
    Container c = container("busybox:1");
    String first = hashes.of("u1", c);
    assertEquals(ContainerSpecs.hash(c), first);
    assertSame(first, hashes.of("u1", c), "kept, not computed again");
    // an equal spec as another object (the pod came again from the watch): computed again, same value
    Container again = container("busybox:1");
    String second = hashes.of("u1", again);
    assertNotSame(first, second);
    assertEquals(first, second);
    // a changed spec under the same name: its own hash
    assertNotEquals(first, hashes.of("u1", container("busybox:2")));
    assertEquals(1, hashes.pods());
    hashes.of("u2", c);
    assertEquals(2, hashes.pods());
    hashes.forget("u1");
    assertEquals(1, hashes.pods());
    assertEquals(ContainerSpecs.hash(c), hashes.of(null, c), "no uid: computed, not kept");
    assertEquals(1, hashes.pods());
  }
}
