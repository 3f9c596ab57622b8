package io.coxswain.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Raw mode and size of the controlling terminal, through stty (an interactive exec needs both). */
final class Terminal {
  private Terminal() {}

  private static String stty(String... args) {
    try {
      String[] cmd = new String[args.length + 1];
      cmd[0] = "stty";
      System.arraycopy(args, 0, cmd, 1, args.length);
      Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/tty")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Puts the terminal in raw mode; returns the settings to restore (null when there is no terminal). */
  static String makeRaw() {
    String saved = stty("-g");
    if (saved != null) {
      stty("raw", "-echo");
    }
    return saved;
  }

  static void restore(String saved) {
    stty(saved);
  }

  /** Columns and rows, or null. */
  static int[] size() {
    String s = stty("size");
    if (s == null || !s.matches("\\d+ \\d+")) {
      return null;
    }
    String[] parts = s.split(" ");
    return new int[] {Integer.parseInt(parts[1]), Integer.parseInt(parts[0])};
  }
}
