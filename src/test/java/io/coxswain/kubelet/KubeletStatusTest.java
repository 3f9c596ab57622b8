package io.coxswain.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.client.ClusterClient;
import io.coxswain.client.ListOptions;
import io.coxswain.client.ObjectEvent;
import io.coxswain.client.ObjectList;
import io.coxswain.client.ResourceKind;
import io.coxswain.model.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubelet's status writes around a pod's start, on the in-memory runtime with an API held in memory: a
 * pod started at once is written once, Running; a pod whose start takes longer than the hold shows Pending
 * (ContainerCreating) meanwhile; a new pod is started and written Running from what its start saw, with no
 * listing of the node's containers before or between.
 */
class KubeletStatusTest {
  @TempDir
  Path podsDir;

  private Vertx vertx;
  private final MemoryApi api = new MemoryApi();
  private final CountDownLatch imagesReady = new CountDownLatch(1);
  private volatile boolean gated;
  private volatile boolean createAhead;
  private final java.util.concurrent.atomic.AtomicInteger listings = new java.util.concurrent.atomic.AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    imagesReady.countDown();
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aPodStartedWithinTheHoldIsWrittenOnceAndRunning() throws Exception {
    deployKubelet(Duration.ofHours(1));
    api.add(pod("quick"));
    waitFor("the pod written Running", () -> api.phases("quick").contains("Running"));
    assertEquals(List.of("Running"), api.phases("quick"), "status writes of the pod");
  }

  @Test
  void aSlowStartShowsThePodPendingMeanwhile() throws Exception {
    gated = true;
    deployKubelet(Duration.ofMillis(1));
    api.add(pod("slow"));
    waitFor("a status written while the containers start", () -> !api.phases("slow").isEmpty());
    PodStatus meanwhile = api.statuses("slow").get(0);
    assertEquals("Pending", meanwhile.getPhase());
    assertEquals("ContainerCreating", meanwhile.getContainerStatuses().get(0).getState().getWaiting().getReason());
    imagesReady.countDown();
    waitFor("the pod written Running", () -> api.phases("slow").contains("Running"));
    assertTrue(api.phases("slow").indexOf("Pending") < api.phases("slow").indexOf("Running"));
  }

  @Test
  void aNewPodIsStartedAndWrittenRunningWithoutAListingOfTheNode() throws Exception {
    createAhead = true;
    deployKubelet(Duration.ofHours(1));
    waitFor("the first listing of the node", () -> listings.get() > 0);
    api.add(pod("other"));
    waitFor("a first pod written Running", () -> api.phases("other").contains("Running"));
    waitFor("the listing that follows a start", () -> listings.get() >= 2);
    int before = listings.get();
    api.listingsAtWrite = listings::get;
    api.add(pod("quick"));
    waitFor("the pod written Running", () -> api.phases("quick").contains("Running"));
    assertEquals(List.of("Running"), api.phases("quick"), "status writes of the pod");
    assertEquals(before, api.listingsAtWrite("quick"), "listings of the node between the pod's add and its Running");
    PodStatus running = api.statuses("quick").get(0);
    assertTrue(running.getContainerStatuses().get(0).getState().getRunning() != null, running.toString());
    assertTrue(running.getContainerStatuses().get(0).getContainerID().startsWith("docker://"),
        running.getContainerStatuses().get(0).getContainerID());
    waitFor("the node listed again after the start", () -> listings.get() > before);
    assertEquals(List.of("Running"), api.phases("quick"), "status writes of the pod after the listing");
  }

  @Test
  void aSyncThatHasNotSeenAWriteYetDoesNotWriteTheSameStatusAgain() throws Exception {
    api.holdStatusEvents = true; // the watch never brings the status writes: every sync sees pods as added
    deployKubelet(Duration.ofHours(1));
    api.add(pod("quick"));
    waitFor("the pod written Running", () -> api.phases("quick").contains("Running"));
    int before = listings.get();
    api.add(pod("other")); // started at once, then a sync of the whole node that still sees "quick" unwritten
    waitFor("the other pod written Running", () -> api.phases("other").contains("Running"));
    waitFor("a sync of the whole node after the other pod's start", () -> listings.get() > before);
    int after = listings.get();
    api.add(pod("third"));
    waitFor("the third pod written Running", () -> api.phases("third").contains("Running"));
    waitFor("another sync of the whole node", () -> listings.get() > after);
    assertEquals(List.of("Running"), api.phases("quick"), "status writes of the first pod");
    assertEquals(List.of("Running"), api.phases("other"), "status writes of the other pod");
  }

  @Test
  void newPodsAreThoseNeitherListedNorActedOnNorEnding() {
    Pod listed = pod("listed");
    Pod deleting = pod("deleting");
    deleting.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
    Pod failed = pod("failed");
    failed.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Failed").build());
    Pod pending = pod("pending");
    pending.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Pending").build());
    Pod fresh = pod("fresh");
    List<Pod> found = KubeletVerticle.newPods(List.of(listed, deleting, failed, pending, fresh), java.util.Set.of("uid-listed"));
    assertEquals(List.of("pending", "fresh"), found.stream().map(p -> p.getMetadata().getName()).toList());
  }

