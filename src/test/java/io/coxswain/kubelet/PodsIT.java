package io.coxswain.kubelet;

import static io.coxswain.kubelet.PodClusterSupport.condition;
import static io.coxswain.kubelet.PodClusterSupport.kubectl;
import static io.coxswain.kubelet.PodClusterSupport.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.kubelet.PodClusterSupport.Result;
import io.coxswain.testing.NodeProcess;
import io.coxswain.testing.Wait;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master on 127.0.5.1 running its local minion on the real Docker engine: pods with shared localhost,
 * env and service variables, volumes, restarts and back-off, probes, logs and exec through kubectl 1.32 and
 * the fabric8 client, deletion, and images that cannot be pulled.
 */
class PodsIT {
  private static final String NODE = "pods-it-m1";
  private static final String ADDRESS = "127.0.5.1";
  private static final Duration START = Duration.ofSeconds(60);

  @TempDir
  static Path root;

  private static NodeProcess master;
  private static KubernetesClient client;
  private static Path kubeconfig;

  @BeforeAll
  static void startMaster() throws Exception {
    PodClusterSupport.requireDocker();
    PodClusterSupport.removeContainers(NODE);
    master = NodeProcess.master(root, NODE, ADDRESS, 6443, 2380).start().awaitReady(START);
    kubeconfig = master.kubeconfig();
    client = PodClusterSupport.client(master);
    Wait.until("node " + NODE + " Ready", START, () -> {
      var n = client.nodes().withName(NODE).get();
      return n != null && n.getStatus().getConditions().stream()
          .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    });
  }

  @AfterAll
  static void stopMaster() throws Exception {
    if (client != null) {
      client.close();
    }
    if (master != null) {
      master.kill();
    }
    PodClusterSupport.removeContainers(NODE);
  }

  private static Pod create(String yaml) {
    return client.resource(yaml).create() instanceof Pod p ? p : null;
  }

  private static Pod pod(String name) {
    return client.pods().withName(name).get();
  }

  private static ContainerStatus awaitRunning(String pod, String container) {
    return Wait.forValue(pod + "/" + container + " running", START, () -> {
      ContainerStatus s = status(pod(pod), container);
      return s != null && s.getState() != null && s.getState().getRunning() != null ? s : null;
    });
  }

