package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.node.Master;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.function.BiConsumer;

/**
 * The snapshot file format, shared by {@code GET /coxswain/v1/snapshot}, {@code snapshot save} and
 * {@code snapshot restore}: JSON lines in UTF-8. The first line is the header {@code {"revision":N}} (the
 * store revision the export is consistent at); every other line is one key-value pair
 * {@code {"key":"/registry/pods/default/x","value":"<base64 of the stored bytes>"}}, in key order.
 */
public final class SnapshotFile {
  /** What a file holds: its revision and number of keys. */
  public record Summary(long revision, long keys) {}

  private SnapshotFile() {}

  /** Reads and checks a whole file, passing each pair to {@code entry}; a malformed line is an error naming it. */
  public static Summary read(Path file, BiConsumer<String, byte[]> entry) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String first = r.readLine();
      if (first == null) {
        throw new IOException(file + " is empty: not a snapshot");
      }
      long revision;
      try {
        JsonNode header = CliJson.mapper().readTree(first);
        if (!header.path("revision").canConvertToLong()) {
          throw new IOException("no revision");
        }
        revision = header.path("revision").asLong();
      } catch (IOException e) {
        throw new IOException(file + " line 1: not a snapshot header {\"revision\":N}");
      }
      long keys = 0;
      String line;
      long lineNo = 1;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        try {
          JsonNode kv = CliJson.mapper().readTree(line);
          String key = kv.path("key").asText(null);
          String value = kv.path("value").asText(null);
          if (key == null || value == null) {
            throw new IOException("missing key or value");
          }
          entry.accept(key, Base64.getDecoder().decode(value));
        } catch (IOException | IllegalArgumentException e) {
          throw new IOException(file + " line " + lineNo + ": not a {\"key\",\"value\"(base64)} pair");
        }
        keys++;
      }
      return new Summary(revision, keys);
    }
  }

  /**
   * Prepares the data directory of a new master that starts from a snapshot: the file is checked whole,
   * then copied into the directory (which must be empty or absent) as {@link Master#RESTORE_FILE}. A master
   * started on that directory bootstraps a new one-member cluster and writes every saved key before it
   * serves; other masters then join it as usual. The directory and the copy are readable by the owner only.
   */
  public static Summary restoreInto(Path file, Path dataDir) throws IOException {
    if (!Files.exists(file)) {
      throw new IOException("the path \"" + file + "\" does not exist");
    }
    if (Files.isDirectory(dataDir)) {
      try (var s = Files.list(dataDir)) {
        if (s.findAny().isPresent()) {
          throw new IOException("the data directory " + dataDir + " is not empty: restore into a new directory");
        }
      }
    } else if (Files.exists(dataDir)) {
      throw new IOException(dataDir + " is not a directory");
    }
    Summary summary = read(file, (k, v) -> { });
    Files.createDirectories(dataDir);
    ownerOnly(dataDir, "rwx------");
    Path target = dataDir.resolve(Master.RESTORE_FILE);
    Path tmp = dataDir.resolve(Master.RESTORE_FILE + ".part");
    Files.copy(file, tmp);
    ownerOnly(tmp, "rw-------");
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    return summary;
  }

  private static void ownerOnly(Path p, String perms) throws IOException {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep its defaults
    }
  }
}
