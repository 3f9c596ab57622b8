package io.coxswain.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirLockTest {
  @Test
  void aSecondNodeOnTheSameDataDirIsRefusedUntilTheFirstStops(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("m1");
    DataDirLock first = DataDirLock.acquire(dir);
    assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(dir.resolve(".lock")));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> DataDirLock.acquire(dir));
    assertEquals("the data directory " + dir + " is in use by another Coxswain node (pid "
        + ProcessHandle.current().pid() + "): stop it first, or give this node its own --data-dir", e.getMessage());
    first.close();
    DataDirLock.acquire(dir).close();
  }

  @Test
  void loggingIsSetUpInCode() {
    LoggerContext context = new LoggerContext();
    new LogSetup().configure(context);
    assertEquals(Level.WARN, context.getLogger("ROOT").getLevel());
    assertEquals(Level.OFF, context.getLogger("org.apache.ratis.util.LifeCycle").getLevel());
    assertEquals(Level.ERROR, context.getLogger("org.apache.ratis.thirdparty").getLevel());
    assertTrue(context.getLogger("io.coxswain").getLevel().isGreaterOrEqual(Level.TRACE));
    assertTrue(context.getLogger("ROOT").getAppender("STDERR").isStarted());
  }
}