  @Test
  void twoContainersShareLocalhostEnvServicesAndVolumes() throws Exception {
    Service svc = client.services().resource(new io.fabric8.kubernetes.api.model.ServiceBuilder()
        .withNewMetadata().withName("web-svc").endMetadata()
        .withNewSpec().addNewPort().withPort(8080).endPort().addToSelector("app", "nobody").endSpec().build()).create();
    assertNotNull(svc.getSpec().getClusterIP());
    Path host = Files.createDirectories(root.resolve("host-dir"));
    Files.writeString(host.resolve("from-host.txt"), "written-on-the-host\n");
    create("""
        apiVersion: v1
        kind: Pod
        metadata: {name: duo}
        spec:
          terminationGracePeriodSeconds: 2
          volumes:
          - {name: scratch, emptyDir: {}}
          - {name: host, hostPath: {path: %s}}
          containers:
          - name: web
            image: coxswain/busybox:1
            command: [sh, -c, 'mkdir -p /www && echo served-by-web > /www/index.html && echo from-web > /scratch/note && exec httpd -f -p 8080 -h /www']
            volumeMounts: [{name: scratch, mountPath: /scratch}]
            readinessProbe: {exec: {command: [cat, /tmp/ready]}, periodSeconds: 1}
          - name: client
            image: coxswain/busybox:1
            env:
            - {name: PLAIN, value: plain-value}
            - {name: MY_POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: MY_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
            - {name: MY_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
            command: [sh, -c, 'until wget -qO- http://localhost:8080/ > /tmp/page; do sleep 0.2; done; cat /tmp/page; cat /scratch/note; cat /host/from-host.txt; echo from-the-pod > /host/from-pod.txt; echo done-reading; exec sleep 3600']
            volumeMounts: [{name: scratch, mountPath: /scratch}, {name: host, mountPath: /host}]
        """.formatted(host));
    awaitRunning("duo", "client");
    String log = Wait.forValue("the client's log to end its reading", START, () -> {
      String l = client.pods().withName("duo").inContainer("client").getLog();
      return l.contains("done-reading") ? l : null;
    });
    assertTrue(log.contains("served-by-web"), "fetched from the web container on localhost: " + log);
    assertTrue(log.contains("from-web"), "the emptyDir written by web is read by client: " + log);
    assertTrue(log.contains("written-on-the-host"), "the hostPath file is seen inside: " + log);
    assertEquals("from-the-pod\n", Files.readString(host.resolve("from-pod.txt")), "written through hostPath");

    Pod running = pod("duo");
    Result env = kubectl(kubeconfig, null, "exec", "duo", "-c", "client", "--", "env");
    assertEquals(0, env.code(), env.err());
    assertTrue(env.out().contains("PLAIN=plain-value\n"), env.out());
    assertTrue(env.out().contains("MY_POD=duo\n"), env.out());
    assertTrue(env.out().contains("MY_NS=default\n"), env.out());
    assertTrue(env.out().contains("MY_IP=" + running.getStatus().getPodIP() + "\n"), env.out());
    assertTrue(env.out().contains("WEB_SVC_SERVICE_HOST=" + svc.getSpec().getClusterIP() + "\n"), env.out());
    assertTrue(env.out().contains("WEB_SVC_SERVICE_PORT=8080\n"), env.out());

    // readiness follows a file created and removed with exec, both ways
    Wait.until("duo not Ready while /tmp/ready is missing", START, () -> "False".equals(condition(pod("duo"), "Ready")));
    assertEquals(0, kubectl(kubeconfig, null, "exec", "duo", "-c", "web", "--", "touch", "/tmp/ready").code());
    Wait.until("duo Ready", START, () -> "True".equals(condition(pod("duo"), "Ready")));
    assertEquals(0, kubectl(kubeconfig, null, "exec", "duo", "-c", "web", "--", "rm", "/tmp/ready").code());
    Wait.until("duo not Ready again", START, () -> "False".equals(condition(pod("duo"), "Ready")));
    assertEquals(0, status(pod("duo"), "web").getRestartCount(), "readiness never restarts");

    // the emptyDir lives on the node as long as the pod, and goes with it
    assertTrue(env.out().contains("WEB_SVC_PORT=tcp://" + svc.getSpec().getClusterIP() + ":8080\n"), env.out());
    assertTrue(env.out().contains("KUBERNETES_SERVICE_HOST="), "the masters' service: " + env.out());
    // the local minion keeps its state under the master's data dir
    Path podDir = master.dataDir().resolve("minion/pods").resolve(NODE).resolve(running.getMetadata().getUid());
    assertEquals("from-web\n", Files.readString(podDir.resolve("volumes/empty-dir/scratch/note")));
    client.pods().withName("duo").delete();
    Wait.until("duo deleted", START, () -> client.pods().withName("duo").get() == null);
    Wait.until("duo's emptyDir removed from the node", START, () -> !Files.exists(podDir));
  }

