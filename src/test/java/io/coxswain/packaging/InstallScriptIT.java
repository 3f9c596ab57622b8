package io.coxswain.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * packaging/install.sh run for real into a throwaway root (--destdir): the files it lays out, that a second
 * run keeps the settings and changes only the options given, the refusals (no root, old Java, a minion
 * without --join), uninstall, and the installed units checked by {@code systemd-analyze verify}.
 */
class InstallScriptIT {
  private static final Path SCRIPT = Path.of("packaging/install.sh").toAbsolutePath();
  private static final Path JAR = Path.of("target/node.jar").toAbsolutePath();

  @TempDir
  Path tmp;

  record Run(int code, String out) {}

  @BeforeAll
  static void jarBuilt() {
    assertTrue(Files.isRegularFile(JAR), "build target/node.jar first (mvn -B -o package -DskipTests)");
  }

  private Run run(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    return runCommand(command, env);
  }

  private static Run runCommand(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("DESTDIR");
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
    return new Run(p.exitValue(), out);
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p);
  }

  @Test
  void installsIntoADestdirIdempotentlyAndUninstalls() throws Exception {
    Path root = tmp.resolve("root");
    Run first = run(Map.of(), "--destdir", root.toString(), "--jar", JAR.toString(),
        "--role", "master", "--join", "127.0.6.1:6443", "--address", "127.0.6.2");
    assertEquals(0, first.code(), first.out());
    assertTrue(first.out().contains("staged under"), first.out());

    Path lib = root.resolve("usr/local/lib/coxswain");
    assertEquals(Files.size(JAR), Files.size(lib.resolve("node.jar")));
    assertTrue(Files.isExecutable(lib.resolve("coxswain")));
    Path link = root.resolve("usr/local/bin/coxswain");
    assertTrue(Files.isSymbolicLink(link));
    assertEquals(Path.of("../lib/coxswain/coxswain"), Files.readSymbolicLink(link));
    assertEquals(lib.resolve("coxswain").toRealPath(), link.toRealPath());
    for (String role : List.of("master", "minion")) {
      String unit = read(root.resolve("etc/systemd/system/coxswain-" + role + ".service"));
      assertTrue(unit.contains("EnvironmentFile=/etc/coxswain/coxswain.env"), unit);
      assertTrue(unit.contains("ExecStart=/usr/local/bin/coxswain --role=" + role + " "), unit);
      assertTrue(unit.contains("Restart=on-failure"), unit);
      assertTrue(unit.contains("KillSignal=SIGTERM"), unit);
      assertTrue(unit.contains("After=network-online.target docker.service"), unit);
    }
    Path env = root.resolve("etc/coxswain/coxswain.env");
    assertTrue(read(env).contains("COXSWAIN_ARGS=\"--join=127.0.6.1:6443 --address=127.0.6.2\""), read(env));

    // a second run: the user's edit survives, only the option given changes
    Files.writeString(env, read(env) + "COXSWAIN_JAVA_OPTS=-Xmx512m\n");
    Run second = run(Map.of(), "--destdir", root.toString(), "--jar", JAR.toString(), "--address", "127.0.6.3");
    assertEquals(0, second.code(), second.out());
    assertTrue(second.out().contains("kept /etc/coxswain/coxswain.env"), second.out());
    String after = read(env);
    assertTrue(after.contains("COXSWAIN_ARGS=\"--join=127.0.6.1:6443 --address=127.0.6.3\""), after);
    assertTrue(after.contains("COXSWAIN_JAVA_OPTS=-Xmx512m"), after);
    assertEquals(1, after.lines().filter(l -> l.startsWith("COXSWAIN_ARGS=")).count(), after);

    // a join token goes into the env file as $COXSWAIN_TOKEN (read by the node), which only root may then read
    Run withToken = run(Map.of(), "--destdir", root.toString(), "--jar", JAR.toString(), "--token", "K10ab::id.secret");
    assertEquals(0, withToken.code(), withToken.out());
    assertTrue(read(env).lines().anyMatch(l -> l.equals("COXSWAIN_TOKEN=K10ab::id.secret")), read(env));
    assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(env));

    // another prefix is written into the units
    Path other = tmp.resolve("other");
    Run prefixed = run(Map.of(), "--destdir", other.toString(), "--jar", JAR.toString(), "--prefix", "/opt/coxswain");
    assertEquals(0, prefixed.code(), prefixed.out());
    assertTrue(read(other.resolve("etc/systemd/system/coxswain-master.service"))
        .contains("ExecStart=/opt/coxswain/bin/coxswain --role=master"));
    assertTrue(Files.isRegularFile(other.resolve("opt/coxswain/lib/coxswain/node.jar")));

    Run gone = run(Map.of(), "--destdir", root.toString(), "--uninstall");
    assertEquals(0, gone.code(), gone.out());
    assertFalse(Files.exists(lib.resolve("node.jar")));
    assertFalse(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.exists(root.resolve("etc/systemd/system/coxswain-master.service")));
    assertTrue(Files.exists(env), "the settings are kept");
  }

  @Test
  void refusesWhatItCannotDo() throws Exception {
    Path root = tmp.resolve("root");
    Path java11 = tmp.resolve("java11");
    Files.writeString(java11, "#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n");
    Files.setPosixFilePermissions(java11, PosixFilePermissions.fromString("rwxr-xr-x"));
    Run oldJava = run(Map.of("JAVA", java11.toString()), "--destdir", root.toString(), "--jar", JAR.toString());
    assertEquals(1, oldJava.code(), oldJava.out());
    assertTrue(oldJava.out().contains("is Java 11.0.2; Coxswain needs Java 17 or newer"), oldJava.out());
    assertFalse(Files.exists(root.resolve("usr/local/lib/coxswain/node.jar")));

    Run minion = run(Map.of(), "--destdir", root.toString(), "--jar", JAR.toString(), "--role", "minion");
    assertEquals(1, minion.code(), minion.out());
    assertTrue(minion.out().contains("a minion needs a master to join: give --join HOST:PORT"), minion.out());

    Run badJoin = run(Map.of(), "--destdir", root.toString(), "--join", "http://x");
    assertEquals(1, badJoin.code(), badJoin.out());
    assertTrue(badJoin.out().contains("--join must be a master's API address HOST:PORT"), badJoin.out());

    Run noJar = run(Map.of(), "--destdir", root.toString(), "--jar", tmp.resolve("absent.jar").toString());
    assertEquals(1, noJar.code(), noJar.out());
    assertTrue(noJar.out().contains("build it first"), noJar.out());

    // without root, and without --destdir, it refuses before writing anything
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) && "root".equals(System.getProperty("user.name")),
        "needs root and setpriv to drop to nobody");
    Run notRoot = runCommand(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        "bash", SCRIPT.toString(), "--role", "master", "--jar", JAR.toString()), Map.of());
    assertEquals(1, notRoot.code(), notRoot.out());
    assertTrue(notRoot.out().contains("must run as root"), notRoot.out());
    assertTrue(notRoot.out().contains("sudo "), notRoot.out());
  }

  @Test
  void unitsPassSystemdAnalyzeVerify() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")) && Files.isDirectory(Path.of("/lib/systemd/system")),
        "systemd-analyze is not installed");
    Path root = tmp.resolve("root");
    Run install = run(Map.of(), "--destdir", root.toString(), "--jar", JAR.toString());
    assertEquals(0, install.code(), install.out());
    // the units refer to the system's targets: give the throwaway root a copy of them
    Path systemUnits = root.resolve("usr/lib/systemd/system");
    Files.createDirectories(systemUnits);
    try (var units = Files.list(Path.of("/lib/systemd/system"))) {
      for (Path u : units.filter(Files::isRegularFile).toList()) {
        Files.copy(u, systemUnits.resolve(u.getFileName()));
      }
    }
    Run verify = runCommand(List.of("systemd-analyze", "verify", "--man=no", "--root=" + root,
        root.resolve("etc/systemd/system/coxswain-master.service").toString(),
        root.resolve("etc/systemd/system/coxswain-minion.service").toString()), Map.of());
    assertEquals(0, verify.code(), verify.out());
    // verify reports unknown keys and bad values as warnings with exit code 0: there must be none
    assertEquals("", verify.out().strip(), verify.out());
  }
}
