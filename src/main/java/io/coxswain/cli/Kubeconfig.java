package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the CLI takes from a kubeconfig file: the current context's server, namespace and bearer token. */
record Kubeconfig(String server, String namespace, String token) {
  static final Kubeconfig NONE = new Kubeconfig(null, null, null);

  static Kubeconfig read(Path file, String contextOverride) {
    if (!Files.exists(file)) {
      throw CliException.usage("stat " + file + ": no such file or directory");
    }
    JsonNode root;
    try {
      root = CliJson.yaml().readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw CliException.usage("error loading config file \"" + file + "\": " + firstLine(e.getMessage()));
    }
    return of(root, contextOverride);
  }

  static Kubeconfig of(JsonNode root, String contextOverride) {
    if (root == null || root.isMissingNode() || root.isNull()) {
      return NONE;
    }
    String contextName = contextOverride != null ? contextOverride : root.path("current-context").asText("");
    if (contextName.isEmpty()) {
      return NONE;
    }
    JsonNode context = named(root.path("contexts"), contextName).path("context");
    if (context.isMissingNode()) {
      throw CliException.usage("context was not found for specified context: " + contextName);
    }
    JsonNode cluster = named(root.path("clusters"), context.path("cluster").asText("")).path("cluster");
    JsonNode user = named(root.path("users"), context.path("user").asText("")).path("user");
    String server = cluster.path("server").asText(null);
    String namespace = context.path("namespace").asText(null);
    String token = user.path("token").asText(null);
    return new Kubeconfig(server, namespace, token);
  }

  private static JsonNode named(JsonNode list, String name) {
    for (JsonNode e : list) {
      if (name.equals(e.path("name").asText())) {
        return e;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
