package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The kubelet sync plan, case by case: input → actions, phase and container states. */
class SyncPlanTest {
  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  static final String NODE = "node-1";
  static final String HOST = "127.0.0.5";
  static final Path PODS = Path.of("/var/lib/coxswain/pods");
  static final String UID = "uid-web";
  static final PodRef WEB = new PodRef(UID, "default", "web");

  // ------------------------------------------------------------ fixtures

  static Container container(String name) {
    return new ContainerBuilder().withName(name).withImage("coxswain/busybox:1")
        .withCommand("httpd", "-f").addNewPort().withContainerPort(8080).endPort().build();
  }

  static Pod pod(String restartPolicy, Container... containers) {
    return new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid(UID)
        .endMetadata().withNewSpec().withNodeName(NODE).withRestartPolicy(restartPolicy)
        .withContainers(containers).endSpec().build();
  }

  static Pod pod(Container... containers) {
    return pod("Always", containers);
  }

  static Pod deleting(Pod pod, long grace) {
    return new PodBuilder(pod).editMetadata().withDeletionTimestamp("2026-01-01T11:59:59Z")
        .withDeletionGracePeriodSeconds(grace).endMetadata().build();
  }

  static Pod deletingAt(Pod pod, Instant deletionTimestamp, long grace) {
    return new PodBuilder(pod).editMetadata().withDeletionTimestamp(deletionTimestamp.toString())
        .withDeletionGracePeriodSeconds(grace).endMetadata().build();
  }

  static Pod withPhase(Pod pod, String phase) {
    return new PodBuilder(pod).withStatus(new PodStatusBuilder().withPhase(phase).build()).build();
  }

  static ObservedContainer infra(String id, boolean running) {
    return new ObservedContainer(id, WEB, ContainerLabels.INFRA_CONTAINER_NAME, ContainerLabels.Role.INFRA, 0, "",
        "coxswain/pause:1", "sha256:pause", running ? ObservedContainer.State.RUNNING : ObservedContainer.State.EXITED,
        running ? null : 0, NOW.minusSeconds(100), NOW.minusSeconds(100), running ? null : NOW.minusSeconds(5),
        false, null, List.of(new PublishedPort(8080, "TCP", HOST, 40001)), 30);
  }

  static ObservedContainer running(String id, String name, int restarts) {
    return new ObservedContainer(id, WEB, name, ContainerLabels.Role.APP, restarts,
        ContainerSpecs.hash(container(name)), "coxswain/busybox:1", "sha256:bb1", ObservedContainer.State.RUNNING,
        null, NOW.minusSeconds(60 - restarts), NOW.minusSeconds(60 - restarts), null, false, null, List.of(), 30);
  }

  static ObservedContainer exited(String id, String name, int restarts, int exitCode, Instant finished) {
    return new ObservedContainer(id, WEB, name, ContainerLabels.Role.APP, restarts,
        ContainerSpecs.hash(container(name)), "coxswain/busybox:1", "sha256:bb1", ObservedContainer.State.EXITED,
        exitCode, finished.minusSeconds(2), finished.minusSeconds(1), finished, false, null, List.of(), 30);
  }

  static ObservedContainer orphan(ObservedContainer c) {
    return new ObservedContainer(c.id(), new PodRef("uid-gone", "default", "gone"), c.containerName(), c.role(),
        c.restartCount(), c.specHash(), c.image(), c.imageId(), c.state(), c.exitCode(), c.createdAt(), c.startedAt(),
        c.finishedAt(), c.oomKilled(), c.error(), c.publishedPorts(), 7);
  }

  static ObservedContainer withHash(ObservedContainer c, String hash) {
    return new ObservedContainer(c.id(), c.pod(), c.containerName(), c.role(), c.restartCount(), hash, c.image(),
        c.imageId(), c.state(), c.exitCode(), c.createdAt(), c.startedAt(), c.finishedAt(), c.oomKilled(), c.error(),
        c.publishedPorts(), c.graceSeconds());
  }

