package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class MainTest {
  @Test
  void everyClientCommandIsBuiltAloneByItsNameAndItsAliases() {
    Command top = NodeCommand.class.getAnnotation(Command.class);
    List<String> checked = new ArrayList<>();
    for (Class<?> c : top.subcommands()) {
      Command sub = c.getAnnotation(Command.class);
      if (sub == null || sub.name().equals("completion") || sub.name().equals("help")) {
        continue;
      }
      List<String> names = new ArrayList<>(List.of(sub.name()));
      names.addAll(List.of(sub.aliases()));
      for (String name : names) {
        CommandLine cl = Main.oneCommand(name);
        assertNotNull(cl, name);
        assertEquals(c, cl.getCommand().getClass(), name);
        assertEquals(top.name() + " " + sub.name(), cl.getCommandName(), name);
        assertNotNull(cl.getCommandSpec().findOption("--help"), name);
        checked.add(name);
      }
    }
    assertTrue(checked.containsAll(List.of("get", "rolling-update", "rollingupdate", "version")), checked.toString());
  }

  @Test
  void theCommonPoolGetsEightWorkersOnSmallMachinesUnlessTheUserSaidOtherwise() {
    String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
    java.util.Properties small = new java.util.Properties();
    Main.commonPool(small, 2);
    assertEquals("8", small.getProperty(key));
    java.util.Properties single = new java.util.Properties();
    Main.commonPool(single, 1);
    assertEquals("8", single.getProperty(key));
    java.util.Properties large = new java.util.Properties();
    Main.commonPool(large, 8);
    assertNull(large.getProperty(key));
    java.util.Properties chosen = new java.util.Properties();
    chosen.setProperty(key, "1");
    Main.commonPool(chosen, 2);
    assertEquals("1", chosen.getProperty(key));
  }

  @Test
  void notACommandIsNull() {
    for (String name : List.of("pods", "--help", "-v", "completion", "help", "Get", "")) {
      assertNull(name.isEmpty() ? null : Main.oneCommand(name), name);
    }
  }

  @Test
  void classNamesFollowTheCommandsNames() {
    assertEquals("GetCommand", Main.className("get"));
    assertEquals("RollingUpdateCommand", Main.className("rolling-update"));
    assertEquals("ClusterInfoCommand", Main.className("cluster-info"));
  }
}
