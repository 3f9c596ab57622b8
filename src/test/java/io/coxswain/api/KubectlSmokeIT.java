package io.coxswain.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kubectl 1.32 against the API server, with nothing but --server: apply, get, describe, scale, label, delete. */
class KubectlSmokeIT {
  static TestApiServer server;
  @TempDir
  static Path dir;

  record Result(int code, String out, String err) {}

  @BeforeAll
  static void start() {
    server = new TestApiServer();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Result kubectl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--server=" + server.url(), "--cache-dir=" + dir.resolve("cache")));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("KUBECONFIG", dir.resolve("no-kubeconfig").toString());
    pb.environment().put("HOME", dir.toString());
    pb.redirectOutput(dir.resolve("out").toFile());
    pb.redirectError(dir.resolve("err").toFile());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 60 s");
    }
    return new Result(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
  }

  static Result ok(String... args) throws IOException, InterruptedException {
    Result r = kubectl(args);
    assertEquals(0, r.code(), "kubectl " + String.join(" ", args) + " failed: " + r.err());
    assertFalse(r.err().contains("warning"), r.err());
    return r;
  }

  static final String MANIFEST = """
      apiVersion: v1
      kind: ReplicationController
      metadata:
        name: web
        labels: {app: web}
      spec:
        replicas: 2
        selector: {app: web}
        template:
          metadata:
            labels: {app: web}
          spec:
            containers:
            - name: web
              image: busybox
              ports: [{containerPort: 80}]
      ---
      apiVersion: v1
      kind: Service
      metadata:
        name: web
      spec:
        selector: {app: web}
        ports: [{port: 80, targetPort: 80}]
      ---
      apiVersion: v1
      kind: Pod
      metadata:
        name: p1
        labels: {app: web, tier: front}
      spec:
        containers:
        - name: c
          image: busybox
      """;

  @Test
  void applyGetDescribeScaleLabelDelete() throws Exception {
    Path manifest = dir.resolve("app.yaml");
    Files.writeString(manifest, MANIFEST, StandardCharsets.UTF_8);
    Result applied = ok("apply", "-f", manifest.toString());
    assertTrue(applied.out().contains("replicationcontroller/web created"), applied.out());
    assertTrue(applied.out().contains("service/web created"), applied.out());
    assertTrue(applied.out().contains("pod/p1 created"), applied.out());

    Result get = ok("get", "rc,svc,pods");
    assertTrue(get.out().contains("replicationcontroller/web"), get.out());
    assertTrue(get.out().contains("pod/p1"), get.out());

    Result yaml = ok("get", "pod", "p1", "-o", "yaml");
    assertTrue(yaml.out().contains("name: p1"), yaml.out());
    assertTrue(yaml.out().contains("resourceVersion:"), yaml.out());

    Result selected = ok("get", "pods", "-l", "tier=front", "-o", "name");
    assertEquals("pod/p1", selected.out().trim());
    Result none = ok("get", "pods", "-l", "tier=back", "-o", "name");
    assertEquals("", none.out().trim());

    Result described = ok("describe", "rc", "web");
    assertTrue(described.out().contains("Replicas:"), described.out());
    assertTrue(ok("describe", "pod", "p1").out().contains("Labels:"));

    assertTrue(ok("scale", "rc", "web", "--replicas=3").out().contains("scaled"));
    assertEquals("3", ok("get", "rc", "web", "-o", "jsonpath={.spec.replicas}").out().trim());

    assertTrue(ok("label", "pod", "p1", "env=prod").out().contains("labeled"));
    assertEquals("pod/p1", ok("get", "pods", "-l", "env in (prod)", "-o", "name").out().trim());

    // a second apply with a change: a strategic merge patch
    Files.writeString(manifest, MANIFEST.replace("replicas: 2", "replicas: 5"), StandardCharsets.UTF_8);
    Result again = ok("apply", "-f", manifest.toString());
    assertTrue(again.out().contains("replicationcontroller/web configured"), again.out());
    assertEquals("5", ok("get", "rc", "web", "-o", "jsonpath={.spec.replicas}").out().trim());
    assertTrue(ok("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}").out().trim().startsWith("127.100."));

    Result missing = kubectl("get", "pod", "nope");
    assertNotEquals(0, missing.code());
    assertTrue(missing.err().contains("pods \"nope\" not found"), missing.err());

    // kubectl's typed client posts protobuf here
    assertTrue(ok("create", "namespace", "team-a").out().contains("namespace/team-a created"));
    assertTrue(ok("get", "ns", "team-a").out().contains("Active"));

    // a pod replaced from its own manifest: the tolerations admission gave it come back, nothing is refused
    Path pod = dir.resolve("p1.yaml");
    Files.writeString(pod, MANIFEST.substring(MANIFEST.lastIndexOf("apiVersion: v1\nkind: Pod")), StandardCharsets.UTF_8);
    assertTrue(ok("replace", "-f", pod.toString()).out().contains("pod/p1 replaced"));
    assertEquals("300", ok("get", "pod", "p1", "-o", "jsonpath={.spec.tolerations[0].tolerationSeconds}").out().trim());

    Result deleted = ok("delete", "-f", manifest.toString());
    assertTrue(deleted.out().contains("pod \"p1\" deleted"), deleted.out());
    assertEquals("", ok("get", "rc,svc,pods", "-o", "name").out().trim());
  }