  @Test
  void failingContainersRestartWithGrowingBackOffUnlessNever() throws Exception {
    for (String policy : List.of("Always", "OnFailure", "Never")) {
      create("""
          apiVersion: v1
          kind: Pod
          metadata: {name: crash-%s}
          spec:
            restartPolicy: %s
            terminationGracePeriodSeconds: 1
            containers: [{name: c, image: coxswain/busybox:1, command: [sh, -c, 'echo crashing; exit 1']}]
          """.formatted(policy.toLowerCase(), policy));
    }
    create("""
        apiVersion: v1
        kind: Pod
        metadata: {name: liveness}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: c
            image: coxswain/busybox:1
            command: [sh, -c, 'touch /tmp/alive; exec sleep 3600']
            livenessProbe: {exec: {command: [cat, /tmp/alive]}, periodSeconds: 1, failureThreshold: 1}
        """);
    Wait.until("crash-never Failed", START, () -> "Failed".equals(pod("crash-never").getStatus().getPhase()));

    // the liveness probe: remove the file it reads and the container is restarted
    ContainerStatus live = awaitRunning("liveness", "c");
    assertEquals(0, live.getRestartCount());
    assertEquals(0, kubectl(kubeconfig, null, "exec", "liveness", "--", "rm", "/tmp/alive").code());
    ContainerStatus restarted = Wait.forValue("liveness restarted", START, () -> {
      ContainerStatus s = status(pod("liveness"), "c");
      return s != null && s.getRestartCount() >= 1 ? s : null;
    });
    assertNotNull(restarted.getLastState().getTerminated(), "the killed instance is the last state");
    assertFalse(live.getContainerID().equals(restarted.getContainerID()), "a new container replaced the old one");

    // back-off grows: 10 s before the first restart, 20 s before the second
    for (String name : List.of("crash-always", "crash-onfailure")) {
      Set<String> backOffs = new LinkedHashSet<>();
      Wait.until(name + " restarted twice after growing back-offs", Duration.ofSeconds(90), () -> {
        ContainerStatus s = status(pod(name), "c");
        if (s == null) {
          return false;
        }
        if (s.getState().getWaiting() != null && "CrashLoopBackOff".equals(s.getState().getWaiting().getReason())) {
          String m = s.getState().getWaiting().getMessage();
          backOffs.add(m.substring(0, m.indexOf(' ', "back-off ".length())));
        }
        return s.getRestartCount() >= 2 && backOffs.contains("back-off 20s");
      });
      // a poll may miss the first back-off; those it saw come in growing order
      List<String> seen = new ArrayList<>(backOffs);
      assertEquals(seen.stream().sorted(java.util.Comparator.comparingInt(m -> Integer.parseInt(m.replaceAll("\\D", ""))))
          .toList(), seen, name + " back-offs grow: " + seen);
      assertEquals("Running", pod(name).getStatus().getPhase(), name + " keeps trying");
    }
    ContainerStatus never = status(pod("crash-never"), "c");
    assertEquals(0, never.getRestartCount(), "Never does not restart");
    assertEquals(1, never.getState().getTerminated().getExitCode());
    assertEquals("Failed", pod("crash-never").getStatus().getPhase());
  }

