package io.coxswain.kubelet;

import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory {@link ContainerRuntime}: containers "run" the moment they start and until stopped. For
 * hollow nodes (many simulated minions in one process) and unit tests. Thread-safe. Published ports are
 * numbered from 40000 unless a hostPort is asked for. Tests can make a container exit with
 * {@link #exit}, and make images unavailable with {@link #removeImage}.
 */
public final class FakeRuntime implements ContainerRuntime {
  private final Clock clock;
  private final Map<String, ObservedContainer> containers = new LinkedHashMap<>();
  private final Map<String, StringBuilder> logs = new LinkedHashMap<>();
  private final Map<String, String> nodeOf = new LinkedHashMap<>();
  private final Set<String> images = new HashSet<>();
  private final Set<String> pullable = new HashSet<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong ports = new AtomicLong(40000);
  private boolean pullEverything = true;
  private boolean createsAhead;

  public FakeRuntime(Clock clock) {
    this.clock = clock;
  }

  public FakeRuntime() {
    this(Clock.systemUTC());
  }

  /** From now on only images added with {@link #addImage} or {@link #allowPull} exist. */
  public synchronized FakeRuntime strictImages() {
    pullEverything = false;
    return this;
  }

  /**
   * From now on containers are created, then started, as on Docker: an app container can be created joined to
   * an infra container that exists but does not run yet, and a new pod's start is pipelined.
   */
  public synchronized FakeRuntime creatingAhead() {
    createsAhead = true;
    return this;
  }

  public synchronized FakeRuntime addImage(String image) {
    images.add(image);
    return this;
  }

  public synchronized FakeRuntime allowPull(String image) {
    pullable.add(image);
    return this;
  }

  public synchronized void removeImage(String image) {
    images.remove(image);
    pullable.remove(image);
  }

  /** Makes a running container exit with {@code exitCode} (as if its process ended). */
  public synchronized void exit(String containerId, int exitCode) {
    ObservedContainer c = containers.get(containerId);
    if (c != null && c.running()) {
      containers.put(containerId, c.withState(ObservedContainer.State.EXITED, exitCode, c.startedAt(),
          clock.instant()));
    }
  }

  /** Appends a line to a container's log. */
  public synchronized void log(String containerId, String line) {
    logs.computeIfAbsent(containerId, k -> new StringBuilder()).append(line).append('\n');
  }

  @Override
  public RuntimeVersion version() {
    return new RuntimeVersion("fake", "1.0.0", "1.41");
  }

  @Override
  public RuntimeInfo info() {
    return new RuntimeInfo(4, 8L << 30, "linux", "x86_64", "fake", "Coxswain fake runtime");
  }

  @Override
  public boolean ping() {
    return true;
  }

  @Override
  public synchronized void ensureImage(String image, PullPolicy policy) {
    boolean present = images.contains(image);
    boolean canPull = pullEverything || pullable.contains(image);
    if (policy == PullPolicy.NEVER && !present) {
      throw new ImagePullException(ImagePullException.ERR_IMAGE_NEVER_PULL,
          "image " + image + " is not present on the node and its imagePullPolicy is Never", null);
    }
    if ((policy == PullPolicy.ALWAYS || !present) && !canPull) {
      if (present) {
        return;
      }
      throw new ImagePullException(ImagePullException.ERR_IMAGE_PULL,
          "image " + image + " is not present and cannot be pulled: no such image", null);
    }
    images.add(image);
  }

  @Override
  public String infraImage() {
    return "fake/pause:1";
  }

  @Override
  public synchronized List<ObservedContainer> listContainers(String nodeName) {
    return containers.values().stream().filter(c -> nodeOf.getOrDefault(c.id(), "").equals(nodeName)).toList();
  }

  @Override
  public synchronized InfraContainer startInfra(InfraSpec spec) {
    String id = nextId();
    List<PublishedPort> published = new ArrayList<>();
    if (!spec.hostNetwork()) {
      for (PortMapping p : spec.ports()) {
        int hostPort = p.hostPort() > 0 ? p.hostPort() : (int) ports.getAndIncrement();
        published.add(new PublishedPort(p.containerPort(), p.protocol(),
            p.hostIp() == null ? "127.0.0.1" : p.hostIp(), hostPort));
      }
    }
    var now = clock.instant();
    containers.put(id, new ObservedContainer(id, spec.pod(), ContainerLabels.INFRA_CONTAINER_NAME,
        ContainerLabels.Role.INFRA, 0, "", infraImage(), "sha256:fake-pause", ObservedContainer.State.RUNNING,
        null, now, now, null, false, null, published, spec.graceSeconds()));
    nodeOf.put(id, spec.nodeName());
    return new InfraContainer(id, published);
  }

  @Override
  public synchronized String startContainer(ContainerSpec spec) {
    if (!spec.hostNetwork()) {
      ObservedContainer infra = spec.networkFrom() == null ? null : containers.get(spec.networkFrom());
      if (infra == null || !infra.running()) {
        throw new ContainerRuntimeException("cannot start container " + spec.name() + " of pod " + spec.pod()
            + ": its infra container " + spec.networkFrom() + " is not running");
      }
    }
    return addApp(spec, ObservedContainer.State.RUNNING, clock.instant());
  }

  private String addApp(ContainerSpec spec, ObservedContainer.State state, java.time.Instant startedAt) {
    if (!images.contains(spec.image()) && !pullEverything) {
      throw new ContainerRuntimeException("cannot create container " + spec.name() + ": no such image: "
          + spec.image());
    }
    String id = nextId();
    containers.put(id, new ObservedContainer(id, spec.pod(), spec.name(), ContainerLabels.Role.APP,
        spec.restartCount(), spec.specHash(), spec.image(), "sha256:" + Integer.toHexString(spec.image().hashCode()),
        state, null, clock.instant(), startedAt, null, false, null, List.of(), spec.graceSeconds()));
    nodeOf.put(id, spec.nodeName());
    return id;
  }

  @Override
  public synchronized boolean createsAhead() {
    return createsAhead;
  }

  @Override
  public synchronized String createInfra(InfraSpec spec) {
    String id = startInfra(spec).id();
    containers.put(id, containers.get(id).withState(ObservedContainer.State.CREATED, null, null, null));
    return id;
  }

  @Override
  public synchronized void startCreatedInfra(String id, InfraSpec spec) {
    ObservedContainer c = requireContainer(id);
    containers.put(id, c.withState(ObservedContainer.State.RUNNING, null, clock.instant(), null));
  }

  @Override
  public synchronized String createContainer(ContainerSpec spec) {
    if (!spec.hostNetwork() && (spec.networkFrom() == null || !containers.containsKey(spec.networkFrom()))) {
      throw new ContainerRuntimeException("cannot create container " + spec.name() + " of pod " + spec.pod()
          + ": no infra container " + spec.networkFrom());
    }
    return addApp(spec, ObservedContainer.State.CREATED, null);
  }

  @Override
  public synchronized void startCreated(String id, ContainerSpec spec) {
    ObservedContainer c = requireContainer(id);
    ObservedContainer infra = spec.hostNetwork() ? null : containers.get(spec.networkFrom());
    if (!spec.hostNetwork() && (infra == null || !infra.running())) {
      throw new ContainerRuntimeException("cannot start container " + spec.name() + " of pod " + spec.pod()
          + ": its infra container " + spec.networkFrom() + " is not running");
    }
    containers.put(id, c.withState(ObservedContainer.State.RUNNING, null, clock.instant(), null));
  }

  @Override
  public synchronized void stop(String containerId, Duration grace) {
    ObservedContainer c = containers.get(containerId);
    if (c != null && c.running()) {
      containers.put(containerId, c.withState(ObservedContainer.State.EXITED, 137, c.startedAt(), clock.instant()));
    }
  }

  @Override
  public synchronized void remove(String containerId) {
    containers.remove(containerId);
    nodeOf.remove(containerId);
    logs.remove(containerId);
  }

  @Override
  public synchronized Optional<ObservedContainer> inspect(String containerId) {
    return Optional.ofNullable(containers.get(containerId));
  }

  @Override
  public synchronized String logs(String containerId, LogOptions options) {
    requireContainer(containerId);
    String all = logs.getOrDefault(containerId, new StringBuilder()).toString();
    if (options.tail() == null) {
      return all;
    }
    List<String> lines = all.lines().toList();
    int from = Math.max(0, lines.size() - options.tail());
    StringBuilder out = new StringBuilder();
    lines.subList(from, lines.size()).forEach(l -> out.append(l).append('\n'));
    return out.toString();
  }

  @Override
  public Closeable streamLogs(String containerId, LogOptions options, StreamSink sink) {
    String text = logs(containerId, options);
    if (!text.isEmpty()) {
      sink.onData(StreamSink.Channel.STDOUT, text.getBytes(StandardCharsets.UTF_8));
    }
    sink.onEnd(null);
    return () -> {};
  }

  @Override
  public ExecSession exec(String containerId, ExecSpec spec, StreamSink sink) {
    ObservedContainer c = requireContainer(containerId);
    if (!c.running()) {
      throw new ContainerRuntimeException("container " + containerId + " is not running");
    }
    sink.onEnd(null);
    return new ExecSession() {
      @Override
      public void write(byte[] data) {}

      @Override
      public void closeStdin() {}

      @Override
      public void resize(int width, int height) {}

      @Override
      public java.util.concurrent.CompletionStage<Void> outputEnded() {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
      }

      @Override
      public OptionalInt awaitExit(Duration timeout) {
        return OptionalInt.of(0);
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public ExecResult execAndWait(String containerId, List<String> command, Duration timeout) {
    ObservedContainer c = requireContainer(containerId);
    if (!c.running()) {
      throw new ContainerRuntimeException("container " + containerId + " is not running");
    }
    return new ExecResult(0, "", "");
  }

  @Override
  public synchronized ContainerStats stats(String containerId) {
    requireContainer(containerId);
    return new ContainerStats(clock.instant(), 0, 0, 8L << 30);
  }

  @Override
  public void close() {}

  private synchronized ObservedContainer requireContainer(String containerId) {
    ObservedContainer c = containers.get(containerId);
    if (c == null) {
      throw new ContainerRuntimeException("no such container: " + containerId);
    }
    return c;
  }

  private String nextId() {
    return String.format("fake%060d", ids.incrementAndGet());
  }
}