  private void deployKubelet(Duration hold) throws Exception {
    FakeRuntime fake = new FakeRuntime();
    if (createAhead) {
      fake.creatingAhead();
    }
    // the image check of an app container waits while the test holds it: the pod's start is then under way
    ContainerRuntime runtime = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {ContainerRuntime.class}, (proxy, method, args) -> {
          if (method.getName().equals("ensureImage") && gated) {
            imagesReady.await();
          }
          if (method.getName().equals("listContainers")) {
            listings.incrementAndGet();
          }
          try {
            return method.invoke(fake, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    KubeletVerticle kubelet = new KubeletVerticle(api, runtime,
        new KubeletVerticle.Options("n1", "127.0.0.1", podsDir, Duration.ofHours(1), hold));
    vertx.deployVerticle(kubelet).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static Pod pod(String name) {
    return new PodBuilder().withNewMetadata().withNamespace("default").withName(name).withUid("uid-" + name)
        .endMetadata().withNewSpec().withNodeName("n1").addNewContainer().withName("c").withImage("busybox")
        .endContainer().endSpec().build();
  }

  private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  /** Pods and services held in memory, watched as the API streams them; status updates recorded in order. */
  private static final class MemoryApi implements ClusterClient {
    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private final Map<String, List<PodStatus>> written = new ConcurrentHashMap<>();
    private volatile Handler<ObjectEvent<Pod>> podWatcher;
    private volatile Context podContext;
    private int revision = 1;
    /** Status writes are recorded but not brought by the watch (a watch lagging behind the writes). */
    volatile boolean holdStatusEvents;
    /** When set, what it tells at each status write is kept by pod name. */
    volatile java.util.function.IntSupplier listingsAtWrite;
    private final Map<String, Integer> listingsWhenWritten = new ConcurrentHashMap<>();

    int listingsAtWrite(String name) {
      return listingsWhenWritten.getOrDefault(name, -1);
    }

    synchronized void add(Pod pod) {
      pod.getMetadata().setResourceVersion(Integer.toString(++revision));
      pods.put(pod.getMetadata().getName(), pod);
      if (podWatcher != null) {
        podContext.runOnContext(v -> podWatcher.handle(new ObjectEvent<>(ObjectEvent.Type.ADDED, pod)));
      }
    }

    synchronized List<PodStatus> statuses(String name) {
      return new ArrayList<>(written.getOrDefault(name, List.of()));
    }

    List<String> phases(String name) {
      return statuses(name).stream().map(PodStatus::getPhase).toList();
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized <T extends HasMetadata> Future<ObjectList<T>> list(ResourceKind<T> kind, String namespace,
                                                                             ListOptions options) {
      List<T> items = kind == ResourceKind.PODS ? pods.values().stream().map(p -> (T) Json.copy(p)).toList() : List.of();
      return Future.succeededFuture(new ObjectList<>(items, Integer.toString(revision), null));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends HasMetadata> Future<WatchHandle> watch(ResourceKind<T> kind, String namespace,
                                                            ListOptions options, Handler<ObjectEvent<T>> handler,
                                                            Handler<Throwable> onEnd) {
      if (kind == ResourceKind.PODS) {
        podContext = Vertx.currentContext();
        podWatcher = (Handler<ObjectEvent<Pod>>) (Handler<?>) handler;
      }
      return Future.succeededFuture(() -> { });
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized <T extends HasMetadata> Future<T> update(ResourceKind<T> kind, T object, String subresource) {
      if (kind != ResourceKind.PODS || !"status".equals(subresource)) {
        return Future.failedFuture(new UnsupportedOperationException(kind.resource() + "/" + subresource));
      }
      Pod pod = Json.copy((Pod) object);
      if (listingsAtWrite != null) {
        listingsWhenWritten.putIfAbsent(pod.getMetadata().getName(), listingsAtWrite.getAsInt());
      }
      written.computeIfAbsent(pod.getMetadata().getName(), n -> new ArrayList<>()).add(pod.getStatus());
      pod.getMetadata().setResourceVersion(Integer.toString(++revision));
      pods.put(pod.getMetadata().getName(), pod);
      Pod event = Json.copy(pod);
      if (!holdStatusEvents) {
        podContext.runOnContext(v -> podWatcher.handle(new ObjectEvent<>(ObjectEvent.Type.MODIFIED, event)));
      }
      return Future.succeededFuture((T) pod);
    }

    @Override
    public <T extends HasMetadata> Future<T> create(ResourceKind<T> kind, T object) {
      return Future.succeededFuture(object); // events
    }

    @Override
    public <T extends HasMetadata> Future<T> patch(ResourceKind<T> kind, String namespace, String name,
                                                    String subresource, String contentType, String patch) {
      return Future.failedFuture(new UnsupportedOperationException("patch"));
    }

    @Override
    public <T extends HasMetadata> Future<T> get(ResourceKind<T> kind, String namespace, String name) {
      return Future.failedFuture(new UnsupportedOperationException("get"));
    }

    @Override
    public Future<Void> delete(ResourceKind<?> kind, String namespace, String name, Long grace, String policy) {
      return Future.failedFuture(new UnsupportedOperationException("delete"));
    }

    @Override
    public Future<Void> bind(String namespace, String pod, String node) {
      return Future.failedFuture(new UnsupportedOperationException("bind"));
    }

    @Override
    public Future<String> getText(String path) {
      return Future.failedFuture(new UnsupportedOperationException("getText"));
    }
  }
}