  @Test
  void kubectlLogsAndExec() throws Exception {
    create("""
        apiVersion: v1
        kind: Pod
        metadata: {name: talker}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - {name: c, image: coxswain/busybox:1, command: [sh, -c, 'i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.5; done']}
        """);
    awaitRunning("talker", "c");
    Wait.until("talker logged", START, () -> kubectl(kubeconfig, null, "logs", "talker").out().contains("line-1\n"));

    // logs -f streams new lines and ends when stopped
    Process follow = new ProcessBuilder(PodClusterSupport.KUBECTL, "--kubeconfig=" + kubeconfig, "logs", "-f", "talker")
        .redirectErrorStream(true).start();
    try {
      InputStream in = follow.getInputStream();
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      int first = -1;
      byte[] buf = new byte[4096];
      long deadline = System.nanoTime() + START.toNanos();
      while (System.nanoTime() < deadline) {
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        seen.write(buf, 0, n);
        String text = seen.toString(StandardCharsets.UTF_8);
        List<String> lines = text.substring(0, text.lastIndexOf('\n') + 1).lines()
            .filter(l -> l.matches("line-\\d+")).toList();
        if (lines.isEmpty()) {
          continue;
        }
        int last = Integer.parseInt(lines.get(lines.size() - 1).substring(5));
        if (first < 0) {
          first = last;
        } else if (last >= first + 3) {
          break;
        }
      }
      assertTrue(follow.isAlive(), "logs -f is still following: " + seen);
      assertTrue(first >= 0 && seen.toString(StandardCharsets.UTF_8).contains("line-" + (first + 3)),
          "logs -f showed new lines as they came: " + seen);
    } finally {
      follow.destroy();
    }
    assertTrue(follow.waitFor(20, TimeUnit.SECONDS), "logs -f ended when stopped");

    Result hi = kubectl(kubeconfig, null, "exec", "talker", "--", "echo", "hi");
    assertEquals(0, hi.code(), hi.err());
    assertEquals("hi\n", hi.out());
    Result three = kubectl(kubeconfig, null, "exec", "talker", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
    assertEquals(3, three.code(), three.err());
    assertEquals("out\n", three.out());
    assertTrue(three.err().contains("err\n"), three.err());

    // an interactive shell fed on stdin prints its output and ends when stdin closes
    Result shell = kubectl(kubeconfig, "echo one\necho two >&2\necho three-$((1+2))\n", "exec", "-i", "talker", "--", "sh");
    assertEquals(0, shell.code(), shell.err());
    assertEquals("one\nthree-3\n", shell.out());
    assertTrue(shell.err().contains("two"), shell.err());
    Result upper = kubectl(kubeconfig, "hello stdin\n", "exec", "-i", "talker", "--", "tr", "a-z", "A-Z");
    assertEquals(0, upper.code(), upper.err());
    assertEquals("HELLO STDIN\n", upper.out());
    Result exitFour = kubectl(kubeconfig, "exit 4\n", "exec", "-i", "talker", "--", "sh");
    assertEquals(4, exitFour.code(), exitFour.err());

    // -it: a terminal on both sides (script gives kubectl one)
    Process tty = new ProcessBuilder("script", "-qec", PodClusterSupport.KUBECTL + " --kubeconfig=" + kubeconfig
        + " exec -it talker -- sh", "/dev/null").redirectErrorStream(true).start();
    try {
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      Thread reader = new Thread(() -> {
        try {
          tty.getInputStream().transferTo(new OutputStream() {
            @Override
            public void write(int b) {
              synchronized (seen) {
                seen.write(b);
              }
            }

            @Override
            public void write(byte[] b, int off, int len) {
              synchronized (seen) {
                seen.write(b, off, len);
              }
            }
          });
        } catch (java.io.IOException e) {
          // the process ended
        }
      });
      reader.start();
      Wait.until("a shell prompt", START, () -> {
        synchronized (seen) {
          return seen.toString(StandardCharsets.UTF_8).contains("# ");
        }
      });
      OutputStream keys = tty.getOutputStream();
      keys.write("[ -t 0 ] && echo is-a-tty-$((6*7))\n".getBytes(StandardCharsets.UTF_8));
      keys.flush();
      Wait.until("the command's output", START, () -> {
        synchronized (seen) {
          return seen.toString(StandardCharsets.UTF_8).contains("is-a-tty-42");
        }
      });
      keys.write("exit 5\n".getBytes(StandardCharsets.UTF_8));
      keys.flush();
      assertTrue(tty.waitFor(30, TimeUnit.SECONDS), "the tty session ended with exit");
      assertEquals(5, tty.exitValue(), "the shell's exit code comes back through the tty session");
    } finally {
      tty.destroyForcibly();
    }
  }

  /**
   * {@code pods/attach}: {@code kubectl run -i --rm} (attach to the new pod's stdin and output, the container's
   * exit code as kubectl's own, the pod deleted after) and {@code kubectl attach -i} to a running container
   * kept with stdin open, whose input ending closes the container's stdin ({@code stdinOnce}).
   */
  @Test
  void kubectlRunInteractiveAndAttach() throws Exception {
    Result run = kubectl(kubeconfig, "hello\n", "run", "att-run", "-i", "--rm", "--restart=Never",
        "--image=coxswain/busybox:1", "--", "sh", "-c", "read x; echo got-$x");
    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().contains("got-hello\n"), run.out());
    Wait.until("the --rm pod deleted", START, () -> pod("att-run") == null);

    Result exit = kubectl(kubeconfig, "x\n", "run", "att-exit", "-i", "--rm", "--restart=Never",
        "--image=coxswain/busybox:1", "--", "sh", "-c", "read x; echo read-$x; exit 5");
    assertEquals(5, exit.code(), exit.out() + exit.err());
    assertTrue(exit.out().contains("read-x\n"), exit.out());

    create("""
        apiVersion: v1
        kind: Pod
        metadata: {name: attached}
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers:
          - {name: sh, image: coxswain/busybox:1, command: [sh], stdin: true, stdinOnce: true}
        """);
    awaitRunning("attached", "sh");
    Result attach = kubectl(kubeconfig, "echo attached-$((40+2))\nexit 4\n", "attach", "-i", "attached");
    assertEquals(0, attach.code(), attach.err());
    assertTrue(attach.out().contains("attached-42\n"), attach.out());
    ContainerStatus ended = Wait.forValue("the attached shell's end in the pod's status", START, () -> {
      ContainerStatus st = status(pod("attached"), "sh");
      return st != null && st.getState() != null && st.getState().getTerminated() != null ? st : null;
    });
    assertEquals(4, ended.getState().getTerminated().getExitCode());
    Result again = kubectl(kubeconfig, null, "attach", "attached");
    assertNotEquals(0, again.code(), "a container that ended cannot be attached to: " + again.out());
  }

