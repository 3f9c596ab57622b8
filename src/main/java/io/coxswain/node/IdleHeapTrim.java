package io.coxswain.node;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.JMException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a node's heap back to the machine once the node goes quiet. Under load a node's heap grows (a master's
 * G1 heap to over a gigabyte while 10,000 pods are written; a minion's serial young generation up to its
 * bound), and a JVM keeps what it grew: the pages stay resident while the node idles for hours.
 * When the process has allocated little for a few seconds, this runs one full collection with the heap's free
 * ratios lowered for it (the collector then uncommits all but a tenth above the live data), and puts the ratios
 * back, so the next burst grows the heap as before. One per process (the heap is the process's), on a daemon
 * thread of its own; at most once per quiet spell, and only when the heap grew since the last trim.
 *
 * <p>Memory outside the heap that a component can give back (a master's store lets go of the pages of its
 * mapped data file) is given back at the start of every quiet spell, through the tasks added with
 * {@link #onQuiet(Runnable)}, whether the heap grew or not; {@link #NATIVE_HEAP} is one of them.
 */
public final class IdleHeapTrim {
  private static final Logger LOG = LoggerFactory.getLogger(IdleHeapTrim.class);
  private static final AtomicBoolean STARTED = new AtomicBoolean();
  private static final List<Runnable> ON_QUIET = new CopyOnWriteArrayList<>();
  /** Seconds of little allocation before the heap is trimmed. */
  static final int QUIET_SECONDS = 5;
  /** Free share of the heap kept by a trim's collection, in percent. */
  static final int TRIM_MAX_FREE = 10;

  private IdleHeapTrim() {}

  /**
   * Adds a task run on the trimmer's thread at the start of each quiet spell, after the heap's trim if there is
   * one: it gives back memory outside the heap. A task that throws is logged and kept.
   */
  public static void onQuiet(Runnable task) {
    ON_QUIET.add(task);
  }

  /** Removes a task added with {@link #onQuiet(Runnable)} (a node that stops). */
  public static void removeOnQuiet(Runnable task) {
    ON_QUIET.remove(task);
  }

  /** Starts the process's trimmer, once; later calls do nothing. */
  public static void ensureStarted() {
    if (!STARTED.compareAndSet(false, true)) {
      return;
    }
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    if (!(threads instanceof com.sun.management.ThreadMXBean hotspot)
        || !hotspot.isThreadAllocatedMemorySupported() || !hotspot.isThreadAllocatedMemoryEnabled()) {
      LOG.debug("no allocation counts in this JVM: the heap is not trimmed at idle");
      return;
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    Quiet quiet = new Quiet(QUIET_SECONDS);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "coxswain-idle-heap-trim");
      t.setDaemon(true);
      t.setPriority(Thread.MIN_PRIORITY);
      return t;
    });
    long[] last = {hotspot.getTotalThreadAllocatedBytes()};
    boolean[] trimmable = {true}; // false once this JVM refused to change the free ratios
    timer.scheduleWithFixedDelay(() -> {
      try {
        long now = hotspot.getTotalThreadAllocatedBytes();
        long allocated = now - last[0];
        last[0] = now;
        Step step = quiet.tick(allocated, memory.getHeapMemoryUsage().getCommitted());
        if (step == Step.NOTHING) {
          return;
        }
        if (step == Step.TRIM && trimmable[0]) {
          long before = memory.getHeapMemoryUsage().getCommitted();
          if (trim()) {
            long after = memory.getHeapMemoryUsage().getCommitted();
            quiet.trimmed(after);
            LOG.debug("quiet for {} s: heap trimmed, committed {} -> {} MB", QUIET_SECONDS, before >> 20,
                after >> 20);
          } else {
            trimmable[0] = false;
          }
        }
        for (Runnable task : ON_QUIET) {
          try {
            task.run();
          } catch (RuntimeException e) {
            LOG.debug("a task for a quiet spell failed: {}", e.toString());
          }
        }
        // the allocation of the collection's and the tasks' own bookkeeping is not the node's
        last[0] = hotspot.getTotalThreadAllocatedBytes();
      } catch (RuntimeException e) { // a failed task would end the schedule without a word
        LOG.warn("the heap is no longer trimmed at idle: {}", e.toString());
        timer.shutdown();
      }
    }, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * One full collection with the heap's free ratios at 0-{@value #TRIM_MAX_FREE} %, then the ratios as they
   * were. False when this JVM does not let them be changed (nothing was collected then).
   */
  static boolean trim() {
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    String min;
    String max;
    try {
      min = vm.getVMOption("MinHeapFreeRatio").getValue();
      max = vm.getVMOption("MaxHeapFreeRatio").getValue();
      vm.setVMOption("MinHeapFreeRatio", "0"); // first: the minimum may never exceed the maximum
      vm.setVMOption("MaxHeapFreeRatio", Integer.toString(TRIM_MAX_FREE));
    } catch (RuntimeException e) {
      LOG.debug("the heap's free ratios cannot be changed here ({}): the heap is not trimmed at idle", e.toString());
      return false;
    }
    try {
      System.gc();
    } finally {
      vm.setVMOption("MaxHeapFreeRatio", max);
      vm.setVMOption("MinHeapFreeRatio", min);
    }
    return true;
  }

  /**
   * A task for {@link #onQuiet(Runnable)} that hands the C heap's free pages back ({@link #trimNativeHeap}):
   * what a load's native buffers, compilations and collections freed stays resident in malloc's arenas otherwise
   * (2.8-5.5 MB of each master after the store bench). A master adds it, after its store's page release; a
   * minion does not: it calls the JVM's command through the platform MBean server, which a minion does not start
   * otherwise and which costs it more than its small C heap gives back (idle RSS 99 -> 100 MB). Once the JVM has
   * no such command, it is not asked again.
   */
  public static final Runnable NATIVE_HEAP = new Runnable() {
    private volatile boolean unsupported;

    @Override
    public void run() {
      if (unsupported) {
        return;
      }
      String report = trimNativeHeap();
      unsupported = report == null;
      LOG.debug("quiet: {}", report == null ? "this JVM cannot trim its C heap" : report);
    }
  };

  /**
   * Hands the free pages of the process's C heap back to the machine through the JVM's diagnostic command
   * {@code System.trim_native_heap} (JDK 17.0.9 and later; glibc only). Its report ("Trim native heap: RSS+Swap:
   * before->after"), or null when this JVM has no such command.
   */
  static String trimNativeHeap() {
    try {
      Object report = ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "systemTrimNativeHeap",
          new Object[] {null}, new String[] {String[].class.getName()});
      return report == null ? "" : report.toString().strip();
    } catch (JMException | RuntimeException e) {
      return null;
    }
  }

  /** What a second of the schedule calls for. */
  enum Step {
    /** Not quiet, or quiet for too short a time, or the spell already began. */
    NOTHING,
    /** A quiet spell begins; the heap has not grown since the last trim: only the tasks run. */
    QUIET,
    /** A quiet spell begins and the heap grew: trim it, then run the tasks. */
    TRIM
  }

  /**
   * When to trim, from each second's allocation: after {@code seconds} seconds in a row in which the process
   * allocated less than 1/64 of its committed heap each (a master at idle allocates ~0.2 MB/s against a heap of
   * 100-300 MB; under load hundreds of MB/s), once per quiet spell, and only if the heap is larger than the last
   * trim left it by an eighth (a node whose heap did not grow has nothing to give back).
   */
  static final class Quiet {
    private final int seconds;
    private int quietSeconds;
    private boolean armed = true;
    private long committedAfterTrim;

    Quiet(int seconds) {
      this.seconds = seconds;
    }

    /** One second's allocation and the heap's committed size: what to do now. */
    Step tick(long allocatedBytes, long committedBytes) {
      if (allocatedBytes >= committedBytes / 64) {
        quietSeconds = 0;
        armed = true;
        return Step.NOTHING;
      }
      quietSeconds++;
      if (!armed || quietSeconds < seconds) {
        return Step.NOTHING;
      }
      armed = false;
      return committedBytes > committedAfterTrim + (committedAfterTrim >> 3) ? Step.TRIM : Step.QUIET;
    }

    /** What the heap's committed size was right after a trim. */
    void trimmed(long committedBytes) {
      committedAfterTrim = committedBytes;
    }
  }
}
