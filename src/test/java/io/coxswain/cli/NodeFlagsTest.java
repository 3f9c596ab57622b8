package io.coxswain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A node run's flags read without picocli give what picocli gives, and refuse what it refuses. */
class NodeFlagsTest {
  /** Every option field of a parsed command, by field name. */
  private static Map<String, Object> options(NodeCommand c) throws IllegalAccessException {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Field f : NodeCommand.class.getDeclaredFields()) {
      if (f.getAnnotation(CommandLine.Option.class) != null) {
        f.setAccessible(true);
        values.put(f.getName(), f.get(c));
      }
    }
    return values;
  }

  private static NodeCommand picocli(String... args) {
    CommandLine cl = Main.commandLine();
    cl.parseArgs(args);
    return cl.getCommand();
  }

  @Test
  void everyFlagIsReadAsPicocliReadsIt() throws Exception {
    List<String[]> runs = List.of(
        new String[] {"--role=master"},
        new String[] {"--role", "MINION", "--join", "127.0.0.1:6443", "--token=abc"},
        new String[] {"--role=minion", "--join=10.0.0.1:6443", "--token-file=/tmp/t", "--data-dir=/var/lib/x",
            "--address=127.0.0.9", "--api-port=7443", "--peer-port", "2390", "--node-name=n1",
            "--service-cidr=10.1.0.0/16", "--local-minion=false", "--history-count=10", "--history-age=1m",
            "--container-runtime-endpoint=unix:///run/podman/podman.sock", "--pod-infra-image=pause:1",
            "--kubelet-port=10251", "--node-labels=a=1,b=2", "--node-labels", "c=x=y", "--reserved-cpu=500m",
            "--reserved-memory=1Gi", "--max-pods=20", "--hollow=3", "--heartbeat=1s", "--proxy-mode=loopback",
            "--node-monitor-grace=20s", "--pod-eviction-timeout=1s"},
        new String[] {"--local-minion", "true", "--role=Master", "--node-labels=k="});
    for (String[] args : runs) {
      Map<String, Object> ours = options(NodeFlags.parse(args));
      assertEquals(options(picocli(args)), ours, String.join(" ", args));
    }
    NodeCommand full = NodeFlags.parse(runs.get(2));
    assertEquals(Map.of("a", "1", "b", "2", "c", "x=y"), full.nodeLabels);
    assertFalse(full.localMinion);
    assertEquals(2390, full.peerPort);
  }

  @Test
  void whatPicocliRefusesIsRefused() {
    List<String[]> bad = List.of(
        new String[] {"--role=master", "--bogus=1"},
        new String[] {"--role=master", "stray"},
        new String[] {"--role=leader"},
        new String[] {"--role=master", "--api-port=http"},
        new String[] {"--role=master", "--local-minion=maybe"},
        new String[] {"--role=master", "--local-minion"},
        new String[] {"--role=master", "--join"},
        new String[] {"--role=master", "--join", "--token=x"},
        new String[] {"--role=master", "--node-labels=novalue"},
        new String[] {"--role=master", "--node-name=a", "--node-name=b"});
    for (String[] args : bad) {
      String what = String.join(" ", args);
      assertThrows(CommandLine.ParameterException.class, () -> picocli(args), "picocli: " + what);
      assertThrows(NodeFlags.BadFlag.class, () -> NodeFlags.parse(args), what);
    }
  }

  @Test
  void aBadFlagIsOneLineAndExitOne() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.runNode(new String[] {"--role=master", "--server=https://x:6443"},
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(1, code);
    String text = err.toString(StandardCharsets.UTF_8);
    assertEquals("error: Unknown option: '--server=https://x:6443'; client options go after the command, e.g. coxswain"
        + " get pods --server=https://HOST:6443 (see 'coxswain --help')\n", text);

    err.reset();
    assertEquals(1, Main.runNode(new String[] {"--role=minion"}, new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertEquals("error: a minion needs --join=HOST:PORT, the API address of a master\n",
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aNodeRunIsToldFromHelpVersionAndClientCommands() {
    assertTrue(Main.isNodeRun(new String[] {"--role=minion", "--join=127.0.0.1:6443"}));
    assertTrue(Main.isNodeRun(new String[] {"--data-dir=/d", "--role", "master"}));
    List<String[]> notRuns = new ArrayList<>(List.of(new String[0], new String[] {"--role=master", "--help"},
        new String[] {"-V", "--role=master"}, new String[] {"get", "pods"},
        new String[] {"token", "create", "--role", "master"}, new String[] {"token", "create", "--role=minion"}));
    for (String[] args : notRuns) {
      assertFalse(Main.isNodeRun(args), String.join(" ", args));
    }
  }
}