  /**
   * {@code pods/portforward}: {@code kubectl port-forward} (its WebSocket carrying SPDY) reaches a declared port
   * of a pod: 3 MB down as served, 3 MB up with the client's half-close passed on (the pod answers after its
   * input ended); an undeclared port is refused with a message on kubectl's error stream.
   */
  @Test
  void kubectlPortForwardCarriesBothWaysAndRefusesAnUndeclaredPort() throws Exception {
    create("""
        apiVersion: v1
        kind: Pod
        metadata: {name: forwarded}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: web
            image: coxswain/busybox:1
            command: [sh, -c, 'dd if=/dev/urandom of=/tmp/big bs=1024 count=3072 2>/dev/null; md5sum /tmp/big > /tmp/sum; exec httpd -f -p 8080 -h /tmp']
            ports: [{containerPort: 8080}]
          - name: sum
            image: coxswain/busybox:1
            command: [sh, -c, 'while true; do nc -l -p 9000 -e md5sum; done']
            ports: [{containerPort: 9000}]
        """);
    awaitRunning("forwarded", "web");
    awaitRunning("forwarded", "sum");
    Wait.until("the pod's file written", START,
        () -> kubectl(kubeconfig, null, "exec", "forwarded", "-c", "web", "--", "cat", "/tmp/sum").out().contains("/tmp/big"));
    String servedSum = kubectl(kubeconfig, null, "exec", "forwarded", "-c", "web", "--", "cat", "/tmp/sum").out().split(" ")[0];

    Process pf = new ProcessBuilder(PodClusterSupport.KUBECTL, "--kubeconfig=" + kubeconfig, "port-forward",
        "--address=127.0.0.1", "pod/forwarded", ":8080", ":9000", ":7777").redirectErrorStream(true).start();
    StringBuffer said = new StringBuffer();
    Thread reader = new Thread(() -> {
      try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(pf.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          said.append(line).append('\n');
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    reader.start();
    try {
      Wait.until("kubectl forwarding three ports", START, () -> said.toString().split("Forwarding from").length > 3,
          said::toString);
      java.util.Map<Integer, Integer> local = new java.util.HashMap<>();
      var m = java.util.regex.Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> (\\d+)").matcher(said);
      while (m.find()) {
        local.put(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(1)));
      }

      java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", local.get(8080))) {
        s.setSoTimeout(30_000);
        s.getOutputStream().write("GET /big HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] all = s.getInputStream().readAllBytes();
        int body = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)) + 4;
        assertEquals(3072 * 1024, all.length - body, new String(all, 0, Math.min(200, all.length), StandardCharsets.ISO_8859_1));
        md5.update(all, body, all.length - body);
      }
      assertEquals(servedSum, java.util.HexFormat.of().formatHex(md5.digest()), "the 3 MB came down as served");

      byte[] up = new byte[3_000_000];
      new java.util.Random(7).nextBytes(up);
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", local.get(9000))) {
        s.setSoTimeout(30_000);
        s.getOutputStream().write(up);
        s.shutdownOutput();
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(up))
            + "  -\n", answer, "the 3 MB went up, and the pod answered once its input ended");
      }

      try (java.net.Socket s = new java.net.Socket("127.0.0.1", local.get(7777))) {
        s.setSoTimeout(30_000);
        s.getInputStream().readAllBytes();
      }
      Wait.until("kubectl reporting the undeclared port", START,
          () -> said.toString().contains("port 7777 is not a TCP containerPort of pod forwarded"), said::toString);
    } finally {
      pf.destroy();
      pf.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static int indexOf(byte[] all, byte[] part) {
    outer:
    for (int i = 0; i + part.length <= all.length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (all[i + j] != part[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("no end of headers in the answer");
  }

  @Test
  void deletedPodsContainersGoWithinTheGracePeriod() throws Exception {
    create("""
        apiVersion: v1
        kind: Pod
        metadata: {name: doomed}
        spec:
          terminationGracePeriodSeconds: 3
          containers: [{name: c, image: coxswain/busybox:1, command: [sleep, '3600']}]
        """);
    awaitRunning("doomed", "c");
    String uid = pod("doomed").getMetadata().getUid();
    Wait.until("doomed has containers", START, () -> !podContainers(uid).isEmpty());
    client.pods().withName("doomed").delete();
    Wait.until("doomed removed from the API", START, () -> pod("doomed") == null);
    Wait.until("doomed's containers removed", Duration.ofSeconds(30), () -> podContainers(uid).isEmpty());
  }

  private static List<String> podContainers(String uid) throws Exception {
    return PodClusterSupport.run(List.of("docker", "ps", "-aq", "--filter", "label=" + ContainerLabels.POD_UID + "=" + uid),
        null).out().lines().filter(s -> !s.isBlank()).toList();
  }

  @Test
  void missingImageBacksOffAndTheNodeStaysReady() {
    Pod created = create("""
        apiVersion: v1
        kind: Pod
        metadata: {name: no-image}
        spec:
          containers: [{name: c, image: 'coxswain/does-not-exist:9'}]
        """);
    List<String> reasons = java.util.Collections.synchronizedList(new ArrayList<>());
    // every status the pod goes through from its creation on (a poll could miss a short-lived one)
    Watch watch = client.pods().withName("no-image").withResourceVersion(created.getMetadata().getResourceVersion())
        .watch(new Watcher<Pod>() {
      @Override
      public void eventReceived(Action action, Pod p) {
        ContainerStatus s = status(p, "c");
        if (s != null && s.getState() != null && s.getState().getWaiting() != null) {
          reasons.add(s.getState().getWaiting().getReason());
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        // the test ended
      }
    });
    try {
      awaitPullBackOff(reasons);
    } finally {
      watch.close();
    }
  }

  private void awaitPullBackOff(List<String> reasons) {
    Wait.until("ErrImagePull then ImagePullBackOff", Duration.ofSeconds(60),
        () -> reasons.contains("ErrImagePull") && reasons.contains("ImagePullBackOff"));
    assertEquals(List.of("ErrImagePull", "ImagePullBackOff"),
        List.copyOf(reasons).stream().filter(r -> r.equals("ErrImagePull") || r.equals("ImagePullBackOff")).distinct().toList());
    assertEquals("Pending", pod("no-image").getStatus().getPhase());
    var node = client.nodes().withName(NODE).get();
    assertTrue(node.getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")), "the node stays Ready");
  }
}