  static Map<ContainerKey, BackOff> crashLoop(String name, long delaySeconds) {
    Duration d = Duration.ofSeconds(delaySeconds);
    return Map.of(new ContainerKey(UID, name), new BackOff(d, NOW, BackOff.CRASH_LOOP, ""));
  }

  static SyncInput input(List<Pod> pods, List<ObservedContainer> containers, Map<ContainerKey, BackOff> backOff,
      Map<ContainerKey, Boolean> readiness) {
    return new SyncInput(NODE, HOST, PODS, pods, containers, backOff, readiness,
        List.of(service("default", "web", "10.0.0.7", 80), service("other", "db", "10.0.0.9", 5432)), NOW);
  }

  static io.fabric8.kubernetes.api.model.Service service(String namespace, String name, String ip, int port) {
    return new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata().withNamespace(namespace)
        .withName(name).endMetadata().withNewSpec().withClusterIP(ip).addNewPort().withPort(port).endPort()
        .endSpec().build();
  }

  /** Actions as short strings, for tables. */
  static List<String> describe(List<SyncAction> actions) {
    List<String> out = new ArrayList<>();
    for (SyncAction a : actions) {
      if (a instanceof SyncAction.StartInfra s) {
        out.add("infra " + s.pod().name() + (s.spec().hostNetwork() ? " host" : ""));
      } else if (a instanceof SyncAction.StartContainer s) {
        out.add("start " + s.spec().name() + "#" + s.spec().restartCount()
            + (s.spec().hostNetwork() ? " host" : " net=" + s.spec().networkFrom()));
      } else if (a instanceof SyncAction.KillContainer k) {
        out.add("kill " + k.containerId() + " " + k.grace().toSeconds() + "s");
      } else if (a instanceof SyncAction.RemoveContainer r) {
        out.add("remove " + r.containerId());
      }
    }
    return out;
  }

  /** Container states as "name:state[:reason]" strings. */
  static List<String> states(PodStatus status) {
    List<String> out = new ArrayList<>();
    for (ContainerStatus cs : status.getContainerStatuses()) {
      var s = cs.getState();
      if (s.getRunning() != null) {
        out.add(cs.getName() + ":running");
      } else if (s.getTerminated() != null) {
        out.add(cs.getName() + ":terminated:" + s.getTerminated().getReason() + ":" + s.getTerminated().getExitCode());
      } else {
        out.add(cs.getName() + ":waiting:" + s.getWaiting().getReason());
      }
    }
    return out;
  }

  record Case(String name, SyncInput input, List<String> actions, String phase, List<String> states,
      Consumer<SyncResult> more) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case of(String name, List<Pod> pods, List<ObservedContainer> containers, Map<ContainerKey, BackOff> backOff,
      List<String> actions, String phase, List<String> states) {
    return new Case(name, input(pods, containers, backOff, Map.of()), actions, phase, states, r -> { });
  }

  static Case of(String name, List<Pod> pods, List<ObservedContainer> containers, Map<ContainerKey, BackOff> backOff,
      List<String> actions, String phase, List<String> states, Consumer<SyncResult> more) {
    return new Case(name, input(pods, containers, backOff, Map.of()), actions, phase, states, more);
  }

