package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "version", description = "Print the client and server versions.")
final class ClientVersionCommand extends ClientCommand {
  @Option(names = "--client", description = "Only the client version (no server needed).")
  boolean clientOnly;

  @Option(names = {"-o", "--output"}, paramLabel = "json|yaml")
  String output;

  @Override
  protected int execute() {
    ObjectNode client = CliJson.object().put("major", "1").put("minor", "32")
        .put("gitVersion", "v" + VersionInfo.version()).put("platform", System.getProperty("os.name").toLowerCase()
            + "/" + System.getProperty("os.arch"));
    JsonNode server = null;
    CliException failure = null;
    if (!clientOnly) {
      try {
        server = api().get("/version");
      } catch (CliException e) {
        failure = e;
      }
    }
    if (output != null && (output.equals("json") || output.equals("yaml"))) {
      ObjectNode all = CliJson.object();
      all.set("clientVersion", client);
      if (server != null) {
        all.set("serverVersion", server);
      }
      out().print(output.equals("json") ? CliJson.indented(all) : CliJson.yaml(all));
    } else if (output != null) {
      throw CliException.usage("--output must be 'yaml' or 'json'");
    } else {
      out().println("Client Version: v" + VersionInfo.version());
      if (server != null) {
        out().println("Server Version: " + server.path("gitVersion").asText("unknown"));
      }
    }
    if (failure != null) {
      throw failure;
    }
    return 0;
  }
}