  static Service service(String name) throws Exception {
    return Json.MAPPER.readValue(ok("-n", "pb", "get", "svc", name, "-o", "json").out(), Service.class);
  }

  @Test
  void createServiceSendsProtobufWithPortsAndSelector() throws Exception {
    ok("create", "namespace", "pb");
    assertTrue(ok("-n", "pb", "create", "service", "clusterip", "pb", "--tcp=80:8080", "--tcp=9090:metrics").out().contains("service/pb created"));
    Service pb = service("pb");
    assertEquals("ClusterIP", pb.getSpec().getType());
    assertEquals(Map.of("app", "pb"), pb.getSpec().getSelector());
    assertEquals(List.of(80, 9090), pb.getSpec().getPorts().stream().map(ServicePort::getPort).toList());
    assertEquals(8080, pb.getSpec().getPorts().get(0).getTargetPort().getIntVal());
    assertEquals("metrics", pb.getSpec().getPorts().get(1).getTargetPort().getStrVal());
    assertNull(pb.getSpec().getPorts().get(0).getNodePort(), "a zero Go wrote for an unset port is stored as unset");
    assertTrue(pb.getSpec().getClusterIP().startsWith("127.100."), pb.getSpec().getClusterIP());

    ok("-n", "pb", "create", "service", "nodeport", "pb-np", "--tcp=80:80", "--node-port=30080");
    assertEquals(30080, service("pb-np").getSpec().getPorts().get(0).getNodePort());
    ok("-n", "pb", "create", "service", "externalname", "pb-ext", "--external-name=db.example.com");
    assertEquals("db.example.com", service("pb-ext").getSpec().getExternalName());
    ok("-n", "pb", "create", "service", "clusterip", "pb-headless", "--clusterip=None");
    assertEquals("None", service("pb-headless").getSpec().getClusterIP());

    Result invalid = kubectl("-n", "pb", "create", "service", "clusterip", "pb_bad", "--tcp=80:80");
    assertNotEquals(0, invalid.code());
    assertTrue(invalid.err().contains("metadata.name"), invalid.err());
    assertNotEquals(0, kubectl("-n", "pb", "get", "svc", "pb_bad").code(), "nothing was written");
    ok("delete", "namespace", "pb", "--wait=false"); // no namespace controller in this server to finish it
  }

