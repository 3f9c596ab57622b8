package io.coxswain.api.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coxswain.model.Json;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceAllocationsTest {
  private final ServiceAllocations alloc = new ServiceAllocations("127.100.0.0/16", 30000, 32767, new Random(7));

  private static ObjectNode svc(String json) {
    return (ObjectNode) Json.tree(json.getBytes());
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/24", "192.168.0.0/16", "127.0.0.0", "127.0.0.0/31", "bogus/8"})
  void refusesRangesOutside127Slash8OrMalformed(String cidr) {
    assertThrows(IllegalArgumentException.class, () -> new ServiceAllocations(cidr, 30000, 32767, new Random()));
  }

  @ParameterizedTest
  @CsvSource({"127.100.0.1,true", "127.100.255.254,true", "127.100.0.0,false", "127.100.255.255,false",
      "127.101.0.1,false", "10.0.0.1,false", "nonsense,false"})
  void containsOnlyHostAddressesOfTheRange(String ip, boolean expected) {
    assertEquals(expected, alloc.contains(ip));
  }

  @Test
  void randomIpsStayInTheRange() {
    for (int i = 0; i < 1000; i++) {
      assertTrue(alloc.contains(alloc.randomIp()));
    }
  }

  @Test
  void allocatesClusterIpAndNodePortsAndNamesTheirKeys() {
    ObjectNode s = svc("{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80},{\"port\":81,\"nodePort\":30500}]}}");
    Set<String> given = alloc.allocate(s, null);
    String ip = s.path("spec").path("clusterIP").asText();
    int np = s.path("spec").path("ports").get(0).path("nodePort").asInt();
    assertTrue(alloc.contains(ip));
    assertTrue(np >= 30000 && np <= 32767 && np != 30500);
    assertEquals(Set.of(ServiceAllocations.PORT_PREFIX + 30500), given);
    assertEquals(Set.of(ServiceAllocations.IP_PREFIX + ip, ServiceAllocations.PORT_PREFIX + np,
        ServiceAllocations.PORT_PREFIX + 30500), ServiceAllocations.keysOf(s));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"spec\":{\"clusterIP\":\"None\"}}                       | 0",
      "{\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"x\"}} | 0",
      "{\"spec\":{\"clusterIP\":\"127.100.3.4\"}}                | 1"})
  void headlessAndExternalNameServicesHoldNoIp(String json, int keys) {
    ObjectNode s = svc(json);
    alloc.allocate(s, null);
    assertEquals(keys, ServiceAllocations.keysOf(s).size());
  }

  @Test
  void updateKeepsTheOldIpAndPorts() {
    ObjectNode old = svc("{\"spec\":{\"type\":\"NodePort\",\"clusterIP\":\"127.100.0.9\",\"ports\":[{\"port\":80,\"nodePort\":31000}]}}");
    ObjectNode updated = svc("{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80}]}}");
    assertEquals(Set.of(), alloc.allocate(updated, old));
    assertEquals("127.100.0.9", updated.path("spec").path("clusterIP").asText());
    assertEquals(31000, updated.path("spec").path("ports").get(0).path("nodePort").asInt());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"spec\":{\"clusterIP\":\"10.0.0.1\"}}                                  | spec.clusterIP",
      "{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":1,\"nodePort\":80}]}} | spec.ports[0].nodePort"})
  void outOfRangeValuesAreFieldErrors(String json, String field) {
    var errors = alloc.check(svc(json));
    assertEquals(1, errors.size());
    assertEquals(field, errors.get(0).field());
  }
}