  static Stream<Arguments> cases() {
    Container app = container("app");
    Container side = container("side");
    Instant threeSecondsAgo = NOW.minusSeconds(3);
    Instant elevenSecondsAgo = NOW.minusSeconds(11);
    return Stream.of(
        of("a new pod gets its infra container, then its containers", List.of(pod(app, side)), List.of(), Map.of(),
            List.of("infra web", "start app#0 net=null", "start side#0 net=null"), "Pending",
            List.of("app:waiting:ContainerCreating", "side:waiting:ContainerCreating")),
        of("a missing container joins the running infra container", List.of(pod(app, side)),
            List.of(infra("i1", true), running("a1", "app", 0)), Map.of(),
            List.of("start side#0 net=i1"), "Pending", List.of("app:running", "side:waiting:ContainerCreating")),
        of("a pod whose containers all run needs nothing", List.of(pod(app)),
            List.of(infra("i1", true), running("a1", "app", 3)), Map.of(),
            List.of(), "Running", List.of("app:running"),
            r -> {
              PodStatus s = r.statuses().get(UID);
              assertEquals(HOST, s.getPodIP());
              assertEquals(HOST, s.getHostIP());
              ContainerStatus cs = s.getContainerStatuses().get(0);
              assertEquals(3, cs.getRestartCount());
              assertEquals("docker://a1", cs.getContainerID());
              assertTrue(cs.getReady());
              assertEquals("True", condition(s, "Ready").getStatus());
              assertEquals("True", condition(s, "ContainersReady").getStatus());
              assertEquals("True", condition(s, "PodScheduled").getStatus());
              assertEquals("True", condition(s, "Initialized").getStatus());
              assertEquals(Map.of(UID, List.of(new PublishedPort(8080, "TCP", HOST, 40001))), r.publishedPorts());
            }),
        of("an exited container restarts at once the first time (Always)", List.of(pod(app)),
            List.of(infra("i1", true), exited("a1", "app", 0, 1, threeSecondsAgo)), Map.of(),
            List.of("start app#1 net=i1"), "Running", List.of("app:terminated:Error:1"),
            r -> assertEquals(Duration.ofSeconds(10), r.backOff().get(new ContainerKey(UID, "app")).delay())),
        of("a crashing container waits out its back-off (CrashLoopBackOff)", List.of(pod(app)),
            List.of(infra("i1", true), exited("a1", "app", 1, 1, threeSecondsAgo)), crashLoop("app", 10),
            List.of(), "Running", List.of("app:waiting:CrashLoopBackOff"),
            r -> {
              assertEquals(threeSecondsAgo.plusSeconds(10), r.nextSyncAt());
              ContainerStatus cs = r.statuses().get(UID).getContainerStatuses().get(0);
              assertEquals(1, cs.getLastState().getTerminated().getExitCode());
              assertTrue(cs.getState().getWaiting().getMessage().contains("back-off 10s"));
              assertEquals("False", condition(r.statuses().get(UID), "Ready").getStatus());
            }),
        of("after the back-off the container restarts and the delay doubles", List.of(pod(app)),
            List.of(infra("i1", true), exited("a1", "app", 1, 1, elevenSecondsAgo)), crashLoop("app", 10),
            List.of("start app#2 net=i1"), "Running", List.of("app:terminated:Error:1"),
            r -> assertEquals(Duration.ofSeconds(20), r.backOff().get(new ContainerKey(UID, "app")).delay())),
        of("the back-off stops growing at five minutes", List.of(pod(app)),
            List.of(infra("i1", true), exited("a1", "app", 9, 1, NOW.minusSeconds(301))), crashLoop("app", 300),
            List.of("start app#10 net=i1"), "Running", List.of("app:terminated:Error:1"),
            r -> assertEquals(Duration.ofMinutes(5), r.backOff().get(new ContainerKey(UID, "app")).delay())),
        of("a container that ran ten minutes restarts without back-off", List.of(pod(app)),
            List.of(infra("i1", true), longRun("a1", "app", 4, threeSecondsAgo)), crashLoop("app", 160),
            List.of("start app#5 net=i1"), "Running", List.of("app:terminated:Error:1"),
            r -> assertEquals(Duration.ofSeconds(10), r.backOff().get(new ContainerKey(UID, "app")).delay())),
        of("OnFailure: a success is not restarted and the pod succeeds", List.of(pod("OnFailure", app)),
            List.of(infra("i1", true), exited("a1", "app", 0, 0, threeSecondsAgo)), Map.of(),
            List.of("kill i1 30s"), "Succeeded", List.of("app:terminated:Completed:0")),
        of("OnFailure: a failure is restarted", List.of(pod("OnFailure", app)),
            List.of(infra("i1", true), exited("a1", "app", 0, 2, threeSecondsAgo)), Map.of(),
            List.of("start app#1 net=i1"), "Running", List.of("app:terminated:Error:2")),
        of("Never: a failure ends the pod as Failed", List.of(pod("Never", app)),
            List.of(infra("i1", true), exited("a1", "app", 0, 2, threeSecondsAgo)), Map.of(),
            List.of("kill i1 30s"), "Failed", List.of("app:terminated:Error:2")),
        of("Never: one container still runs, the pod runs", List.of(pod("Never", app, side)),
            List.of(infra("i1", true), exited("a1", "app", 0, 0, threeSecondsAgo), running("s1", "side", 0)), Map.of(),
            List.of(), "Running", List.of("app:terminated:Completed:0", "side:running")),
        of("a deleted pod drains first: its containers run on while proxies drop it",
            List.of(deletingAt(pod(app), NOW.plusSeconds(29), 30)), List.of(infra("i1", true), running("a1", "app", 0)),
            Map.of(), List.of(), "Running", List.of("app:running"),
            r -> {
              assertEquals(NOW.plusSeconds(1), r.nextSyncAt(), "the drain ends two seconds after the deletion was asked");
              assertFalse(r.statuses().get(UID).getContainerStatuses().get(0).getReady());
            }),
        of("a deleted pod's drain is at most its grace period",
            List.of(deletingAt(pod(app), NOW.plusMillis(500), 1)), List.of(infra("i1", true), running("a1", "app", 0)),
            Map.of(), List.of(), "Running", List.of("app:running"),
            r -> assertEquals(NOW.plusMillis(500), r.nextSyncAt())),
        of("a pod deleted with grace 0 is killed at once",
            List.of(deletingAt(pod(app), NOW, 0)), List.of(infra("i1", true), running("a1", "app", 0)),
            Map.of(), List.of("kill a1 0s"), "Running", List.of("app:running")),
        of("a deleted pod: after the drain, app containers are killed first, with the rest of the deletion's grace",
            List.of(deleting(pod(app), 12)), List.of(infra("i1", true), running("a1", "app", 0)), Map.of(),
            List.of("kill a1 10s"), "Running", List.of("app:running"),
            r -> {
              assertTrue(r.terminated().isEmpty());
              assertFalse(r.statuses().get(UID).getContainerStatuses().get(0).getReady());
            }),
        of("a deleted pod: then its infra container", List.of(deleting(pod(app), 12)),
            List.of(infra("i1", true), exited("a1", "app", 0, 137, threeSecondsAgo)), Map.of(),
            List.of("kill i1 10s"), "Running", List.of("app:terminated:Error:137")),
        of("a deleted pod: then everything is removed", List.of(deleting(pod(app), 12)),
            List.of(infra("i1", false), exited("a1", "app", 0, 137, threeSecondsAgo)), Map.of(),
            List.of("remove i1", "remove a1"), "Running", List.of("app:terminated:Error:137"),
            r -> assertTrue(r.terminated().isEmpty())),
        of("a deleted pod without containers has terminated", List.of(deleting(pod(app), 12)), List.of(), Map.of(),
            List.of(), "Pending", List.of("app:waiting:ContainerCreating"),
            r -> assertEquals(List.of(WEB), r.terminated())),
        of("orphans: app containers are killed with their own grace, the infra container after them", List.of(),
            List.of(orphan(infra("i1", true)), orphan(running("a1", "app", 0))), Map.of(),
            List.of("kill a1 7s"), null, List.of()),
        of("orphans: a stopped pod's containers are removed", List.of(),
            List.of(orphan(infra("i1", false)), orphan(exited("a1", "app", 0, 0, threeSecondsAgo))), Map.of(),
            List.of("remove i1", "remove a1"), null, List.of()),
        of("the infra container died: containers are replaced in a new one", List.of(pod(app)),
            List.of(infra("i1", false), running("a1", "app", 0)), Map.of(),
            List.of("kill a1 30s", "remove i1", "infra web"), "Running", List.of("app:running"),
            r -> assertNull(r.statuses().get(UID).getPodIP())),
        of("a changed spec replaces the running container", List.of(pod(app)),
            List.of(infra("i1", true), withHash(running("a1", "app", 0), "old")), Map.of(),
            List.of("kill a1 30s"), "Running", List.of("app:running")),
        of("a changed spec starts again even under Never", List.of(pod("Never", app)),
            List.of(infra("i1", true), withHash(exited("a1", "app", 0, 137, threeSecondsAgo), "old")), Map.of(),
            List.of("start app#1 net=i1"), "Running", List.of("app:terminated:Error:137")),
        of("only the latest exited instance is kept", List.of(pod(app)),
            List.of(infra("i1", true), exited("a0", "app", 0, 1, NOW.minusSeconds(90)),
                exited("a1", "app", 1, 1, NOW.minusSeconds(60)), exited("a2", "app", 2, 1, NOW.minusSeconds(30)),
                running("a3", "app", 3)), Map.of(),
            List.of("remove a1", "remove a0"), "Running", List.of("app:running"),
            r -> assertEquals(1, r.statuses().get(UID).getContainerStatuses().get(0).getLastState().getTerminated()
                .getExitCode())),
        of("a duplicate running instance is killed", List.of(pod(app)),
            List.of(infra("i1", true), running("a1", "app", 1), running("a0", "app", 0)), Map.of(),
            List.of("kill a0 30s"), "Running", List.of("app:running")),
        of("a failed pull backs off (ImagePullBackOff)", List.of(pod(app)), List.of(infra("i1", true)),
            Map.of(new ContainerKey(UID, "app"), new BackOff(Duration.ofSeconds(20), NOW.plusSeconds(5),
                ImagePullException.ERR_IMAGE_PULL, "image x is not present and cannot be pulled")),
            List.of(), "Pending", List.of("app:waiting:ImagePullBackOff"),
            r -> assertEquals(NOW.plusSeconds(5), r.nextSyncAt())),
        of("after the pull back-off the start is tried again", List.of(pod(app)), List.of(infra("i1", true)),
            Map.of(new ContainerKey(UID, "app"), new BackOff(Duration.ofSeconds(20), NOW.minusSeconds(1),
                ImagePullException.ERR_IMAGE_PULL, "no")),
            List.of("start app#0 net=i1"), "Pending", List.of("app:waiting:ImagePullBackOff")),
        of("a pod the API already reports finished only loses its infra container",
            List.of(withPhase(pod("Never", app), "Succeeded")),
            List.of(infra("i1", true), exited("a1", "app", 0, 0, threeSecondsAgo)), Map.of(),
            List.of("kill i1 30s"), "Succeeded", List.of()),
        of("back-off entries of pods gone are forgotten", List.of(), List.of(),
            Map.of(new ContainerKey("uid-gone", "app"), new BackOff(Duration.ofSeconds(10), NOW, BackOff.CRASH_LOOP, "")),
            List.of(), null, List.of(), r -> assertTrue(r.backOff().isEmpty())),
        of("a hostNetwork pod's containers use the node's network", List.of(hostNetwork(pod(app))), List.of(),
            Map.of(), List.of("infra web host", "start app#0 host"), "Pending",
            List.of("app:waiting:ContainerCreating"), r -> assertEquals(HOST, r.statuses().get(UID).getPodIP())),
        of("a running hostNetwork pod's ports are the node's own", List.of(hostNetwork(pod(app))),
            List.of(infra("i1", true), running("a1", "app", 0)), Map.of(), List.of(), "Running", List.of("app:running"),
            r -> assertEquals(Map.of(UID, List.of(new PublishedPort(8080, "TCP", HOST, 8080))), r.publishedPorts())))
        .map(Arguments::of);
  }

