package io.coxswain.kubelet;

import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a kubelet needs from a container engine. Every method blocks: call them from worker threads, never
 * from an event loop. Stream callbacks ({@link StreamSink}) run on the runtime's own threads.
 *
 * <p>Containers are found again through their labels ({@link ContainerLabels}): a restarted kubelet lists
 * them and adopts what it finds.
 */
public interface ContainerRuntime extends AutoCloseable {

  /** The engine's name and version, for the node's nodeInfo. */
  RuntimeVersion version();

  /** The machine as the engine sees it (cpus, memory, os), for the node's capacity. */
  RuntimeInfo info();

  /** Whether the engine answers right now; never throws. */
  boolean ping();

  /**
   * Makes {@code image} available locally according to {@code policy}.
   *
   * @throws ImagePullException (reason ErrImagePull) when the image is not present and cannot be pulled,
   *     or (reason ErrImageNeverPull) when it is absent and the policy is Never
   */
  void ensureImage(String image, PullPolicy policy);

  /** The image infra containers run: the configured one when it can be had, else a local fallback. */
  String infraImage();

  /** Every container (running or not) of this node, i.e. labelled {@code io.coxswain.node=nodeName}. */
  List<ObservedContainer> listContainers(String nodeName);

  /** Creates and starts a pod's infra container, which holds the network namespace and published ports. */
  InfraContainer startInfra(InfraSpec spec);

  /** Creates and starts an app container inside its pod's infra network namespace; returns its id. */
  String startContainer(ContainerSpec spec);

  /**
   * Whether this runtime creates containers apart from starting them ({@link #createInfra}, {@link
   * #startCreatedInfra}, {@link #createContainer}, {@link #startCreated}), so that a pod's app containers
   * can be created while its infra container starts.
   */
  default boolean createsAhead() {
    return false;
  }

  /** Creates, without starting it, a pod's infra container; returns its id. */
  default String createInfra(InfraSpec spec) {
    throw new UnsupportedOperationException("createInfra");
  }

  /**
   * Starts an infra container {@link #createInfra} made. Its published ports are not looked up: the next sync's
   * listing has them, and its app containers start the sooner.
   */
  default void startCreatedInfra(String id, InfraSpec spec) {
    throw new UnsupportedOperationException("startCreatedInfra");
  }

  /** Creates, without starting it, an app container joined to its (created) infra container; returns its id. */
  default String createContainer(ContainerSpec spec) {
    throw new UnsupportedOperationException("createContainer");
  }

  /** Starts a container {@link #createContainer} made. */
  default void startCreated(String id, ContainerSpec spec) {
    throw new UnsupportedOperationException("startCreated");
  }

  /** SIGTERM (or the image's stop signal), then SIGKILL after {@code grace}. No error if already stopped. */
  void stop(String containerId, Duration grace);

  /** Removes a container (forcibly when still running). No error if it is already gone. */
  void remove(String containerId);

  /** The container's current state, or empty when it does not exist. */
  Optional<ObservedContainer> inspect(String containerId);

  /** The container's log so far (not following), stdout and stderr interleaved as the engine keeps them. */
  String logs(String containerId, LogOptions options);

  /**
   * Streams the container's log to {@code sink} (following if {@code options.follow()}). A followed stream
   * never ends by itself while the container runs: close the returned handle.
   */
  Closeable streamLogs(String containerId, LogOptions options, StreamSink sink);

  /** Starts an attached exec session; output goes to {@code sink}. */
  ExecSession exec(String containerId, ExecSpec spec, StreamSink sink);

  /**
   * Attaches to a running container's own stdout and stderr (from now on) and, with {@code stdin}, its stdin
   * (a container kept with stdin open); output goes to {@code sink}.
   */
  default ExecSession attach(String containerId, boolean stdin, boolean tty, StreamSink sink) {
    throw new UnsupportedOperationException("this container runtime cannot attach to a container");
  }

  /** Runs a command to completion (for exec probes and tests): exit code and collected output. */
  ExecResult execAndWait(String containerId, List<String> command, Duration timeout);

  /** One sample of the container's cpu and memory use. */
  ContainerStats stats(String containerId);

  @Override
  void close();
}
