package io.coxswain.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** How much of a file a process has resident, read from its {@code /proc/PID/smaps}. */
public final class ResidentPages {
  private static final Pattern MAPPING = Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

  private ResidentPages() {}

  /** Resident kilobytes of process {@code pid} mapped from {@code file} (every mapping of it). */
  public static long residentKb(long pid, Path file) {
    String path = file.toAbsolutePath().toString();
    long kb = 0;
    boolean inFile = false;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps"))) {
        if (MAPPING.matcher(line).lookingAt()) {
          inFile = line.endsWith(" " + path);
        } else if (inFile && line.startsWith("Rss:")) {
          kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read the smaps of " + pid, e);
    }
    return kb;
  }
}
