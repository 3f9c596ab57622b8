package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "members", description = "List the masters of the Raft group: id, peer address, leader, term, commit and applied index.")
final class MembersCommand extends ClientCommand {
  @Option(names = {"-o", "--output"}, paramLabel = "json|yaml")
  String output;

  @Override
  protected int execute() {
    JsonNode members = api().get("/coxswain/v1/members");
    if ("json".equals(output) || "yaml".equals(output)) {
      out().print("json".equals(output) ? CliJson.indented(members) : CliJson.yaml(members));
      return 0;
    }
    if (output != null) {
      throw CliException.usage("--output must be 'yaml' or 'json'");
    }
    out().print(table(members));
    return 0;
  }

  static String table(JsonNode members) {
    List<List<String>> lines = new ArrayList<>();
    lines.add(List.of("ID", "PEER", "LEADER", "TERM", "COMMIT", "APPLIED"));
    for (JsonNode m : members.path("members")) {
      lines.add(List.of(m.path("id").asText() + (m.path("self").asBoolean() ? " (this)" : ""),
          m.path("peerAddress").asText(), m.path("leader").asBoolean() ? "yes" : "no",
          m.path("term").asText(), m.path("commitIndex").asText(), known(m.path("appliedIndex"))));
    }
    return TableFormat.align(lines);
  }

  /** A peer's applied index is known only to that peer: -1 (unknown) shows as "-". */
  private static String known(JsonNode index) {
    return index.isNumber() && index.asLong() < 0 ? "-" : index.asText();
  }
}
