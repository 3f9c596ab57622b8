package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "members", description = "List the masters of the Raft group: id, peer address, leader, term, commit"
    + " and applied index, and when each master's certificates expire.")
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
    out().print(table(members, java.time.Instant.now()));
    return 0;
  }

  static String table(JsonNode members, java.time.Instant now) {
    boolean certs = false;
    for (JsonNode m : members.path("members")) {
      certs |= m.hasNonNull("certificateExpires");
    }
    List<List<String>> lines = new ArrayList<>();
    List<String> head = new ArrayList<>(List.of("ID", "PEER", "LEADER", "TERM", "COMMIT", "APPLIED"));
    if (certs) {
      head.add("CERTS EXPIRE");
    }
    lines.add(head);
    for (JsonNode m : members.path("members")) {
      List<String> line = new ArrayList<>(List.of(m.path("id").asText() + (m.path("self").asBoolean() ? " (this)" : ""),
          m.path("peerAddress").asText(), m.path("leader").asBoolean() ? "yes" : "no",
          m.path("term").asText(), m.path("commitIndex").asText(), known(m.path("appliedIndex"))));
      if (certs) {
        line.add(expiry(m.path("certificateExpires").asText(""), now));
      }
      lines.add(line);
    }
    return TableFormat.align(lines);
  }

  /** {@code 2027-11-25 (364d)}, or {@code -} when the master has not said. */
  static String expiry(String instant, java.time.Instant now) {
    if (instant.isEmpty()) {
      return "-";
    }
    java.time.Instant at = java.time.Instant.parse(instant);
    long days = java.time.Duration.between(now, at).toDays();
    return at.toString().substring(0, 10) + " (" + (at.isAfter(now) ? days + "d" : "expired") + ")";
  }

  /** A peer's applied index is known only to that peer: -1 (unknown) shows as "-". */
  private static String known(JsonNode index) {
    return index.isNumber() && index.asLong() < 0 ? "-" : index.asText();
  }
}
