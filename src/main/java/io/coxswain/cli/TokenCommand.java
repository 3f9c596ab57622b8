package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Join tokens: {@code token create|list|revoke}, on a master's {@code /coxswain/v1/tokens}. */
@Command(name = "token", description = "Join tokens: create one for a new minion or master, list them, revoke one.",
    subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand {
  static final String PATH = "/coxswain/v1/tokens";

  @Command(name = "create", description = "Create a join token and print it (K10<CA hash>::<id>.<secret>). Roles"
      + " minion and master join nodes; admin and viewer tokens are API bearer tokens.")
  static final class Create extends ClientCommand {
    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "24h",
        description = "How long the token works (default 24h; 0 for ever).")
    String ttl;

    @Option(names = "--role", paramLabel = "minion|master|admin|viewer", defaultValue = "minion",
        description = "What the token lets in (default minion).")
    String role;

    @Option(names = "--description", paramLabel = "TEXT", defaultValue = "", description = "A note kept with it.")
    String description;

    @Override
    protected int execute() {
      if (!List.of("minion", "master", "admin", "viewer").contains(role)) {
        throw CliException.usage("--role must be minion, master, admin or viewer, not \"" + role + "\"");
      }
      Duration d = ttl.equals("0") ? Duration.ZERO : Durations.parse(ttl, "--ttl");
      JsonNode body = CliJson.mapper().createObjectNode().put("role", role).put("ttlSeconds", d.toSeconds())
          .put("description", description);
      out().println(api().post(PATH, body).path("token").asText());
      return 0;
    }
  }

  @Command(name = "list", description = "List join tokens (never their secrets): id, role, expiry, state.")
  static final class ListTokens extends ClientCommand {
    @Override
    protected int execute() {
      out().print(table(api().get(PATH), Instant.now()));
      return 0;
    }

    static String table(JsonNode tokens, Instant now) {
      List<List<String>> lines = new ArrayList<>();
      lines.add(List.of("ID", "ROLE", "EXPIRES", "STATE", "DESCRIPTION"));
      for (JsonNode t : tokens.path("items")) {
        String expires = t.path("expires").asText("");
        boolean expired = !expires.isEmpty() && !Instant.parse(expires).isAfter(now);
        String state = t.path("revoked").asBoolean() ? "revoked" : expired ? "expired" : "valid";
        lines.add(List.of(t.path("id").asText(), t.path("role").asText(), expires.isEmpty() ? "never" : expires,
            state, t.path("description").asText("")));
      }
      return TableFormat.align(lines);
    }
  }

  @Command(name = "revoke", description = "Revoke a join token: nodes can no longer join with it.")
  static final class Revoke extends ClientCommand {
    @Parameters(paramLabel = "ID", description = "The token's id (the part before the dot), or the whole token.")
    String id;

    @Override
    protected int execute() {
      String bare = id.contains("::") ? id.substring(id.indexOf("::") + 2) : id;
      bare = bare.contains(".") ? bare.substring(0, bare.indexOf('.')) : bare;
      api().delete(PATH + "/" + bare, null);
      out().println("token " + bare + " revoked");
      return 0;
    }
  }
}
