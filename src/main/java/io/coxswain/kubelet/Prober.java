package io.coxswain.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Liveness and readiness probes (httpGet, tcpSocket, exec) of running containers, with
 * initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold and failureThreshold. Pods are
 * reached as every client reaches them here: at the node address on the port published for the probed
 * container port. Readiness results feed the sync plan; a liveness failure asks the kubelet to kill the
 * container (the plan then restarts it).
 */
final class Prober {
  /** Told when a container fails its liveness probe failureThreshold times in a row. */
  interface LivenessFailure {
    void failed(Pod pod, String containerName, String containerId, String message);
  }

  private enum Kind { LIVENESS, READINESS }

  private record WorkerKey(String containerId, Kind kind) {}

  private final ContainerRuntime runtime;
  private final String hostIP;
  private final Map<ContainerKey, Boolean> readiness = new ConcurrentHashMap<>();
  private final Map<WorkerKey, ProbeWorker> workers = new HashMap<>();
  private Vertx vertx;
  private HttpClientAgent http;
  private NetClient net;
  private Runnable onReadinessChange;
  private LivenessFailure onLiveness;

  Prober(ContainerRuntime runtime, String hostIP) {
    this.runtime = runtime;
    this.hostIP = hostIP;
  }

  void start(Vertx vertx, Runnable onReadinessChange, LivenessFailure onLiveness) {
    this.vertx = vertx;
    this.onReadinessChange = onReadinessChange;
    this.onLiveness = onLiveness;
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(1000));
    this.net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(1000));
  }

  void stop() {
    workers.values().forEach(ProbeWorker::cancel);
    workers.clear();
    if (http != null) {
      http.close();
      net.close();
    }
  }

  Map<ContainerKey, Boolean> readiness() {
    return Map.copyOf(readiness);
  }

  void forget(String podUid) {
    readiness.keySet().removeIf(k -> k.podUid().equals(podUid));
    workers.entrySet().removeIf(e -> {
      if (e.getValue().pod.getMetadata().getUid().equals(podUid)) {
        e.getValue().cancel();
        return true;
      }
      return false;
    });
  }

  /** Starts workers for running containers that have probes and stops those of containers that went. */
  void track(List<Pod> pods, List<ObservedContainer> containers) {
    Map<String, Pod> byUid = new HashMap<>();
    pods.forEach(p -> byUid.put(p.getMetadata().getUid(), p));
    Map<String, ObservedContainer> infraByPod = new HashMap<>();
    for (ObservedContainer c : containers) {
      if (c.infra() && c.running()) {
        infraByPod.put(c.pod().uid(), c);
      }
    }
    Map<WorkerKey, Boolean> alive = new HashMap<>();
    for (ObservedContainer c : containers) {
      Pod pod = byUid.get(c.pod().uid());
      if (c.infra() || !c.running() || pod == null || pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      Container spec = pod.getSpec().getContainers().stream().filter(x -> x.getName().equals(c.containerName()))
          .findFirst().orElse(null);
      if (spec == null) {
        continue;
      }
      ContainerKey key = new ContainerKey(c.pod().uid(), c.containerName());
      if (spec.getReadinessProbe() != null) {
        WorkerKey wk = new WorkerKey(c.id(), Kind.READINESS);
        alive.put(wk, true);
        workers.computeIfAbsent(wk, k -> {
          readiness.put(key, false);
          return new ProbeWorker(pod, spec, c, infraByPod.get(c.pod().uid()), Kind.READINESS, spec.getReadinessProbe());
        });
      } else {
        readiness.remove(key);
      }
      if (spec.getLivenessProbe() != null) {
        WorkerKey wk = new WorkerKey(c.id(), Kind.LIVENESS);
        alive.put(wk, true);
        workers.computeIfAbsent(wk, k -> new ProbeWorker(pod, spec, c, infraByPod.get(c.pod().uid()), Kind.LIVENESS,
            spec.getLivenessProbe()));
      }
    }
    workers.entrySet().removeIf(e -> {
      if (!alive.containsKey(e.getKey())) {
        e.getValue().cancel();
        return true;
      }
      return false;
    });
  }

  private final class ProbeWorker {
    final Pod pod;
    final Container spec;
    final ObservedContainer container;
    final ObservedContainer infra;
    final Kind kind;
    final Probe probe;
    final ContainerKey key;
    int successes;
    int failures;
    long timer = -1;
    boolean cancelled;

    ProbeWorker(Pod pod, Container spec, ObservedContainer container, ObservedContainer infra, Kind kind, Probe probe) {
      this.pod = pod;
      this.spec = spec;
      this.container = container;
      this.infra = infra;
      this.kind = kind;
      this.probe = probe;
      this.key = new ContainerKey(pod.getMetadata().getUid(), spec.getName());
      long initial = probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds() * 1000L;
      Instant started = container.startedAt() == null ? Instant.now() : container.startedAt();
      long wait = Math.max(0, started.toEpochMilli() + initial - System.currentTimeMillis());
      timer = vertx.setTimer(Math.max(1, wait), id -> tick());
    }

    void cancel() {
      cancelled = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }

    private long period() {
      return (probe.getPeriodSeconds() == null || probe.getPeriodSeconds() <= 0 ? 10 : probe.getPeriodSeconds()) * 1000L;
    }

    private void tick() {
      if (cancelled) {
        return;
      }
      run().onComplete(ar -> {
        if (cancelled) {
          return;
        }
        record(ar.succeeded() && ar.result() == null, ar.succeeded() ? ar.result() : String.valueOf(ar.cause().getMessage()));
        if (!cancelled) {
          timer = vertx.setTimer(period(), id -> tick());
        }
      });
    }

    private void record(boolean ok, String message) {
      int successThreshold = probe.getSuccessThreshold() == null || probe.getSuccessThreshold() < 1 ? 1 : probe.getSuccessThreshold();
      int failureThreshold = probe.getFailureThreshold() == null || probe.getFailureThreshold() < 1 ? 3 : probe.getFailureThreshold();
      if (ok) {
        successes++;
        failures = 0;
      } else {
        failures++;
        successes = 0;
      }
      if (kind == Kind.READINESS) {
        Boolean before = readiness.get(key);
        if (ok && successes >= successThreshold && !Boolean.TRUE.equals(before)) {
          readiness.put(key, true);
          onReadinessChange.run();
        } else if (!ok && failures >= failureThreshold && !Boolean.FALSE.equals(before)) {
          readiness.put(key, false);
          onReadinessChange.run();
        }
      } else if (!ok && failures >= failureThreshold) {
        cancel();
        onLiveness.failed(pod, spec.getName(), container.id(), message);
      }
    }

    /** Runs the probe once: completes with null on success, else with the failure's message. */
    private Future<String> run() {
      long timeoutMs = (probe.getTimeoutSeconds() == null || probe.getTimeoutSeconds() < 1 ? 1 : probe.getTimeoutSeconds()) * 1000L;
      if (probe.getExec() != null && probe.getExec().getCommand() != null && !probe.getExec().getCommand().isEmpty()) {
        List<String> cmd = probe.getExec().getCommand();
        return vertx.executeBlocking(() -> {
          ExecResult r = runtime.execAndWait(container.id(), cmd, Duration.ofMillis(timeoutMs));
          return r.exitCode() == 0 ? null : "command " + cmd + " exited with " + r.exitCode();
        }, false);
      }
      if (probe.getHttpGet() != null) {
        int port = hostPort(probe.getHttpGet().getPort());
        if (port <= 0) {
          return Future.succeededFuture("port " + probe.getHttpGet().getPort() + " is not published");
        }
        String path = probe.getHttpGet().getPath() == null ? "/" : probe.getHttpGet().getPath();
        return http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(hostIP).setPort(port).setURI(path)
                .setTimeout(timeoutMs))
            .compose(req -> req.send())
            .compose(resp -> resp.body().map(b -> resp.statusCode() >= 200 && resp.statusCode() < 400 ? null
                : "HTTP probe failed with statuscode: " + resp.statusCode()))
            .recover(err -> Future.succeededFuture("Get \"http://" + hostIP + ":" + port + path + "\": " + err.getMessage()));
      }
      if (probe.getTcpSocket() != null) {
        int port = hostPort(probe.getTcpSocket().getPort());
        if (port <= 0) {
          return Future.succeededFuture("port " + probe.getTcpSocket().getPort() + " is not published");
        }
        return net.connect(port, hostIP).map(sock -> {
          sock.close();
          return (String) null;
        }).recover(err -> Future.succeededFuture("dial tcp " + hostIP + ":" + port + ": " + err.getMessage()));
      }
      return Future.succeededFuture(null);
    }

    /** The node port where the probed container port is reachable. */
    private int hostPort(IntOrString port) {
      int containerPort = -1;
      if (port == null) {
        return -1;
      }
      if (port.getIntVal() != null) {
        containerPort = port.getIntVal();
      } else if (spec.getPorts() != null) {
        for (ContainerPort p : spec.getPorts()) {
          if (port.getStrVal().equals(p.getName())) {
            containerPort = p.getContainerPort();
          }
        }
      }
      if (containerPort <= 0) {
        return -1;
      }
      if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
        return containerPort;
      }
      if (infra != null) {
        for (PublishedPort pp : infra.publishedPorts()) {
          if (pp.containerPort() == containerPort && "TCP".equalsIgnoreCase(pp.protocol())) {
            return pp.hostPort();
          }
        }
      }
      return -1;
    }
  }
}
