package io.coxswain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import org.junit.jupiter.api.Test;

class SharedPartsTest {
  /** A pod of a replication controller's template: only its name, uid, node and start differ. */
  private static String podJson(String name, String node, String cpu, String started) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"default\","
        + "\"uid\":\"uid-" + name + "\",\"labels\":{\"app\":\"web\",\"tier\":\"front\"},"
        + "\"annotations\":{\"note\":\"same text\"},\"ownerReferences\":[{\"apiVersion\":\"v1\","
        + "\"kind\":\"ReplicationController\",\"name\":\"web\",\"uid\":\"rc-1\",\"controller\":true}]},"
        + "\"spec\":{\"nodeName\":\"" + node + "\",\"containers\":[{\"name\":\"c\",\"image\":\"coxswain/busybox:1\","
        + "\"command\":[\"httpd\",\"-f\"],\"ports\":[{\"containerPort\":80}],"
        + "\"resources\":{\"requests\":{\"cpu\":\"" + cpu + "\",\"memory\":\"64Mi\"}}}],"
        + "\"tolerations\":[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\","
        + "\"tolerationSeconds\":300}],\"securityContext\":{}},"
        + "\"status\":{\"phase\":\"Running\",\"hostIP\":\"127.0.0.1\",\"hostIPs\":[{\"ip\":\"127.0.0.1\"}],"
        + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"" + started + "\"}]}}";
  }

  private static Pod decoded(String json) {
    return SharedParts.share(SharedEmpties.share(Json.read(json.getBytes(), Pod.class)));
  }

  @Test
  void podsOfOneTemplateShareTheirEqualPartsAndKeepTheirOwn() {
    Pod a = decoded(podJson("web-a", "node-1", "100m", "2026-11-27T10:00:00Z"));
    Pod b = decoded(podJson("web-b", "node-2", "100m", "2026-11-27T10:00:00Z"));

    assertSame(a.getSpec().getContainers(), b.getSpec().getContainers());
    assertSame(a.getSpec().getTolerations(), b.getSpec().getTolerations());
    assertSame(a.getMetadata().getLabels(), b.getMetadata().getLabels());
    assertSame(a.getMetadata().getOwnerReferences(), b.getMetadata().getOwnerReferences());
    assertSame(a.getStatus().getConditions(), b.getStatus().getConditions());
    assertSame(a.getStatus().getHostIPs(), b.getStatus().getHostIPs());
    // what is each pod's own stays its own
    assertNotSame(a.getSpec(), b.getSpec());
    assertEquals("node-1", a.getSpec().getNodeName());
    assertEquals("node-2", b.getSpec().getNodeName());
    assertSame(a.getMetadata().getAnnotations(), b.getMetadata().getAnnotations(), "the template's annotations");
  }

  @Test
  void annotationsWithTextOfTheirOwnStayThePodsOwn() {
    Pod a = decoded(podJson("web-g", "node-1", "100m", "2026-11-27T10:00:03Z").replace("same text", "written for g"));
    Pod b = decoded(podJson("web-h", "node-1", "100m", "2026-11-27T10:00:03Z").replace("same text", "written for h"));
    assertNotSame(a.getMetadata().getAnnotations(), b.getMetadata().getAnnotations());
    assertEquals("written for g", a.getMetadata().getAnnotations().get("note"));
    assertEquals("written for h", b.getMetadata().getAnnotations().get("note"));
    assertSame(a.getMetadata().getLabels(), b.getMetadata().getLabels());
  }

  @Test
  void aPodReadsAndEncodesAsItDidBeforeItsPartsWereShared() {
    String json = podJson("web-c", "node-1", "250m", "2026-11-27T10:00:01Z");
    decoded(podJson("web-d", "node-3", "250m", "2026-11-27T10:00:01Z")); // its parts are in the table first
    Pod plain = Json.read(json.getBytes(), Pod.class);
    Pod shared = decoded(json);
    assertEquals(Json.string(plain), Json.string(shared));
    assertEquals(plain, shared);
  }

  @Test
  void partsEqualOnlyByAmountAreNotShared() {
    // 1 and 1000m are equal quantities, yet a consumer that hashes a container's JSON must see its own text
    Pod one = decoded(podJson("web-e", "node-1", "1", "2026-11-27T10:00:02Z"));
    Pod milli = decoded(podJson("web-f", "node-1", "1000m", "2026-11-27T10:00:02Z"));
    assertEquals(one.getSpec().getContainers(), milli.getSpec().getContainers(), "equal by the model's equals");
    assertNotSame(one.getSpec().getContainers(), milli.getSpec().getContainers());
    assertEquals("1000m", milli.getSpec().getContainers().get(0).getResources().getRequests().get("cpu").toString());
    assertEquals("1", one.getSpec().getContainers().get(0).getResources().getRequests().get("cpu").toString());
  }

  @Test
  void otherObjectsAndNullAreLeftAsTheyAre() {
    Service s = Json.read("{\"kind\":\"Service\",\"metadata\":{\"name\":\"s\",\"labels\":{\"app\":\"web\"}}}".getBytes(),
        Service.class);
    java.util.Map<String, String> labels = s.getMetadata().getLabels();
    assertSame(s, SharedParts.share(s));
    assertSame(labels, s.getMetadata().getLabels());
    assertNull(SharedParts.share((Object) null));
  }
}