  @Test
  void serverSideApplyMergesPrunesAndStopsAtAnotherManagersField() throws Exception {
    String rc = """
        apiVersion: v1
        kind: ReplicationController
        metadata:
          name: ssa
          labels: {app: ssa, tier: front}
        spec:
          replicas: 2
          selector: {app: ssa}
          template:
            metadata:
              labels: {app: ssa}
            spec:
              containers:
              - name: web
                image: busybox:1
                env: [{name: A, value: "1"}, {name: B, value: "2"}]
        """;
    Path file = dir.resolve("ssa.yaml");
    Files.writeString(file, rc, StandardCharsets.UTF_8);
    assertTrue(ok("apply", "--server-side", "-f", file.toString()).out().contains("replicationcontroller/ssa serverside-applied"));
    Files.writeString(file, rc.replace("replicas: 2", "replicas: 3").replace(", tier: front", "")
        .replace(", {name: B, value: \"2\"}", ""), StandardCharsets.UTF_8);
    ok("apply", "--server-side", "-f", file.toString());
    assertEquals("3 {\"app\":\"ssa\"} A", ok("get", "rc", "ssa", "-o",
        "jsonpath={.spec.replicas} {.metadata.labels} {.spec.template.spec.containers[0].env[*].name}").out().trim(),
        "the label and the env var it no longer applies are gone");

    Path other = dir.resolve("ssa-ci.yaml");
    Files.writeString(other, rc.replace("replicas: 2", "replicas: 5"), StandardCharsets.UTF_8);
    Result conflict = kubectl("apply", "--server-side", "--field-manager=ci", "-f", other.toString());
    assertNotEquals(0, conflict.code());
    assertTrue(conflict.err().contains("conflict with \"kubectl\"") && conflict.err().contains(".spec.replicas"), conflict.err());
    assertEquals("3", ok("get", "rc", "ssa", "-o", "jsonpath={.spec.replicas}").out().trim());
    ok("apply", "--server-side", "--field-manager=ci", "--force-conflicts", "-f", other.toString());
    assertEquals("5", ok("get", "rc", "ssa", "-o", "jsonpath={.spec.replicas}").out().trim());
    ok("delete", "rc", "ssa");
  }

  @Test
  void aTypoInAManifestIsRefusedByDefaultAndDroppedWithAWarningWhenAsked() throws Exception {
    Path typo = dir.resolve("typo.yaml");
    Files.writeString(typo, """
        apiVersion: v1
        kind: Pod
        metadata:
          name: typo
        spec:
          containers:
          - name: c
            imagee: busybox
            image: busybox
        """, StandardCharsets.UTF_8);
    // kubectl validates strictly by default: the server refuses the request and stores nothing
    Result strict = kubectl("apply", "-f", typo.toString());
    assertEquals(1, strict.code(), strict.out());
    assertTrue(strict.err().contains("strict decoding error: unknown field \"spec.containers[0].imagee\""), strict.err());
    assertNotEquals(0, kubectl("get", "pod", "typo").code());
    // --validate=warn: created without the unknown field, and kubectl prints the server's warning
    Result warned = kubectl("create", "--validate=warn", "-f", typo.toString());
    assertEquals(0, warned.code(), warned.err());
    assertTrue(warned.err().contains("unknown field \"spec.containers[0].imagee\""), warned.err());
    assertEquals("", ok("get", "pod", "typo", "-o", "jsonpath={.spec.containers[0].imagee}").out().trim());
    assertEquals("busybox", ok("get", "pod", "typo", "-o", "jsonpath={.spec.containers[0].image}").out().trim());
    ok("delete", "pod", "typo", "--grace-period=0");
  }

  @Test
  void explainShowsTheFieldsOfServedKinds() throws Exception {
    Result containers = ok("explain", "pods.spec.containers");
    assertTrue(containers.out().contains("FIELD: containers <[]Container>"), containers.out());
    assertTrue(containers.out().contains("image\t<string>"), containers.out());
    assertTrue(containers.out().contains("ports\t<[]ContainerPort>"), containers.out());
    Result volumes = ok("explain", "rc.spec.template.spec.volumes.hostPath");
    assertTrue(volumes.out().contains("path\t<string>"), volumes.out());
    Result service = ok("explain", "services.spec");
    assertTrue(service.out().contains("clusterIP\t<string>"), service.out());
    assertNotEquals(0, kubectl("explain", "pods.spec.nosuchfield").code());
  }

