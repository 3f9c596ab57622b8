package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PortForwardTest {
  private static Pod pod(String spec, String annotations) {
    return Json.read(("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"annotations\":" + annotations
        + "},\"spec\":" + spec + "}").getBytes(), Pod.class);
  }

  @Test
  void aDeclaredPortIsReachedThroughThePortItsNodePublishes() {
    Pod p = pod("{\"containers\":[{\"name\":\"web\",\"image\":\"i\",\"ports\":[{\"containerPort\":8080},"
        + "{\"containerPort\":53,\"protocol\":\"UDP\"}]},{\"name\":\"side\",\"image\":\"i\",\"ports\":"
        + "[{\"containerPort\":9000,\"hostPort\":19000}]}]}",
        "{\"coxswain.io/published-ports\":\"{\\\"web/8080/TCP\\\":32768,\\\"web/53/UDP\\\":32769}\"}");
    assertEquals(Optional.of(32768), PortForward.reachablePort(p, 8080));
    assertEquals(Optional.of(19000), PortForward.reachablePort(p, 9000), "a hostPort is the published port");
    assertEquals(Optional.empty(), PortForward.reachablePort(p, 53), "UDP is not forwarded");
    assertEquals(Optional.empty(), PortForward.reachablePort(p, 7777), "not declared");
  }

  @Test
  void aDeclaredPortNotYetPublishedAndAHostNetworkPod() {
    Pod starting = pod("{\"containers\":[{\"name\":\"web\",\"image\":\"i\",\"ports\":[{\"containerPort\":8080}]}]}", "{}");
    assertEquals(Optional.empty(), PortForward.reachablePort(starting, 8080));
    Pod host = pod("{\"hostNetwork\":true,\"containers\":[{\"name\":\"web\",\"image\":\"i\"}]}", "{}");
    assertEquals(Optional.of(7777), PortForward.reachablePort(host, 7777), "the node's own port");
  }
}
