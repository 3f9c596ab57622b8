package io.coxswain.kubelet;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.Ulimit;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.api.model.VersionComponent;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ContainerRuntime} on the Docker Engine API (Docker, or Podman's Docker-compatible service) through
 * docker-java with the httpclient5 transport. The API version is left unset so the engine picks it.
 * Every method blocks; stream callbacks run on docker-java's threads.
 */
public final class DockerRuntime implements ContainerRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(DockerRuntime.class);

  /** The infra image asked for when none is configured. */
  public static final String DEFAULT_INFRA_IMAGE = "registry.k8s.io/pause:3.10";
  /** The infra image {@code packaging/build-test-image.sh} builds; used when the configured one is absent. */
  public static final String LOCAL_PAUSE_IMAGE = "coxswain/pause:1";
  /** The infra image this runtime builds itself from the host's static busybox as a last resort. */
  public static final String BUILT_PAUSE_IMAGE = "coxswain/pause:local";

  /** Podman's rootful service fails every container without it on these machines (hard limit 20000). */
  private static final long NOFILE = 20000L;
  /** The process limit given to containers on Podman (see {@link #ulimits()}). */
  private static final long NPROC = 32768L;
  private static final Instant ZERO_TIME = Instant.parse("0001-01-01T00:00:00Z");

  /**
   * How to reach the engine.
   *
   * @param endpoint    unix:///path or tcp://host:port (see {@link RuntimeEndpoint})
   * @param infraImage  the infra image wanted (null for {@link #DEFAULT_INFRA_IMAGE})
   * @param pullTimeout how long one image pull may take
   */
  public record Config(String endpoint, String infraImage, Duration pullTimeout) {
    public Config {
      infraImage = infraImage == null || infraImage.isBlank() ? DEFAULT_INFRA_IMAGE : infraImage;
      pullTimeout = pullTimeout == null ? Duration.ofMinutes(5) : pullTimeout;
    }
  }

  private final Config config;
  private final ApacheDockerHttpClient http;
  private final DockerClient docker;
  private final Object infraLock = new Object();
  private volatile String resolvedInfraImage;
  private volatile RuntimeVersion version;

  public DockerRuntime(Config config) {
    this.config = config;
    URI host = URI.create(config.endpoint());
    DefaultDockerClientConfig clientConfig = DefaultDockerClientConfig.createDefaultConfigBuilder()
        .withDockerHost(config.endpoint())
        .withDockerTlsVerify(false)
        .build();
    this.http = new ApacheDockerHttpClient.Builder()
        .dockerHost(host)
        .maxConnections(64)
        .connectionTimeout(Duration.ofSeconds(10))
        .build();
    this.docker = DockerClientImpl.getInstance(clientConfig, http);
  }

  /** A runtime on the endpoint found by {@link RuntimeEndpoint#resolve}. */
  public static DockerRuntime connect(String endpointFlag, String infraImage) {
    String endpoint = RuntimeEndpoint.resolve(endpointFlag, System.getenv(), Files::exists);
    return new DockerRuntime(new Config(endpoint, infraImage, null));
  }

  public String endpoint() {
    return config.endpoint();
  }

  // ---------------------------------------------------------------- engine

  @Override
  public RuntimeVersion version() {
    RuntimeVersion known = version;
    if (known != null) {
      return known;
    }
    Version v = call("read the engine version", () -> docker.versionCmd().exec());
    String name = "docker";
    String engineVersion = v.getVersion();
    if (v.getComponents() != null) {
      for (VersionComponent component : v.getComponents()) {
        if (component.getName() != null && component.getName().toLowerCase().contains("podman")) {
          name = "podman";
          engineVersion = component.getVersion();
        }
      }
    }
    known = new RuntimeVersion(name, engineVersion, v.getApiVersion());
    version = known;
    return known;
  }

  @Override
  public RuntimeInfo info() {
    var info = call("read the engine info", () -> docker.infoCmd().exec());
    return new RuntimeInfo(info.getNCPU() == null ? 0 : info.getNCPU(),
        info.getMemTotal() == null ? 0 : info.getMemTotal(), info.getOsType(), info.getArchitecture(),
        info.getKernelVersion(), info.getOperatingSystem());
  }

  @Override
  public boolean ping() {
    try {
      docker.pingCmd().exec();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- images

  @Override
  public void ensureImage(String image, PullPolicy policy) {
    boolean present = imagePresent(image);
    switch (policy) {
      case NEVER -> {
        if (!present) {
          throw new ImagePullException(ImagePullException.ERR_IMAGE_NEVER_PULL, "image " + image
              + " is not present on the node and its imagePullPolicy is Never: " + LOAD_IMAGE_HINT, null);
        }
      }
      case IF_NOT_PRESENT -> {
        if (!present) {
          pull(image);
        }
      }
      case ALWAYS -> {
        try {
          pull(image);
        } catch (ImagePullException e) {
          if (!present) {
            throw e;
          }
          LOG.warn("pulling {} failed, using the local copy: {}", image, e.getMessage());
        }
      }
    }
  }

  boolean imagePresent(String image) {
    try {
      docker.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    } catch (RuntimeException e) {
      throw failure("inspect image " + image, e);
    }
  }

  /** Removes a local image (tests clean up with it). */
  void removeImage(String image) {
    try {
      docker.removeImageCmd(image).withForce(true).exec();
    } catch (NotFoundException e) {
      // already gone
    }
  }

  private void pull(String image) {
    ImageName name = ImageName.parse(image);
    try {
      var cmd = docker.pullImageCmd(name.digest() == null ? name.repository() : image);
      if (name.digest() == null) {
        cmd = cmd.withTag(name.tag());
      }
      boolean done = cmd.exec(new PullImageResultCallback())
          .awaitCompletion(config.pullTimeout().toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        throw new ImagePullException(ImagePullException.ERR_IMAGE_PULL,
            "pulling image " + image + " took longer than " + config.pullTimeout().toSeconds() + "s", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImagePullException(ImagePullException.ERR_IMAGE_PULL, "pull of " + image + " interrupted", e);
    } catch (ImagePullException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ImagePullException(ImagePullException.ERR_IMAGE_PULL,
          "image " + image + " is not present and cannot be pulled (" + engineMessage(e) + "): " + LOAD_IMAGE_HINT, e);
    }
    if (!imagePresent(image)) {
      throw new ImagePullException(ImagePullException.ERR_IMAGE_PULL,
          "image " + image + " is still absent after pulling it", null);
    }
  }

  /**
   * The configured infra image when present or pullable; else {@link #LOCAL_PAUSE_IMAGE} when present (the
   * test image builder makes it); else {@link #BUILT_PAUSE_IMAGE}, built here from the host's static
   * busybox. Resolved once.
   */
  @Override
  public String infraImage() {
    String known = resolvedInfraImage;
    if (known != null) {
      return known;
    }
    synchronized (infraLock) {
      if (resolvedInfraImage == null) {
        resolvedInfraImage = resolveInfraImage();
        LOG.info("infra containers run {}", resolvedInfraImage);
      }
      return resolvedInfraImage;
    }
  }

  private String resolveInfraImage() {
    String wanted = config.infraImage();
    try {
      ensureImage(wanted, PullPolicy.IF_NOT_PRESENT);
      return wanted;
    } catch (ImagePullException e) {
      LOG.warn("infra image {} cannot be had ({}); using a local one", wanted, e.getMessage());
    }
    for (String local : List.of(LOCAL_PAUSE_IMAGE, "localhost/" + LOCAL_PAUSE_IMAGE, BUILT_PAUSE_IMAGE,
        "localhost/" + BUILT_PAUSE_IMAGE)) {
      if (imagePresent(local)) {
        return local;
      }
    }
    buildPauseImage(BUILT_PAUSE_IMAGE);
    return BUILT_PAUSE_IMAGE;
  }

  /** Builds a pause image {@code FROM scratch} holding the host's static busybox (no registry needed). */
  void buildPauseImage(String tag) {
    Path busybox = null;
    for (String candidate : List.of("/bin/busybox", "/usr/bin/busybox")) {
      if (Files.isExecutable(Path.of(candidate))) {
        busybox = Path.of(candidate);
        break;
      }
    }
    if (busybox == null) {
      throw new ContainerRuntimeException("no infra image: " + config.infraImage() + " cannot be pulled, "
          + LOCAL_PAUSE_IMAGE + " is absent and there is no /bin/busybox to build one from"
          + " (apt-get install busybox-static, or run packaging/build-test-image.sh)");
    }
    String dockerfile = String.join("\n",
        "FROM scratch",
        "COPY busybox /bin/busybox",
        "CMD [\"/bin/busybox\", \"sh\", \"-c\", \"trap 'exit 0' TERM INT; while :; do"
            + " /bin/busybox sleep 3600 & wait $!; done\"]",
        "");
    byte[] context;
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
         TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      addToTar(tar, "Dockerfile", dockerfile.getBytes(StandardCharsets.UTF_8), 0644);
      addToTar(tar, "busybox", Files.readAllBytes(busybox), 0755);
      tar.finish();
      context = bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot pack the pause image context", e);
    }
    try {
      docker.buildImageCmd()
          .withTarInputStream(new ByteArrayInputStream(context))
          .withTags(java.util.Set.of(tag))
          .withPull(false)
          .withRemove(true)
          .exec(new BuildImageResultCallback())
          .awaitImageId(5, TimeUnit.MINUTES);
    } catch (RuntimeException e) {
      throw failure("build the local pause image " + tag, e);
    }
  }

  private static void addToTar(TarArchiveOutputStream tar, String name, byte[] content, int mode)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    entry.setMode(mode);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  // ---------------------------------------------------------------- containers

  @Override
  public List<ObservedContainer> listContainers(String nodeName) {
    List<Container> listed = call("list containers of node " + nodeName, () -> docker.listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(ContainerLabels.MANAGED, "true", ContainerLabels.NODE, nodeName))
        .exec());
    List<ObservedContainer> result = new ArrayList<>();
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (Container container : listed) {
      ids.add(container.getId());
      String state = container.getState() == null ? "" : container.getState();
      Inspected known = inspected.get(container.getId());
      if (known != null && known.listedState().equals(state) && !state.isEmpty()) {
        result.add(known.observed());
        continue;
      }
      inspect(container.getId()).ifPresent(o -> {
        inspected.put(container.getId(), new Inspected(state, o));
        result.add(o);
      });
    }
    inspected.keySet().retainAll(ids);
    return result;
  }

  /**
   * The last inspection of a listed container and the state the list showed then. A container's inspection
   * changes only with its state (the kubelet never restarts one in place: a restart is a new container), so a
   * list showing the same state reuses it: a sync of a node with many containers costs one list, not one
   * inspection per container.
   */
  private record Inspected(String listedState, ObservedContainer observed) {}

  private final Map<String, Inspected> inspected = new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public InfraContainer startInfra(InfraSpec spec) {
    String id = createInfra(spec);
    startCreatedInfra(id, spec);
    ObservedContainer observed = inspect(id).orElseThrow(
        () -> new ContainerRuntimeException("infra container " + id + " vanished right after its start"));
    return new InfraContainer(id, observed.publishedPorts());
  }

  @Override
  public boolean createsAhead() {
    return true;
  }

  @Override
  public void startCreatedInfra(String id, InfraSpec spec) {
    start(id, "infra container of pod " + spec.pod());
  }

  @Override
  public String createInfra(InfraSpec spec) {
    String image = infraImage();
    Map<String, String> labels = ContainerLabels.of(spec.pod(), spec.nodeName(),
        ContainerLabels.INFRA_CONTAINER_NAME, ContainerLabels.Role.INFRA, 0, "", spec.graceSeconds());
    HostConfig host = HostConfig.newHostConfig().withUlimits(ulimits());
    List<ExposedPort> exposed = new ArrayList<>();
    if (spec.hostNetwork()) {
      host.withNetworkMode("host");
    } else {
      Ports bindings = new Ports();
      for (PortMapping port : spec.ports()) {
        ExposedPort e = new ExposedPort(port.containerPort(), InternetProtocol.parse(port.protocol().toLowerCase()));
        exposed.add(e);
        String ip = port.hostIp() == null || port.hostIp().isBlank() ? "127.0.0.1" : port.hostIp();
        bindings.bind(e, port.hostPort() > 0 ? Ports.Binding.bindIpAndPort(ip, port.hostPort())
            : Ports.Binding.bindIp(ip));
      }
      host.withPortBindings(bindings);
    }
    String id = call("create the infra container of pod " + spec.pod(), () -> {
      CreateContainerCmd create = docker.createContainerCmd(image)
          .withName(containerName(spec.pod(), ContainerLabels.INFRA_CONTAINER_NAME, 0))
          .withLabels(labels)
          .withHostConfig(host);
      if (!exposed.isEmpty()) {
        create.withExposedPorts(exposed);
      }
      if (!spec.hostNetwork() && spec.hostname() != null && !spec.hostname().isBlank()) {
        create.withHostName(hostname(spec.hostname()));
      }
      return create.exec().getId();
    });
    return id;
  }

  /**
   * nofile always; on Podman nproc too: given any ulimit through the API, Podman 4.3 no longer applies
   * containers.conf's default_ulimits and sets nproc to 1048576, above root's hard limit on these machines,
   * so every start fails with "error setting rlimit type 6: operation not permitted".
   */
  private List<Ulimit> ulimits() {
    Ulimit nofile = new Ulimit("nofile", NOFILE, NOFILE);
    return "podman".equals(version().name()) ? List.of(nofile, new Ulimit("nproc", NPROC, NPROC)) : List.of(nofile);
  }

  @Override
  public String startContainer(ContainerSpec spec) {
    String id = createContainer(spec);
    startCreated(id, spec);
    return id;
  }

  @Override
  public void startCreated(String id, ContainerSpec spec) {
    start(id, "container " + spec.name() + " of pod " + spec.pod());
  }

  @Override
  public String createContainer(ContainerSpec spec) {
    HostConfig host = HostConfig.newHostConfig().withUlimits(ulimits());
    if (spec.hostNetwork()) {
      host.withNetworkMode("host");
    } else {
      if (spec.networkFrom() == null) {
        throw new IllegalArgumentException("container " + spec.name() + " of pod " + spec.pod()
            + " has no infra container to join");
      }
      host.withNetworkMode("container:" + spec.networkFrom());
    }
    List<Bind> binds = new ArrayList<>();
    for (Mount mount : spec.mounts()) {
      if (mount.kind() == Mount.Kind.EMPTY_DIR) {
        try {
          Files.createDirectories(Path.of(mount.hostPath()));
        } catch (IOException e) {
          throw new ContainerRuntimeException("cannot create emptyDir " + mount.volumeName() + " at "
              + mount.hostPath() + ": " + e.getMessage(), e);
        }
      }
      binds.add(Bind.parse(mount.hostPath() + ":" + mount.containerPath() + (mount.readOnly() ? ":ro" : ":rw")));
    }
    if (!binds.isEmpty()) {
      host.withBinds(binds);
    }
    if (spec.memoryBytes() > 0) {
      host.withMemory(spec.memoryBytes());
    }
    if (spec.cpuMillis() > 0) {
      host.withCpuPeriod(100_000L).withCpuQuota(spec.cpuMillis() * 100L);
    }
    List<String> env = new ArrayList<>();
    spec.env().forEach((key, value) -> env.add(key + "=" + value));
    String id = call("create container " + spec.name() + " of pod " + spec.pod(), () -> {
      CreateContainerCmd create = docker.createContainerCmd(spec.image())
          .withName(containerName(spec.pod(), spec.name(), spec.restartCount()))
          .withLabels(spec.labels())
          .withEnv(env)
          .withTty(spec.tty())
          .withStdinOpen(spec.stdin())
          .withStdInOnce(spec.stdinOnce())
          .withAttachStdin(false)
          .withHostConfig(host);
      if (!spec.command().isEmpty()) {
        create.withEntrypoint(spec.command());
      }
      if (!spec.args().isEmpty()) {
        create.withCmd(spec.args());
      } else if (!spec.command().isEmpty()) {
        create.withCmd(List.of());
      }
      if (spec.workingDir() != null && !spec.workingDir().isBlank()) {
        create.withWorkingDir(spec.workingDir());
      }
      List<Volume> volumes = spec.mounts().stream().map(m -> new Volume(m.containerPath())).toList();
      if (!volumes.isEmpty()) {
        create.withVolumes(volumes);
      }
      return create.exec().getId();
    });
    return id;
  }

  private void start(String id, String what) {
    try {
      docker.startContainerCmd(id).exec();
    } catch (NotModifiedException e) {
      // already running
    } catch (RuntimeException e) {
      throw failure("start " + what, e);
    }
  }

  @Override
  public void stop(String containerId, Duration grace) {
    int seconds = (int) Math.min(Integer.MAX_VALUE, Math.max(0, grace.toSeconds()));
    try {
      docker.stopContainerCmd(containerId).withTimeout(seconds).exec();
    } catch (NotModifiedException | NotFoundException e) {
      // already stopped or gone
    } catch (RuntimeException e) {
      if (removedMeanwhile(e)) {
        return;
      }
      throw failure("stop container " + containerId, e);
    }
  }

  @Override
  public void remove(String containerId) {
    try {
      docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // already gone
    } catch (RuntimeException e) {
      if (removedMeanwhile(e)
          || message(e).contains("removal of container") && message(e).contains("already in progress")) {
        return;
      }
      if (message(e).contains("has dependent containers") && removeDependents(message(e))) {
        remove(containerId);
        return;
      }
      throw failure("remove container " + containerId, e);
    }
  }

  /**
   * Podman answers 500, not 404, when a container is removed while it looks the container up (the kubelet
   * prunes dead containers while another caller lists): "no such container", "does not exist in database".
   */
  static boolean removedMeanwhile(RuntimeException e) {
    String m = message(e);
    return m.contains("no such container") || m.contains("does not exist in database");
  }

  /**
   * Podman (500, not 409) refuses to remove an infra container while containers share its network
   * namespace, naming them: "has dependent containers which must be removed before it: ID, ID: ...".
   * Removes those first; false when the message names none.
   */
  private boolean removeDependents(String message) {
    var ids = java.util.regex.Pattern.compile("\\b[0-9a-f]{64}\\b").matcher(message.substring(message.indexOf("dependent")));
    boolean any = false;
    while (ids.find()) {
      any = true;
      try {
        docker.removeContainerCmd(ids.group()).withForce(true).withRemoveVolumes(true).exec();
      } catch (NotFoundException gone) {
        // already gone
      }
    }
    return any;
  }

  @Override
  public Optional<ObservedContainer> inspect(String containerId) {
    InspectContainerResponse r;
    try {
      r = docker.inspectContainerCmd(containerId).exec();
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      if (removedMeanwhile(e)) {
        return Optional.empty();
      }
      throw failure("inspect container " + containerId, e);
    }
    Map<String, String> labels = r.getConfig() == null || r.getConfig().getLabels() == null ? Map.of()
        : r.getConfig().getLabels();
    var state = r.getState();
    ObservedContainer.State s = switch (state == null || state.getStatus() == null ? "" : state.getStatus()) {
      case "created", "configured", "initialized" -> ObservedContainer.State.CREATED;
      case "running", "paused", "restarting" -> ObservedContainer.State.RUNNING;
      case "exited", "dead", "stopped" -> ObservedContainer.State.EXITED;
      default -> ObservedContainer.State.UNKNOWN;
    };
    Integer exitCode = s == ObservedContainer.State.EXITED && state.getExitCodeLong() != null
        ? state.getExitCodeLong().intValue() : null;
    List<PublishedPort> published = new ArrayList<>();
    if (r.getNetworkSettings() != null && r.getNetworkSettings().getPorts() != null) {
      r.getNetworkSettings().getPorts().getBindings().forEach((port, bindings) -> {
        if (bindings == null) {
          return;
        }
        for (Ports.Binding b : bindings) {
          if (b.getHostPortSpec() != null && !b.getHostPortSpec().isBlank()) {
            published.add(new PublishedPort(port.getPort(), port.getProtocol().name(), b.getHostIp(),
                Integer.parseInt(b.getHostPortSpec())));
          }
        }
      });
    }
    published.sort(java.util.Comparator.comparingInt(PublishedPort::containerPort)
        .thenComparing(PublishedPort::protocol));
    Instant startedAt = state == null ? null : time(state.getStartedAt());
    Instant finishedAt = s == ObservedContainer.State.EXITED ? time(state.getFinishedAt()) : null;
    if (startedAt != null && finishedAt != null && finishedAt.isBefore(startedAt)) {
      // a very short process can be recorded as finished before it was recorded as started
      finishedAt = startedAt;
    }
    String error = state == null || state.getError() == null || state.getError().isBlank() ? null
        : state.getError();
    ObservedContainer observed = new ObservedContainer(
        r.getId(),
        new PodRef(labels.getOrDefault(ContainerLabels.POD_UID, ""),
            labels.getOrDefault(ContainerLabels.POD_NAMESPACE, ""),
            labels.getOrDefault(ContainerLabels.POD_NAME, "")),
        labels.getOrDefault(ContainerLabels.CONTAINER_NAME, ""),
        ContainerLabels.Role.ofLabel(labels.get(ContainerLabels.ROLE)),
        parseInt(labels.get(ContainerLabels.RESTART_COUNT)),
        labels.getOrDefault(ContainerLabels.SPEC_HASH, ""),
        r.getConfig() == null ? null : r.getConfig().getImage(),
        r.getImageId(),
        s,
        exitCode,
        time(r.getCreated()),
        startedAt,
        finishedAt,
        state != null && Boolean.TRUE.equals(state.getOOMKilled()),
        error,
        published,
        parseInt(labels.get(ContainerLabels.GRACE_SECONDS)));
    if (state != null && state.getStatus() != null && !state.getStatus().isEmpty()) {
      // the engine's list shows a container's state in the same words: a list that shows this state next
      // takes this inspection (the kubelet inspects the containers it has just started)
      inspected.put(r.getId(), new Inspected(state.getStatus(), observed));
    }
    return Optional.of(observed);
  }

  // ---------------------------------------------------------------- logs

  @Override
  public String logs(String containerId, LogOptions options) {
    StringBuilder out = new StringBuilder();
    ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
      @Override
      public void onNext(Frame frame) {
        synchronized (out) {
          out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
        }
      }
    };
    try {
      logCommand(containerId, options.withFollow(false)).exec(callback).awaitCompletion(2, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException("reading the log of " + containerId + " was interrupted", e);
    } catch (RuntimeException e) {
      throw failure("read the log of container " + containerId, e);
    } finally {
      closeQuietly(callback);
    }
    synchronized (out) {
      return out.toString();
    }
  }

  @Override
  public Closeable streamLogs(String containerId, LogOptions options, StreamSink sink) {
    ResultCallback.Adapter<Frame> callback = new FrameForwarder(sink);
    try {
      logCommand(containerId, options).exec(callback);
    } catch (RuntimeException e) {
      throw failure("stream the log of container " + containerId, e);
    }
    return callback;
  }

  private com.github.dockerjava.api.command.LogContainerCmd logCommand(String id, LogOptions options) {
    var cmd = docker.logContainerCmd(id).withStdOut(true).withStdErr(true)
        .withTimestamps(options.timestamps()).withFollowStream(options.follow());
    if (options.tail() != null) {
      cmd.withTail(Math.max(0, options.tail()));
    }
    if (options.since() != null) {
      cmd.withSince((int) Math.max(0, options.since().getEpochSecond()));
    }
    return cmd;
  }

  /** Forwards frames to a sink; ends the sink exactly once. */
  private static final class FrameForwarder extends ResultCallback.Adapter<Frame> {
    private final StreamSink sink;
    private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

    FrameForwarder(StreamSink sink) {
      this.sink = sink;
    }

    @Override
    public void onNext(Frame frame) {
      if (!ended.get()) {
        sink.onData(frame.getStreamType() == StreamType.STDERR ? StreamSink.Channel.STDERR
            : StreamSink.Channel.STDOUT, frame.getPayload());
      }
    }

    @Override
    public void onError(Throwable error) {
      super.onError(error);
      if (ended.compareAndSet(false, true)) {
        sink.onEnd(error);
      }
    }

    @Override
    public void onComplete() {
      super.onComplete();
      if (ended.compareAndSet(false, true)) {
        sink.onEnd(null);
      }
    }

    @Override
    public void close() {
      // mark the end first: closing makes the reading thread fail with an error that is not one
      boolean first = ended.compareAndSet(false, true);
      try {
        super.close();
      } catch (IOException e) {
        LOG.debug("closing a docker stream", e);
      }
      if (first) {
        sink.onEnd(null);
      }
    }
  }

  // ---------------------------------------------------------------- exec

  @Override
  public ExecSession exec(String containerId, ExecSpec spec, StreamSink sink) {
    String execId = call("create an exec in container " + containerId, () -> docker.execCreateCmd(containerId)
        .withCmd(spec.command().toArray(String[]::new))
        .withAttachStdout(true)
        .withAttachStderr(true)
        .withAttachStdin(spec.stdin())
        .withTty(spec.tty())
        .exec()
        .getId());
    if (spec.stdin()) {
      return execWithStdin(containerId, execId, spec, sink);
    }
    CompletableFuture<Void> finished = new CompletableFuture<>();
    FrameForwarder forwarder = new FrameForwarder(new StreamSink() {
      @Override
      public void onData(Channel channel, byte[] data) {
        sink.onData(channel, data);
      }

      @Override
      public void onEnd(Throwable error) {
        try {
          sink.onEnd(error);
        } finally {
          finished.complete(null);
        }
      }
    });
    try {
      docker.execStartCmd(execId).withDetach(false).withTty(spec.tty()).exec(forwarder);
    } catch (RuntimeException e) {
      throw failure("start an exec in container " + containerId, e);
    }
    return new ExecSession() {
      @Override
      public void write(byte[] data) {
        throw new IllegalStateException("exec was started without stdin");
      }

      @Override
      public void closeStdin() {
        // no stdin
      }

      @Override
      public void resize(int width, int height) {
        call("resize exec " + execId, () -> docker.resizeExecCmd(execId).withSize(height, width).exec());
      }

      @Override
      public java.util.concurrent.CompletionStage<Void> outputEnded() {
        return finished;
      }

      @Override
      public OptionalInt awaitExit(Duration timeout) {
        return awaitExecExit(execId, finished, timeout);
      }

      @Override
      public void close() {
        closeStdin();
        closeQuietly(forwarder);
      }
    };
  }

  /**
   * An exec fed on stdin runs on its own engine connection ({@link HijackedExecStream}) so that closing
   * stdin half-closes the connection and the command sees the end of its input.
   */
  private ExecSession execWithStdin(String containerId, String execId, ExecSpec spec, StreamSink sink) {
    HijackedExecStream stream;
    try {
      stream = HijackedExecStream.start(config.endpoint(), execId, spec.tty());
    } catch (IOException e) {
      throw failure("start an exec in container " + containerId, e);
    }
    return hijacked(stream, "exec " + execId, sink,
        (w, h) -> call("resize exec " + execId, () -> docker.resizeExecCmd(execId).withSize(h, w).exec()),
        (finished, timeout) -> awaitExecExit(execId, finished, timeout));
  }

  /**
   * Attaches to a running container's own streams on an engine connection of its own. The session's exit code
   * is 0 once the output ended: an attach reports how the streaming went, not how the container ended (that is
   * in the pod's status).
   */
  @Override
  public ExecSession attach(String containerId, boolean stdin, boolean tty, StreamSink sink) {
    HijackedExecStream stream;
    try {
      stream = HijackedExecStream.attach(config.endpoint(), containerId, stdin, tty);
    } catch (IOException e) {
      throw failure("attach to container " + containerId, e);
    }
    return hijacked(stream, "attach " + containerId, sink,
        (w, h) -> call("resize container " + containerId,
            () -> docker.resizeContainerCmd(containerId).withSize(h, w).exec()),
        (finished, timeout) -> {
          try {
            finished.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return OptionalInt.of(0);
          } catch (TimeoutException e) {
            return OptionalInt.empty();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
          } catch (java.util.concurrent.ExecutionException e) {
            return OptionalInt.empty();
          }
        });
  }

  private interface Resizer {
    void resize(int width, int height);
  }

  private interface ExitWaiter {
    OptionalInt await(CompletableFuture<Void> finished, Duration timeout);
  }

  /** A session over a hijacked engine connection: a reader thread pumps its output into {@code sink}. */
  private ExecSession hijacked(HijackedExecStream stream, String what, StreamSink sink, Resizer resizer,
                               ExitWaiter exit) {
    CompletableFuture<Void> finished = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
    String name = what.substring(0, what.indexOf(' ')) + "-"
        + what.substring(what.indexOf(' ') + 1, Math.min(what.length(), what.indexOf(' ') + 13));
    Thread reader = new Thread(() -> {
      Throwable error = null;
      try {
        stream.pump(sink);
      } catch (IOException | RuntimeException e) {
        error = ended.get() ? null : e;
      } finally {
        closeQuietly(stream);
        if (ended.compareAndSet(false, true)) {
          sink.onEnd(error);
        }
        finished.complete(null);
      }
    }, name);
    reader.setDaemon(true);
    reader.start();
    return new ExecSession() {
      @Override
      public void write(byte[] data) {
        try {
          stream.write(data);
        } catch (IOException e) {
          LOG.debug("writing to the stdin of {}", what, e);
        }
      }

      @Override
      public void closeStdin() {
        try {
          stream.closeStdin();
        } catch (IOException e) {
          LOG.debug("closing the stdin of {}", what, e);
        }
      }

      @Override
      public void resize(int width, int height) {
        resizer.resize(width, height);
      }

      @Override
      public java.util.concurrent.CompletionStage<Void> outputEnded() {
        return finished;
      }

      @Override
      public OptionalInt awaitExit(Duration timeout) {
        return exit.await(finished, timeout);
      }

      @Override
      public void close() {
        if (ended.compareAndSet(false, true)) {
          closeQuietly(stream);
          sink.onEnd(null);
        }
      }
    };
  }

  private OptionalInt awaitExecExit(String execId, CompletableFuture<Void> finished, Duration timeout) {
        try {
          finished.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          return OptionalInt.empty();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return OptionalInt.empty();
        } catch (ExecutionException e) {
          // the stream failed; the exec's own state still says how the command ended
        }
        // the stream can end a moment before the engine records the exit code
        long deadline = System.nanoTime() + Math.max(timeout.toNanos(), Duration.ofSeconds(5).toNanos());
        while (true) {
          var inspected = call("inspect exec " + execId, () -> docker.inspectExecCmd(execId).exec());
          if (!Boolean.TRUE.equals(inspected.isRunning()) && inspected.getExitCodeLong() != null) {
            return OptionalInt.of(inspected.getExitCodeLong().intValue());
          }
          if (System.nanoTime() > deadline) {
            return OptionalInt.empty();
          }
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
          }
        }
  }

  @Override
  public ExecResult execAndWait(String containerId, List<String> command, Duration timeout) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    StreamSink sink = new StreamSink() {
      @Override
      public void onData(Channel channel, byte[] data) {
        ByteArrayOutputStream target = channel == Channel.STDERR ? stderr : stdout;
        synchronized (target) {
          target.writeBytes(data);
        }
      }

      @Override
      public void onEnd(Throwable error) {}
    };
    try (ExecSession session = exec(containerId, new ExecSpec(command, false, false), sink)) {
      OptionalInt code = session.awaitExit(timeout);
      if (code.isEmpty()) {
        throw new ContainerRuntimeException("command " + command + " in container " + containerId
            + " did not finish within " + timeout.toSeconds() + "s");
      }
      String out;
      String err;
      synchronized (stdout) {
        out = stdout.toString(StandardCharsets.UTF_8);
      }
      synchronized (stderr) {
        err = stderr.toString(StandardCharsets.UTF_8);
      }
      return new ExecResult(code.getAsInt(), out, err);
    }
  }

  // ---------------------------------------------------------------- stats

  @Override
  public ContainerStats stats(String containerId) {
    CompletableFuture<Statistics> first = new CompletableFuture<>();
    ResultCallback.Adapter<Statistics> callback = new ResultCallback.Adapter<>() {
      @Override
      public void onNext(Statistics statistics) {
        first.complete(statistics);
      }

      @Override
      public void onError(Throwable error) {
        super.onError(error);
        first.completeExceptionally(error);
      }

      @Override
      public void onComplete() {
        super.onComplete();
        first.completeExceptionally(new ContainerRuntimeException("no stats for container " + containerId));
      }
    };
    try {
      docker.statsCmd(containerId).withNoStream(true).exec(callback);
      Statistics s = first.get(30, TimeUnit.SECONDS);
      long cpu = s.getCpuStats() != null && s.getCpuStats().getCpuUsage() != null
          && s.getCpuStats().getCpuUsage().getTotalUsage() != null ? s.getCpuStats().getCpuUsage().getTotalUsage() : 0;
      long memory = s.getMemoryStats() != null && s.getMemoryStats().getUsage() != null
          ? s.getMemoryStats().getUsage() : 0;
      long limit = s.getMemoryStats() != null && s.getMemoryStats().getLimit() != null
          ? s.getMemoryStats().getLimit() : 0;
      Instant at = time(s.getRead());
      Instant before = time(s.getPreread());
      long previousCpu = s.getPreCpuStats() != null && s.getPreCpuStats().getCpuUsage() != null
          && s.getPreCpuStats().getCpuUsage().getTotalUsage() != null ? s.getPreCpuStats().getCpuUsage().getTotalUsage() : 0;
      long nanoCores = 0;
      if (at != null && before != null && before.isAfter(Instant.EPOCH.plusSeconds(1)) && at.isAfter(before)
          && previousCpu > 0 && cpu >= previousCpu) {
        long interval = java.time.Duration.between(before, at).toNanos();
        nanoCores = (long) ((double) (cpu - previousCpu) / interval * 1_000_000_000L);
      }
      long inactive = 0;
      if (s.getMemoryStats() != null && s.getMemoryStats().getStats() != null) {
        // cgroup v2 names it inactive_file, v1 total_inactive_file
        Long v2 = s.getMemoryStats().getStats().getInactiveFile();
        Long v1 = s.getMemoryStats().getStats().getTotalInactiveFile();
        inactive = v2 != null ? v2 : v1 != null ? v1 : 0;
      }
      long workingSet = Math.max(0, memory - inactive);
      return new ContainerStats(at == null ? Instant.now() : at, cpu, memory, limit, nanoCores, workingSet);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException("reading stats of " + containerId + " was interrupted", e);
    } catch (ExecutionException e) {
      throw failure("read stats of container " + containerId, e.getCause());
    } catch (TimeoutException e) {
      throw new ContainerRuntimeException("no stats for container " + containerId + " within 30s", e);
    } finally {
      closeQuietly(callback);
    }
  }

  @Override
  public void close() {
    try {
      docker.close();
    } catch (IOException e) {
      LOG.debug("closing the docker client", e);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The engine-side name: readable and unique per pod instance (a restart gets a new name). */
  static String containerName(PodRef pod, String container, int restartCount) {
    String uid = pod.uid().length() > 8 ? pod.uid().substring(0, 8) : pod.uid();
    return ("coxswain_" + container + "_" + pod.name() + "_" + pod.namespace() + "_" + uid + "_" + restartCount)
        .replaceAll("[^a-zA-Z0-9_.-]", "-");
  }

  private static String hostname(String name) {
    String h = name.length() > 63 ? name.substring(0, 63) : name;
    return h.replaceAll("[^a-zA-Z0-9-]", "-");
  }

  private static int parseInt(String value) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static Instant time(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      Instant t = Instant.parse(value);
      return t.equals(ZERO_TIME) || t.isBefore(Instant.EPOCH) ? null : t;
    } catch (DateTimeParseException e) {
      try {
        Instant t = java.time.OffsetDateTime.parse(value).toInstant();
        return t.isBefore(Instant.EPOCH) ? null : t;
      } catch (DateTimeParseException again) {
        return null;
      }
    }
  }

  private static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      LOG.debug("closing a docker stream", e);
    }
  }

  private static <T> T call(String what, java.util.concurrent.Callable<T> action) {
    try {
      return action.call();
    } catch (RuntimeException e) {
      throw failure(what, e);
    } catch (Exception e) {
      throw new ContainerRuntimeException("cannot " + what + ": " + e.getMessage(), e);
    }
  }

  private static ContainerRuntimeException failure(String what, Throwable e) {
    if (e instanceof ContainerRuntimeException c) {
      return c;
    }
    return new ContainerRuntimeException("cannot " + what + ": " + message(e), e);
  }

  /** What a newcomer without a registry does about a missing image. */
  static final String LOAD_IMAGE_HINT = "check the image name, or load the image into this node's engine"
      + " (docker load -i FILE, docker import, docker build); see README, Troubleshooting";

  /** The engine's own words: the "message" of a {@code Status 500: {"message":"..."}} error, else the message. */
  private static String engineMessage(Throwable e) {
    String m = message(e);
    java.util.regex.Matcher json = java.util.regex.Pattern.compile("\\{\\s*\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(m);
    return json.find() ? json.group(1).replace("\\\"", "\"") : m;
  }

  private static String message(Throwable e) {
    String m = e instanceof DockerException d && d.getMessage() != null ? d.getMessage() : e.getMessage();
    if (m == null) {
      m = e.getClass().getSimpleName();
    }
    return m.strip();
  }

  /** An image reference split into repository and tag (or digest). */
  record ImageName(String repository, String tag, String digest) {
    static ImageName parse(String image) {
      int at = image.indexOf('@');
      if (at >= 0) {
        return new ImageName(image.substring(0, at), null, image.substring(at + 1));
      }
      int slash = image.lastIndexOf('/');
      int colon = image.lastIndexOf(':');
      if (colon > slash) {
        return new ImageName(image.substring(0, colon), image.substring(colon + 1), null);
      }
      return new ImageName(image, "latest", null);
    }
  }
}
