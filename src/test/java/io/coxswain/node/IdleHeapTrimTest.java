package io.coxswain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.coxswain.node.IdleHeapTrim.Step;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import sun.misc.Unsafe;
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

  @Test
  void theCHeapsFreePagesGoBackWhereTheJvmCanTrimIt() throws Exception {
    boolean hasCommand = Arrays.stream(ManagementFactory.getPlatformMBeanServer()
            .getMBeanInfo(new ObjectName("com.sun.management:type=DiagnosticCommand")).getOperations())
        .anyMatch(o -> o.getName().equals("systemTrimNativeHeap"));
    if (!hasCommand) {
      assertEquals(null, IdleHeapTrim.trimNativeHeap(), "no command, no report");
      return;
    }
    Field f = Unsafe.class.getDeclaredField("theUnsafe");
    f.setAccessible(true);
    Unsafe unsafe = (Unsafe) f.get(null);
    // 64 MB in blocks of 64 KB with a small block kept between each two: freed, the large ones are holes in
    // malloc's arena that it keeps (only free space at an arena's top goes back by itself)
    int blocks = 1024;
    long[] large = new long[blocks];
    long[] small = new long[blocks];
    for (int i = 0; i < blocks; i++) {
      large[i] = unsafe.allocateMemory(64 * 1024);
      unsafe.setMemory(large[i], 64 * 1024, (byte) 1);
      small[i] = unsafe.allocateMemory(64);
    }
    try {
      for (long address : large) {
        unsafe.freeMemory(address);
      }
      String report = IdleHeapTrim.trimNativeHeap();
      Matcher m = Pattern.compile("\\((-?)(\\d+)([BKMG])\\)").matcher(report);
      assertTrue(m.find(), report);
      long delta = Long.parseLong(m.group(2)) << switch (m.group(3)) {
        case "K" -> 10;
        case "M" -> 20;
        case "G" -> 30;
        default -> 0;
      };
      assertTrue(m.group(1).equals("-") && delta >= 32 * MB, "the freed blocks went back: " + report);
    } finally {
      for (long address : small) {
        unsafe.freeMemory(address);
      }
    }
  }
}
