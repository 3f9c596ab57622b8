package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "create", description = "Create objects from files, folders or stdin (-f -).")
final class CreateCommand extends ClientCommand {
  @Option(names = {"-f", "--filename"}, paramLabel = "FILE", required = true, description = "File, folder or - for stdin.")
  List<String> files = new ArrayList<>();

  @Option(names = {"-R", "--recursive"}, description = "Read folders recursively.")
  boolean recursive;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json|yaml|name")
  String output;

  @Override
  protected int execute() {
    OutputFormat format = OutputFormat.parse(output);
    int failures = 0;
    for (Manifests.Manifest m : Manifests.read(files, recursive, System.in)) {
      String ns = Manifests.namespaceFor(m, connection);
      try {
        JsonNode created = api().post(m.type().path(ns, null) + ApplyCommand.STRICT, m.object());
        if (format.table()) {
          out().println(m.type().ref(created.path("metadata").path("name").asText(m.name())) + " created");
        } else {
          out().print(format.print(OutputFormat.withKind(created, m.type())));
        }
      } catch (ApiError e) {
        out().flush();
        err().println(e.getMessage());
        failures++;
      }
    }
    return failures == 0 ? 0 : 1;
  }
}