  @Test
  void reApplyRemovesAContainerAndAnEnvVarAndSwitchesAVolumesSource() throws Exception {
    Path first = dir.resolve("rc-first.yaml");
    Files.writeString(first, """
        apiVersion: v1
        kind: ReplicationController
        metadata: {name: merged}
        spec:
          replicas: 0
          selector: {app: merged}
          template:
            metadata: {labels: {app: merged}}
            spec:
              volumes:
              - {name: data, emptyDir: {}}
              containers:
              - name: a
                image: busybox
                env: [{name: A, value: "1"}, {name: B, value: "2"}]
                volumeMounts: [{name: data, mountPath: /data}]
              - {name: b, image: busybox}
        """, StandardCharsets.UTF_8);
    ok("apply", "-f", first.toString());
    Path second = dir.resolve("rc-second.yaml");
    Files.writeString(second, """
        apiVersion: v1
        kind: ReplicationController
        metadata: {name: merged}
        spec:
          replicas: 0
          selector: {app: merged}
          template:
            metadata: {labels: {app: merged}}
            spec:
              volumes:
              - {name: data, hostPath: {path: /tmp}}
              containers:
              - name: a
                image: busybox
                env: [{name: A, value: "1"}]
                volumeMounts: [{name: data, mountPath: /data}]
        """, StandardCharsets.UTF_8);
    ok("apply", "-f", second.toString());
    String spec = "{.spec.template.spec";
    assertEquals("a", ok("get", "rc", "merged", "-o", "jsonpath=" + spec + ".containers[*].name}").out().trim());
    assertEquals("A", ok("get", "rc", "merged", "-o", "jsonpath=" + spec + ".containers[0].env[*].name}").out().trim());
    assertEquals("/tmp", ok("get", "rc", "merged", "-o", "jsonpath=" + spec + ".volumes[0].hostPath.path}").out().trim());
    assertEquals("", ok("get", "rc", "merged", "-o", "jsonpath=" + spec + ".volumes[0].emptyDir}").out().trim());
    ok("delete", "rc", "merged");
  }

  @Test
  void serverDryRunsAndDiffChangeNothing() throws Exception {
    Path pod = dir.resolve("dry.yaml");
    Files.writeString(pod, """
        apiVersion: v1
        kind: Pod
        metadata: {name: dry, labels: {app: one}}
        spec:
          containers: [{name: c, image: busybox}]
        """, StandardCharsets.UTF_8);
    Result created = ok("create", "--dry-run=server", "-f", pod.toString());
    assertTrue(created.out().contains("pod/dry created (server dry run)"), created.out());
    assertNotEquals(0, kubectl("get", "pod", "dry").code(), "a dry-run create makes nothing");
    ok("create", "-f", pod.toString());
    String rv = ok("get", "pod", "dry", "-o", "jsonpath={.metadata.resourceVersion}").out().trim();

    ok("label", "pod", "dry", "extra=yes", "--dry-run=server");
    Result deleted = ok("delete", "pod", "dry", "--dry-run=server");
    assertTrue(deleted.out().contains("(server dry run)"), deleted.out());
    // kubectl diff asks the server what an apply would make: it shows the change and makes none
    Files.writeString(pod, Files.readString(pod).replace("app: one", "app: two"), StandardCharsets.UTF_8);
    Result diff = kubectl("diff", "-f", pod.toString());
    assertEquals(1, diff.code(), diff.err());
    assertTrue(diff.out().contains("-    app: one") && diff.out().contains("+    app: two"), diff.out());
    ok("apply", "--dry-run=server", "-f", pod.toString());

    assertEquals("one", ok("get", "pod", "dry", "-o", "jsonpath={.metadata.labels.app}").out().trim());
    assertEquals("", ok("get", "pod", "dry", "-o", "jsonpath={.metadata.labels.extra}").out().trim());
    assertEquals(rv, ok("get", "pod", "dry", "-o", "jsonpath={.metadata.resourceVersion}").out().trim());
    ok("delete", "pod", "dry", "--grace-period=0");
  }
}
