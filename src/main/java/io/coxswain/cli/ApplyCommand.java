package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "apply", description = {
    "Create or update objects from files, folders or stdin, as kubectl's client-side apply does:",
    "the last applied configuration is kept in an annotation and a three-way strategic merge patch is sent."})
final class ApplyCommand extends ClientCommand {
  /** As kubectl: what a user's manifest says is checked strictly, so a misspelt field is an error, not lost. */
  static final String STRICT = "?fieldValidation=Strict";

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE", required = true, description = "File, folder or - for stdin.")
  List<String> files = new ArrayList<>();

  @Option(names = {"-R", "--recursive"}, description = "Read folders recursively.")
  boolean recursive;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json|yaml|name")
  String output;

  @Option(names = "--dry-run", paramLabel = "none|client|server", arity = "0..1", fallbackValue = "client",
      description = "Only print what would be sent.")
  String dryRun;

  @Override
  protected int execute() {
    OutputFormat format = OutputFormat.parse(output);
    boolean dry = dryRun != null && !dryRun.equals("none");
    int failures = 0;
    for (Manifests.Manifest m : Manifests.read(files, recursive, System.in)) {
      String ns = Manifests.namespaceFor(m, connection);
      try {
        String verdict;
        JsonNode result;
        if (m.name().isEmpty()) {
          throw CliException.usage("error from " + m.source() + ": resource name may not be empty");
        }
        ObjectNode file = m.object().deepCopy();
        if (ns != null && file.path("metadata").isObject()) {
          // as kubectl does: the namespace the object goes to is part of what is applied and recorded
          ((ObjectNode) file.get("metadata")).put("namespace", ns);
        }
        ObjectNode modified = ApplyPatch.withLastApplied(file);
        JsonNode current = api().getOrNull(m.type().path(ns, m.name()));
        if (current == null) {
          result = dry ? modified : api().post(m.type().path(ns, null) + STRICT, modified);
          verdict = "created";
        } else {
          String recorded = current.path("metadata").path("annotations").path(ApplyPatch.LAST_APPLIED).asText(null);
          JsonNode original = null;
          if (recorded == null) {
            err().println("Warning: " + m.type().ref(m.name()) + " has no " + ApplyPatch.LAST_APPLIED
                + " annotation (it was not created by apply); it is added now and fields set elsewhere are kept.");
          } else {
            try {
              original = CliJson.parse(recorded);
            } catch (RuntimeException e) {
              throw new CliException("error: the " + ApplyPatch.LAST_APPLIED + " annotation of " + m.type().ref(m.name())
                  + " is not valid JSON");
            }
          }
          ObjectNode patch = ApplyPatch.threeWay(m.type().kind(), original, modified, current);
          if (patch.isEmpty()) {
            result = current;
            verdict = "unchanged";
          } else {
            if (connection.verbosity >= 6) {
              err().println("patch " + m.type().ref(m.name()) + ": " + CliJson.compact(patch));
            }
            result = dry ? current : api().patch(m.type().path(ns, m.name()) + STRICT, "application/strategic-merge-patch+json", patch);
            verdict = "configured";
          }
        }
        if (format.table()) {
          out().println(m.type().ref(m.name()) + " " + verdict + (dry ? " (dry run)" : ""));
        } else {
          out().print(format.print(OutputFormat.withKind(result, m.type())));
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
