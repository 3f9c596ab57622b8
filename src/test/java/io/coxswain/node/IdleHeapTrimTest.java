package io.coxswain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.coxswain.node.IdleHeapTrim.Step;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdleHeapTrimTest {
  private static final long MB = 1L << 20;
  private static final long HEAP = 256 * MB;
  private static final long BUSY = 64 * MB;
  private static final long IDLE = MB / 8;

  @Test
  void aQuietSpellTrimsOnceAfterItsSeconds() {
    IdleHeapTrim.Quiet quiet = new IdleHeapTrim.Quiet(3);
    assertEquals(Step.NOTHING, quiet.tick(BUSY, HEAP));
    assertEquals(Step.NOTHING, quiet.tick(IDLE, HEAP));
    assertEquals(Step.NOTHING, quiet.tick(IDLE, HEAP));
    assertEquals(Step.TRIM, quiet.tick(IDLE, HEAP), "the third quiet second");
    quiet.trimmed(100 * MB);
    assertEquals(Step.NOTHING, quiet.tick(IDLE, HEAP),
        "once per quiet spell, though the heap is larger than the trim left it");
    assertEquals(Step.NOTHING, quiet.tick(IDLE, HEAP));
  }

  @Test
  void aBusySecondStartsTheCountAgain() {
    IdleHeapTrim.Quiet quiet = new IdleHeapTrim.Quiet(3);
    assertEquals(Step.NOTHING, quiet.tick(IDLE, HEAP));
    assertEquals(Step.NOTHING, quiet.tick(IDLE, HEAP));
    assertEquals(Step.NOTHING, quiet.tick(HEAP / 64, HEAP), "1/64 of the heap in a second is not quiet");
    assertEquals(Step.NOTHING, quiet.tick(IDLE, HEAP));
    assertEquals(Step.NOTHING, quiet.tick(IDLE, HEAP));
    assertEquals(Step.TRIM, quiet.tick(IDLE, HEAP));
  }

  @Test
  void aHeapThatDidNotGrowSinceTheLastTrimIsLeftAloneButTheSpellIsStillTold() {
    IdleHeapTrim.Quiet quiet = new IdleHeapTrim.Quiet(2);
    quiet.tick(IDLE, HEAP);
    assertEquals(Step.TRIM, quiet.tick(IDLE, HEAP));
    quiet.trimmed(100 * MB);
    quiet.tick(BUSY, 110 * MB); // a short burst grew it by less than an eighth
    quiet.tick(IDLE, 110 * MB);
    assertEquals(Step.QUIET, quiet.tick(IDLE, 110 * MB), "the tasks for other memory still run");
    assertEquals(Step.NOTHING, quiet.tick(IDLE, 110 * MB));
    quiet.tick(BUSY, 160 * MB); // a longer one grew it
    quiet.tick(IDLE, 160 * MB);
    assertEquals(Step.TRIM, quiet.tick(IDLE, 160 * MB));
  }

  @Test
  void aTrimGivesTheHeapBackAndPutsTheRatiosBack() {
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    String min = vm.getVMOption("MinHeapFreeRatio").getValue();
    String max = vm.getVMOption("MaxHeapFreeRatio").getValue();
    List<byte[]> burst = new ArrayList<>();
    for (int i = 0; i < 192; i++) {
      burst.add(new byte[(int) MB]);
    }
    long grown = Runtime.getRuntime().totalMemory();
    assertTrue(grown >= 192 * MB, "the burst grew the heap: " + (grown >> 20) + " MB");
    burst = null;
    assertTrue(IdleHeapTrim.trim());
    long trimmed = Runtime.getRuntime().totalMemory();
    assertTrue(trimmed <= grown - 96 * MB, "committed " + (grown >> 20) + " -> " + (trimmed >> 20) + " MB");
    assertEquals(min, vm.getVMOption("MinHeapFreeRatio").getValue());
    assertEquals(max, vm.getVMOption("MaxHeapFreeRatio").getValue());
  }
}
