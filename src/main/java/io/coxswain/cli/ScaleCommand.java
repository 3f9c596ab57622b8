package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "scale", description = "Set the number of replicas of a replication controller (through its scale subresource).")
final class ScaleCommand extends ClientCommand {
  @Parameters(paramLabel = "rc NAME | rc/NAME", arity = "1..*")
  List<String> args = new ArrayList<>();

  @Option(names = "--replicas", required = true, paramLabel = "N")
  int replicas;

  @Option(names = "--current-replicas", paramLabel = "N", defaultValue = "-1",
      description = "Only scale if the current number of replicas is this.")
  int currentReplicas;

  @Override
  protected int execute() {
    if (replicas < 0) {
      throw CliException.usage("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
    }
    ResourceArgs ra = ResourceArgs.parse(args, "scale");
    for (Map.Entry<ResourceType, List<String>> e : ra.byType().entrySet()) {
      if (e.getKey() != ResourceType.REPLICATION_CONTROLLERS) {
        throw CliException.usage("cannot scale " + e.getKey().plural() + ": only replicationcontrollers have replicas");
      }
      if (e.getValue().isEmpty()) {
        throw CliException.usage("resource(s) were provided, but no name was specified");
      }
      for (String name : e.getValue()) {
        scale(api(), namespace(), name, replicas, currentReplicas);
        out().println(e.getKey().ref(name) + " scaled");
      }
    }
    return 0;
  }

  /** Scales through {@code .../replicationcontrollers/NAME/scale}, checking the precondition if one is given. */
  static void scale(ApiConnection api, String ns, String name, int replicas, int expectCurrent) {
    String path = ResourceType.REPLICATION_CONTROLLERS.path(ns, name) + "/scale";
    JsonNode scale = api.get(path);
    if (expectCurrent >= 0 && scale.path("spec").path("replicas").asInt(0) != expectCurrent) {
      throw new CliException("error: Expected replicas to be " + expectCurrent + ", was " + scale.path("spec").path("replicas").asInt(0));
    }
    api.patch(path, "application/merge-patch+json",
        CliJson.object().set("spec", CliJson.object().put("replicas", replicas)));
  }
}