  static ObservedContainer longRun(String id, String name, int restarts, Instant finished) {
    ObservedContainer c = exited(id, name, restarts, 1, finished);
    return new ObservedContainer(c.id(), c.pod(), c.containerName(), c.role(), c.restartCount(), c.specHash(),
        c.image(), c.imageId(), c.state(), c.exitCode(), finished.minusSeconds(700), finished.minusSeconds(650),
        finished, false, null, List.of(), 30);
  }

  static Pod hostNetwork(Pod pod) {
    return new PodBuilder(pod).editSpec().withHostNetwork(true).endSpec().build();
  }

  static PodCondition condition(PodStatus status, String type) {
    return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void plan(Case c) {
    SyncResult result = SyncPlan.compute(c.input());
    assertEquals(c.actions(), describe(result.actions()), "actions");
    PodStatus status = result.statuses().get(UID);
    if (c.phase() == null) {
      assertNull(status);
    } else {
      assertEquals(c.phase(), status.getPhase(), "phase");
      if (!c.states().isEmpty()) {
        assertEquals(c.states(), states(status), "container states");
      }
    }
    c.more().accept(result);
  }

  @Test
  void startSpecsCarryEnvironmentMountsLimitsAndLabels() {
    Container app = new ContainerBuilder(container("app"))
        .addNewEnv().withName("MODE").withValue("fast").endEnv()
        .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
        .endFieldRef().endValueFrom().endEnv()
        .addNewEnv().withName("POD_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP")
        .endFieldRef().endValueFrom().endEnv()
        .addNewEnv().withName("WEB_SERVICE_PORT").withValue("8080").endEnv()
        .addNewVolumeMount().withName("scratch").withMountPath("/data").endVolumeMount()
        .addNewVolumeMount().withName("logs").withMountPath("/logs").withReadOnly(true).endVolumeMount()
        .withNewResources().addToLimits("cpu", new Quantity("250m")).addToLimits("memory", new Quantity("64Mi"))
        .endResources()
        .build();
    Pod pod = new PodBuilder(pod(app)).editSpec().withTerminationGracePeriodSeconds(9L)
        .addNewVolume().withName("scratch").withNewEmptyDir().endEmptyDir().endVolume()
        .addNewVolume().withName("logs").withNewHostPath().withPath("/var/log").endHostPath().endVolume()
        .endSpec().build();
    SyncResult result = SyncPlan.compute(input(List.of(pod), List.of(infra("i1", true)), Map.of(), Map.of()));
    ContainerSpec spec = ((SyncAction.StartContainer) result.actions().get(0)).spec();

    Map<String, String> expectedEnv = new LinkedHashMap<>();
    expectedEnv.put("WEB_SERVICE_HOST", "10.0.0.7");
    expectedEnv.put("WEB_SERVICE_PORT", "8080"); // the container's own value wins
    expectedEnv.put("WEB_PORT", "tcp://10.0.0.7:80");
    expectedEnv.put("WEB_PORT_80_TCP", "tcp://10.0.0.7:80");
    expectedEnv.put("WEB_PORT_80_TCP_PROTO", "tcp");
    expectedEnv.put("WEB_PORT_80_TCP_PORT", "80");
    expectedEnv.put("WEB_PORT_80_TCP_ADDR", "10.0.0.7"); // and nothing of db, a service of another namespace
    expectedEnv.put("MODE", "fast");
    expectedEnv.put("POD_NAME", "web");
    expectedEnv.put("POD_IP", HOST);
    assertEquals(expectedEnv, spec.env());
    assertEquals(List.of(
        new Mount(Mount.Kind.EMPTY_DIR, "scratch", PODS.resolve(UID + "/volumes/empty-dir/scratch").toString(),
            "/data", false),
        new Mount(Mount.Kind.HOST_PATH, "logs", "/var/log", "/logs", true)), spec.mounts());
    assertEquals(250, spec.cpuMillis());
    assertEquals(64L << 20, spec.memoryBytes());
    assertEquals(9, spec.graceSeconds());
    assertEquals(List.of("httpd", "-f"), spec.command());
    assertEquals(PullPolicy.IF_NOT_PRESENT, spec.pullPolicy());
    Map<String, String> labels = spec.labels();
    assertEquals(UID, labels.get(ContainerLabels.POD_UID));
    assertEquals("app", labels.get(ContainerLabels.CONTAINER_NAME));
    assertEquals("app", labels.get(ContainerLabels.ROLE));
    assertEquals(NODE, labels.get(ContainerLabels.NODE));
    assertEquals("0", labels.get(ContainerLabels.RESTART_COUNT));
    assertEquals(ContainerSpecs.hash(app), labels.get(ContainerLabels.SPEC_HASH));
  }

  @Test
  void theInfraContainerPublishesEveryPortOnTheNodeAddress() {
    Container app = new ContainerBuilder().withName("app").withImage("x:1")
        .addNewPort().withName("http").withContainerPort(80).endPort()
        .addNewPort().withContainerPort(53).withProtocol("UDP").withHostPort(5353).endPort().build();
    SyncResult result = SyncPlan.compute(input(List.of(pod(app)), List.of(), Map.of(), Map.of()));
    InfraSpec spec = ((SyncAction.StartInfra) result.actions().get(0)).spec();
    assertEquals(List.of(new PortMapping("http", 80, "TCP", 0, HOST), new PortMapping(null, 53, "UDP", 5353, HOST)),
        spec.ports());
    assertEquals(WEB, spec.pod());
    assertEquals(NODE, spec.nodeName());
  }

  @Test
  void readinessResultsDecideReadyAndConditionsKeepTheirTransitionTimes() {
    Pod pod = new PodBuilder(pod(container("app"))).withStatus(new PodStatusBuilder().withPhase("Running")
        .withStartTime("2026-01-01T11:00:00Z")
        .addNewCondition().withType("PodScheduled").withStatus("True").withLastTransitionTime("2026-01-01T10:00:00Z")
        .endCondition()
        .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime("2026-01-01T11:00:00Z")
        .endCondition().build()).build();
    var containers = List.of(infra("i1", true), running("a1", "app", 0));
    SyncResult notReady = SyncPlan.compute(input(List.of(pod), containers, Map.of(),
        Map.of(new ContainerKey(UID, "app"), false)));
    PodStatus status = notReady.statuses().get(UID);
    assertFalse(status.getContainerStatuses().get(0).getReady());
    PodCondition ready = condition(status, "Ready");
    assertEquals("False", ready.getStatus());
    assertEquals("ContainersNotReady", ready.getReason());
    assertEquals("containers with unready status: [app]", ready.getMessage());
    assertEquals("2026-01-01T12:00:00Z", ready.getLastTransitionTime(), "changed now");
    assertEquals("2026-01-01T10:00:00Z", condition(status, "PodScheduled").getLastTransitionTime(), "unchanged");
    assertEquals("2026-01-01T11:00:00Z", status.getStartTime());

    SyncResult isReady = SyncPlan.compute(input(List.of(pod), containers, Map.of(),
        Map.of(new ContainerKey(UID, "app"), true)));
    assertEquals("2026-01-01T11:00:00Z", condition(isReady.statuses().get(UID), "Ready").getLastTransitionTime());
  }

  @Test
  void backOffAfterFailuresDoublesUpToFiveMinutes() {
    List<Long> delays = new ArrayList<>();
    BackOff b = null;
    for (int i = 0; i < 8; i++) {
      b = BackOff.afterFailure(b, NOW, ImagePullException.ERR_IMAGE_PULL, "x");
      delays.add(b.delay().toSeconds());
    }
    assertEquals(Arrays.asList(10L, 20L, 40L, 80L, 160L, 300L, 300L, 300L), delays);
    assertEquals(NOW.plusSeconds(300), b.until());
    assertEquals(10, BackOff.afterFailure(b, NOW, BackOff.CRASH_LOOP, "x").delay().toSeconds(), "another reason starts over");
  }

  @Test
  void thePlanIsAPureFunctionOfItsInput() {
    SyncInput in = input(List.of(pod(container("app"))), List.of(infra("i1", false), running("a1", "app", 0)),
        crashLoop("app", 10), Map.of());
    SyncResult first = SyncPlan.compute(in);
    SyncResult second = SyncPlan.compute(in);
    assertEquals(first.actions(), second.actions());
    assertEquals(first.statuses(), second.statuses());
    assertEquals(first.backOff(), second.backOff());
  }
}
