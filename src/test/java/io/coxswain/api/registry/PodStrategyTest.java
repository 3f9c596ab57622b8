package io.coxswain.api.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodStrategyTest {
  static final String POD = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
        namespace: default
        uid: 1111
        creationTimestamp: "2025-01-01T00:00:00Z"
        labels: {app: web}
      spec:
        containers:
        - name: web
          image: nginx:1.27
          ports:
          - name: http
            containerPort: 80
        - name: sidecar
          image: busybox
      """;

  private final PodStrategy strategy = new PodStrategy();

  static Pod pod() {
    return Manifests.read(POD, Pod.class);
  }

  Pod created() {
    Pod p = pod();
    strategy.prepareForCreate(p);
    return p;
  }

  @Test
  void createSetsKubernetesDefaults() {
    Pod p = created();
    assertEquals("Pending", p.getStatus().getPhase());
    assertEquals("BestEffort", p.getStatus().getQosClass());
    assertEquals("Always", p.getSpec().getRestartPolicy());
    assertEquals("ClusterFirst", p.getSpec().getDnsPolicy());
    assertEquals(30L, p.getSpec().getTerminationGracePeriodSeconds());
    assertEquals("default-scheduler", p.getSpec().getSchedulerName());
    assertEquals(0, p.getSpec().getPriority());
    assertEquals(true, p.getSpec().getEnableServiceLinks());
    Container web = p.getSpec().getContainers().get(0);
    assertEquals("IfNotPresent", web.getImagePullPolicy());
    assertEquals("/dev/termination-log", web.getTerminationMessagePath());
    assertEquals("File", web.getTerminationMessagePolicy());
    assertEquals("TCP", web.getPorts().get(0).getProtocol());
    assertEquals("Always", p.getSpec().getContainers().get(1).getImagePullPolicy());
    assertEquals(List.of("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"),
        p.getSpec().getTolerations().stream().map(Toleration::getKey).toList());
    assertEquals(300L, p.getSpec().getTolerations().get(0).getTolerationSeconds());
    assertTrue(strategy.validate(p).isEmpty(), () -> strategy.validate(p).toString());
  }

  @Test
  void createDropsClientStatus() {
    Pod p = pod();
    p.setStatus(Manifests.read("phase: Running\npodIP: 1.2.3.4", io.fabric8.kubernetes.api.model.PodStatus.class));
    strategy.prepareForCreate(p);
    assertEquals("Pending", p.getStatus().getPhase());
    assertNull(p.getStatus().getPodIP());
  }

  static Stream<Arguments> pullPolicies() {
    return Stream.of(
        Arguments.of("nginx", "Always"), Arguments.of("nginx:latest", "Always"), Arguments.of("nginx:1.27", "IfNotPresent"),
        Arguments.of("localhost:5000/web", "Always"), Arguments.of("localhost:5000/web:v2", "IfNotPresent"),
        Arguments.of("busybox@sha256:abcd", "IfNotPresent"), Arguments.of("busybox:latest@sha256:abcd", "Always"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("pullPolicies")
  void pullPolicyFollowsTheTag(String image, String policy) {
    assertEquals(policy, PodSpecDefaults.pullPolicyFor(image));
  }

  @Test
  void limitsBecomeRequestsAndGuaranteed() {
    Pod p = pod();
    for (Container c : p.getSpec().getContainers()) {
      c.setResources(Manifests.read("limits: {cpu: 500m, memory: 64Mi}", io.fabric8.kubernetes.api.model.ResourceRequirements.class));
    }
    strategy.prepareForCreate(p);
    assertEquals(new Quantity("500m"), p.getSpec().getContainers().get(0).getResources().getRequests().get("cpu"));
    assertEquals("Guaranteed", p.getStatus().getQosClass());
    p.getSpec().getContainers().get(1).getResources().setRequests(Map.of("cpu", new Quantity("100m")));
    assertEquals("Burstable", PodStrategy.qosClass(p.getSpec()));
  }

  @Test
  void probesAndVolumesGetDefaults() {
    Pod p = Manifests.read(POD
        + "    livenessProbe:\n"
        + "      httpGet: {port: 80}\n"
        + "  volumes:\n"
        + "  - name: scratch\n"
        + "  - name: cfg\n"
        + "    configMap: {name: cfg}\n", Pod.class);
    strategy.prepareForCreate(p);
    var probe = p.getSpec().getContainers().get(1).getLivenessProbe();
    assertEquals(List.of(1, 10, 1, 3), List.of(probe.getTimeoutSeconds(), probe.getPeriodSeconds(),
        probe.getSuccessThreshold(), probe.getFailureThreshold()));
    assertEquals("/", probe.getHttpGet().getPath());
    assertEquals("HTTP", probe.getHttpGet().getScheme());
    assertTrue(p.getSpec().getVolumes().get(0).getEmptyDir() != null);
    assertEquals(0644, p.getSpec().getVolumes().get(1).getConfigMap().getDefaultMode());
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad("no name", p -> p.getMetadata().setName(null), "metadata.name", FieldError.Type.REQUIRED),
        bad("upper-case name", p -> p.getMetadata().setName("Web"), "metadata.name", FieldError.Type.INVALID),
        bad("bad generateName", p -> {
          p.getMetadata().setName(null);
          p.getMetadata().setGenerateName("Web-");
        }, "metadata.generateName", FieldError.Type.INVALID),
        bad("no namespace", p -> p.getMetadata().setNamespace(null), "metadata.namespace", FieldError.Type.REQUIRED),
        bad("bad label key", p -> p.getMetadata().setLabels(Map.of("-app", "web")), "metadata.labels", FieldError.Type.INVALID),
        bad("bad label value", p -> p.getMetadata().setLabels(Map.of("app", "we b")), "metadata.labels", FieldError.Type.INVALID),
        bad("huge annotations", p -> p.getMetadata().setAnnotations(Map.of("a", "x".repeat(300 * 1024))),
            "metadata.annotations", FieldError.Type.TOO_LONG),
        bad("no containers", p -> p.getSpec().setContainers(List.of()), "spec.containers", FieldError.Type.REQUIRED),
        bad("no image", p -> p.getSpec().getContainers().get(0).setImage(" "), "spec.containers[0].image", FieldError.Type.REQUIRED),
        bad("no container name", p -> p.getSpec().getContainers().get(1).setName(null), "spec.containers[1].name", FieldError.Type.REQUIRED),
        bad("duplicate container", p -> p.getSpec().getContainers().get(1).setName("web"), "spec.containers[1].name", FieldError.Type.DUPLICATE),
        bad("bad container name", p -> p.getSpec().getContainers().get(1).setName("Side_car"), "spec.containers[1].name", FieldError.Type.INVALID),
        bad("port 0", p -> port(p).setContainerPort(0), "spec.containers[0].ports[0].containerPort", FieldError.Type.REQUIRED),
        bad("port too big", p -> port(p).setContainerPort(70000), "spec.containers[0].ports[0].containerPort", FieldError.Type.INVALID),
        bad("hostPort too big", p -> port(p).setHostPort(65536), "spec.containers[0].ports[0].hostPort", FieldError.Type.INVALID),
        bad("bad protocol", p -> port(p).setProtocol("HTTP"), "spec.containers[0].ports[0].protocol", FieldError.Type.NOT_SUPPORTED),
        bad("bad port name", p -> port(p).setName("HTTP"), "spec.containers[0].ports[0].name", FieldError.Type.INVALID),
        bad("duplicate port name", p -> p.getSpec().getContainers().get(0).getPorts().add(
            new ContainerPort(81, null, null, "http", "TCP")), "spec.containers[0].ports[1].name", FieldError.Type.DUPLICATE),
        bad("bad restartPolicy", p -> p.getSpec().setRestartPolicy("Sometimes"), "spec.restartPolicy", FieldError.Type.NOT_SUPPORTED),
        bad("bad dnsPolicy", p -> p.getSpec().setDnsPolicy("Google"), "spec.dnsPolicy", FieldError.Type.NOT_SUPPORTED),
        bad("bad pull policy", p -> p.getSpec().getContainers().get(0).setImagePullPolicy("Sometimes"),
            "spec.containers[0].imagePullPolicy", FieldError.Type.NOT_SUPPORTED),
        bad("zero deadline", p -> p.getSpec().setActiveDeadlineSeconds(0L), "spec.activeDeadlineSeconds", FieldError.Type.INVALID),
        bad("negative grace", p -> p.getSpec().setTerminationGracePeriodSeconds(-5L),
            "spec.terminationGracePeriodSeconds", FieldError.Type.INVALID),
        bad("bad nodeSelector", p -> p.getSpec().setNodeSelector(Map.of("disk", "fast ssd")), "spec.nodeSelector", FieldError.Type.INVALID),
        bad("mount of no volume", p -> p.getSpec().getContainers().get(0).setVolumeMounts(
            List.of(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withMountPath("/data").withName("data").build())),
            "spec.containers[0].volumeMounts[0].name", FieldError.Type.NOT_FOUND),
        bad("duplicate volume", p -> {
          Volume v = new Volume();
          v.setName("data");
          p.getSpec().setVolumes(List.of(v, Json.copy(v)));
        }, "spec.volumes[1].name", FieldError.Type.DUPLICATE),
        bad("env without name", p -> p.getSpec().getContainers().get(0).setEnv(
            List.of(new io.fabric8.kubernetes.api.model.EnvVar(null, "x", null))), "spec.containers[0].env[0].name", FieldError.Type.REQUIRED),
        bad("request over limit", p -> p.getSpec().getContainers().get(0).setResources(Manifests.read(
            "limits: {cpu: 100m}\nrequests: {cpu: 200m}", io.fabric8.kubernetes.api.model.ResourceRequirements.class)),
            "spec.containers[0].resources.requests", FieldError.Type.INVALID),
        bad("bad quantity", p -> p.getSpec().getContainers().get(0).setResources(Manifests.read(
            "limits: {memory: lots}", io.fabric8.kubernetes.api.model.ResourceRequirements.class)),
            "spec.containers[0].resources.limits[memory]", FieldError.Type.INVALID),
        bad("probe without handler", p -> p.getSpec().getContainers().get(0).setLivenessProbe(new io.fabric8.kubernetes.api.model.Probe()),
            "spec.containers[0].livenessProbe", FieldError.Type.REQUIRED),
        bad("toleration operator", p -> p.getSpec().setTolerations(List.of(
            new TolerationBuilder().withKey("k").withOperator("Maybe").build())), "spec.tolerations[0].operator",
            FieldError.Type.NOT_SUPPORTED),
        bad("toleration seconds without NoExecute", p -> p.getSpec().setTolerations(List.of(
            new TolerationBuilder().withKey("k").withOperator("Exists").withEffect("NoSchedule").withTolerationSeconds(5L).build())),
            "spec.tolerations[0].effect", FieldError.Type.INVALID),
        bad("host port taken twice", p -> {
          port(p).setHostPort(8080);
          p.getSpec().getContainers().get(1).setPorts(List.of(new ContainerPort(9090, null, 8080, "alt", "TCP")));
        }, "spec.containers[1].ports[0].hostPort", FieldError.Type.DUPLICATE),
        bad("init container duplicate of a container", p -> p.getSpec().setInitContainers(List.of(
            Json.copy(p.getSpec().getContainers().get(0)))), "spec.containers[0].name", FieldError.Type.DUPLICATE));
  }

  static ContainerPort port(Pod p) {
    return p.getSpec().getContainers().get(0).getPorts().get(0);
  }

  static Arguments bad(String name, Consumer<Pod> change, String field, FieldError.Type type) {
    return Arguments.of(name, change, field, type);
  }

  @ParameterizedTest(name = "{0}: {2} {3}")
  @MethodSource("invalid")
  void validationReportsFieldAndType(String name, Consumer<Pod> change, String field, FieldError.Type type) {
    Pod p = created();
    p.getSpec().getContainers().get(0).setPorts(new ArrayList<>(p.getSpec().getContainers().get(0).getPorts()));
    change.accept(p);
    List<FieldError> errors = strategy.validate(p);
    assertTrue(errors.stream().anyMatch(e -> e.field().equals(field) && e.type() == type),
        () -> "expected " + type + " at " + field + " in " + errors);
  }

  static Stream<Arguments> updates() {
    return Stream.of(
        upd("image change", p -> p.getSpec().getContainers().get(0).setImage("nginx:1.28"), null),
        upd("deadline set", p -> p.getSpec().setActiveDeadlineSeconds(600L), null),
        upd("toleration added", p -> p.getSpec().getTolerations().add(
            new TolerationBuilder().withKey("gpu").withOperator("Exists").withEffect("NoSchedule").build()), null),
        upd("label change", p -> p.getMetadata().setLabels(Map.of("app", "web2")), null),
        upd("default tolerations left out (a replace from the manifest)", p -> p.getSpec().setTolerations(null), null),
        upd("default toleration removed", p -> p.getSpec().getTolerations().remove(0), null),
        upd("toleration seconds of a default one lengthened", p -> p.getSpec().getTolerations().get(0).setTolerationSeconds(600L),
            "spec.tolerations"),
        upd("toleration seconds shortened", p -> p.getSpec().getTolerations().get(0).setTolerationSeconds(60L), null),
        upd("container added", p -> p.getSpec().getContainers().add(new Container()), "spec"),
        upd("port change", p -> port(p).setContainerPort(8080), "spec"),
        upd("restartPolicy change", p -> p.getSpec().setRestartPolicy("Never"), "spec"),
        upd("nodeName set by update", p -> p.getSpec().setNodeName("node-1"), "spec"),
        upd("rename", p -> p.getMetadata().setName("web2"), "metadata.name"),
        upd("move namespace", p -> p.getMetadata().setNamespace("other"), "metadata.namespace"),
        upd("new uid", p -> p.getMetadata().setUid("2222"), "metadata.uid"),
        upd("uid left out", p -> p.getMetadata().setUid(null), null),
        upd("admission fields left out", p -> {
          p.getSpec().setPriority(null);
          p.getSpec().setPreemptionPolicy(null);
        }, null),
        upd("new creationTimestamp", p -> p.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z"), "metadata.creationTimestamp"));
  }

  static Arguments upd(String name, Consumer<Pod> change, String errorField) {
    return Arguments.of(name, change, errorField);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("updates")
  void onlyMutableFieldsChange(String name, Consumer<Pod> change, String errorField) {
    Pod old = created();
    Pod p = Json.copy(old);
    p.getSpec().setTolerations(new ArrayList<>(p.getSpec().getTolerations()));
    p.getSpec().setContainers(new ArrayList<>(p.getSpec().getContainers()));
    change.accept(p);
    strategy.prepareForUpdate(p, old);
    List<FieldError> errors = strategy.validateUpdate(p, old);
    if (errorField == null) {
      assertTrue(errors.isEmpty(), () -> name + ": " + errors);
    } else {
      assertTrue(errors.stream().anyMatch(e -> e.field().equals(errorField)), () -> name + ": " + errors);
    }
  }

  @Test
  void aTolerationOfItsOwnMayNotBeRemovedThoughTheDefaultsComeBack() {
    Pod pod = pod();
    pod.getSpec().setTolerations(new ArrayList<>(List.of(
        new TolerationBuilder().withKey("gpu").withOperator("Exists").withEffect("NoSchedule").build())));
    strategy.prepareForCreate(pod);
    assertEquals(3, pod.getSpec().getTolerations().size());
    Pod p = Json.copy(pod);
    p.getSpec().setTolerations(null);
    strategy.prepareForUpdate(p, pod);
    assertEquals(2, p.getSpec().getTolerations().size());
    assertEquals(List.of("spec.tolerations"), strategy.validateUpdate(p, pod).stream().map(FieldError::field).toList());
  }

  @Test
  void deadlineMayOnlyShrink() {
    Pod old = created();
    old.getSpec().setActiveDeadlineSeconds(100L);
    Pod p = Json.copy(old);
    p.getSpec().setActiveDeadlineSeconds(200L);
    assertEquals(List.of("spec.activeDeadlineSeconds"), strategy.validateUpdate(p, old).stream().map(FieldError::field).toList());
    p.getSpec().setActiveDeadlineSeconds(50L);
    assertTrue(strategy.validateUpdate(p, old).isEmpty());
  }

  @Test
  void specUpdateKeepsStatusAndStatusUpdateKeepsSpec() {
    Pod old = created();
    Pod p = Json.copy(old);
    p.getStatus().setPhase("Running");
    p.getSpec().getContainers().get(0).setImage("nginx:1.28");
    strategy.prepareForUpdate(p, old);
    assertEquals("Pending", p.getStatus().getPhase());
    assertEquals("nginx:1.28", p.getSpec().getContainers().get(0).getImage());
    assertTrue(strategy.specChanged(p, old));

    Pod s = Json.copy(old);
    s.getStatus().setPhase("Running");
    s.getStatus().setPodIP("127.0.0.2");
    s.getSpec().getContainers().get(0).setImage("evil:1");
    s.getSpec().setNodeName("node-9");
    Strategy<Pod> status = strategy.forStatus();
    status.prepareForUpdate(s, old);
    assertEquals("Running", s.getStatus().getPhase());
    assertEquals("nginx:1.27", s.getSpec().getContainers().get(0).getImage());
    assertNull(s.getSpec().getNodeName());
    assertFalse(status.specChanged(s, old));
    assertTrue(status.validateUpdate(s, old).isEmpty(), () -> status.validateUpdate(s, old).toString());
  }

  @Test
  void specChangedIgnoresMetadataAndStatus() {
    Pod old = created();
    Pod p = Json.copy(old);
    p.getMetadata().setLabels(Map.of("x", "y"));
    p.getStatus().setPhase("Running");
    assertFalse(strategy.specChanged(p, old));
  }

  static Stream<Arguments> statusErrors() {
    return Stream.of(
        Arguments.of("bad phase", (Consumer<Pod>) p -> p.getStatus().setPhase("Sleeping"), "status.phase", FieldError.Type.NOT_SUPPORTED),
        Arguments.of("bad pod ip", (Consumer<Pod>) p -> p.getStatus().setPodIP("1.2.3"), "status.podIP", FieldError.Type.INVALID),
        Arguments.of("negative restarts", (Consumer<Pod>) p -> p.getStatus().setContainerStatuses(List.of(
            Manifests.read("name: web\nrestartCount: -1", io.fabric8.kubernetes.api.model.ContainerStatus.class))),
            "status.containerStatuses[0].restartCount", FieldError.Type.INVALID));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("statusErrors")
  void statusValidation(String name, Consumer<Pod> change, String field, FieldError.Type type) {
    Pod old = created();
    Pod p = Json.copy(old);
    change.accept(p);
    List<FieldError> errors = strategy.forStatus().validateUpdate(p, old);
    assertTrue(errors.stream().anyMatch(e -> e.field().equals(field) && e.type() == type), () -> errors.toString());
  }

  @Test
  void terminalPhaseIsFinal() {
    Pod old = created();
    old.getStatus().setPhase("Succeeded");
    Pod p = Json.copy(old);
    p.getStatus().setPhase("Running");
    assertEquals(List.of("status.phase"), strategy.forStatus().validateUpdate(p, old).stream().map(FieldError::field).toList());
  }
}
