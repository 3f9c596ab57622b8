package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** label and annotate: which objects (names, -l, --all), which edits, one merge patch per object. */
abstract class MetadataCommand extends ClientCommand {
  @Parameters(paramLabel = "TYPE NAME|TYPE/NAME KEY=VAL|KEY-", arity = "1..*")
  List<String> args = new ArrayList<>();

  @Option(names = "--overwrite", description = "Allow replacing an existing value.")
  boolean overwrite;

  @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR")
  String selector;

  @Option(names = "--all", description = "Every object of the type in the namespace.")
  boolean all;

  abstract String field();

  abstract String verb();

  @Override
  protected int execute() {
    List<String> resources = new ArrayList<>();
    List<String> edits = new ArrayList<>();
    for (String a : args) {
      if (a.contains("=") || (a.endsWith("-") && resources.size() > 0)) {
        edits.add(a);
      } else {
        resources.add(a);
      }
    }
    String what = field().equals("labels") ? "label" : "annotation";
    MetadataEdit.Changes changes = MetadataEdit.parse(edits, what);
    ResourceArgs ra = ResourceArgs.parse(resources, field().equals("labels") ? "label" : "annotate");
    boolean bySelector = selector != null || all;
    if (!ra.anyNames() && !bySelector) {
      throw CliException.usage("resource(s) were provided, but no name was specified");
    }
    for (Map.Entry<ResourceType, List<String>> e : ra.byType().entrySet()) {
      ResourceType t = e.getKey();
      List<JsonNode> objects = new ArrayList<>();
      if (bySelector) {
        api().get(new Query().add("labelSelector", selector).on(t.path(namespace(), null))).path("items").forEach(objects::add);
      } else {
        for (String n : e.getValue()) {
          objects.add(api().get(t.path(namespace(), n)));
        }
      }
      for (JsonNode live : objects) {
        String name = live.path("metadata").path("name").asText();
        ObjectNode patch = MetadataEdit.patchFor(live, field(), changes, overwrite);
        if (patch == null) {
          out().println(t.ref(name) + " not " + verb());
          continue;
        }
        api().patch(t.path(namespace(), name), "application/merge-patch+json", patch);
        out().println(t.ref(name) + " " + verb());
      }
    }
    return 0;
  }
}
