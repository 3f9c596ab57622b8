package io.coxswain.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "snapshot", description = "Save the whole store to a file, or restore a data directory from one.",
    subcommands = {SnapshotCommand.Save.class, SnapshotCommand.Restore.class})
final class SnapshotCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: save FILE | restore FILE --data-dir DIR");
  }

  @Command(name = "save", description = "Stream GET /coxswain/v1/snapshot into FILE (written whole or not at all).")
  static final class Save extends ClientCommand {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Override
    protected int execute() throws Exception {
      Path target = file.toAbsolutePath();
      Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".part");
      try {
        try (InputStream in = api().stream("/coxswain/v1/snapshot", "application/jsonl, application/json");
            OutputStream out = Files.newOutputStream(tmp)) {
          in.transferTo(out);
        } catch (ApiError e) {
          if (e.isNotFound()) {
            throw new CliException("error: the server at " + api().server()
                + " does not serve snapshots (GET /coxswain/v1/snapshot answered 404): upgrade the masters");
          }
          throw e;
        }
        SnapshotFile.Summary s;
        try {
          s = SnapshotFile.read(tmp, (k, v) -> { });
        } catch (IOException e) {
          throw new CliException("error: the server sent a malformed snapshot: " + e.getMessage().replace(tmp.toString(), "snapshot"));
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        out().println("Snapshot saved at " + file + " (revision " + s.revision() + ", " + s.keys() + " keys)");
        return 0;
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
  }

  @Command(name = "restore", description = "Offline: write a new master's data directory from a snapshot file.")
  static final class Restore extends ClientCommand {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR")
    Path dataDir;

    @Override
    protected int execute() {
      try {
        SnapshotFile.Summary s = SnapshotFile.restoreInto(file, dataDir);
        out().println("Prepared " + dataDir + " from revision " + s.revision() + " (" + s.keys() + " keys); start a master"
            + " with --role=master --data-dir=" + dataDir + " (it loads them before serving), then join other masters to it");
        return 0;
      } catch (IOException e) {
        throw CliException.usage(e.getMessage());
      }
    }
  }
}
