package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the CLI takes from a kubeconfig file: the current context's server, namespace, bearer token, and TLS
 * material (the CA to trust, a client certificate and key, PEM; from {@code *-data} or from files).
 */
record Kubeconfig(String server, String namespace, String token, String caPem, String certPem, String keyPem,
                  boolean insecure, Path file) {
  static final Kubeconfig NONE = new Kubeconfig(null, null, null, null, null, null, false, null);

  static Kubeconfig read(Path file, String contextOverride) {
    if (!Files.exists(file)) {
      throw CliException.usage("stat " + file + ": no such file or directory");
    }
    JsonNode root;
    try {
      root = CliJson.readYaml(Files.readAllBytes(file));
    } catch (IOException e) {
      throw CliException.usage("error loading config file \"" + file + "\": " + firstLine(e.getMessage()));
    }
    return of(root, contextOverride, file);
  }

  static Kubeconfig of(JsonNode root, String contextOverride) {
    return of(root, contextOverride, null);
  }

  static Kubeconfig of(JsonNode root, String contextOverride, Path file) {
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
    Path base = file == null ? Path.of(".") : file.toAbsolutePath().getParent();
    return new Kubeconfig(server, namespace, token,
        pem(cluster, "certificate-authority", base), pem(user, "client-certificate", base), pem(user, "client-key", base),
        cluster.path("insecure-skip-tls-verify").asBoolean(false), file);
  }

  /** {@code NAME-data} (base64) or the file {@code NAME} (relative to the kubeconfig's folder), or null. */
  private static String pem(JsonNode section, String name, Path base) {
    String data = section.path(name + "-data").asText("");
    if (!data.isEmpty()) {
      try {
        return new String(java.util.Base64.getMimeDecoder().decode(data), java.nio.charset.StandardCharsets.US_ASCII);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("the kubeconfig's " + name + "-data is not base64");
      }
    }
    String file = section.path(name).asText("");
    if (file.isEmpty()) {
      return null;
    }
    Path p = base.resolve(file);
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw CliException.usage("cannot read " + name + " " + p + " named by the kubeconfig");
    }
  }

  /** The TLS material, or null when the kubeconfig has no client certificate. */
  io.coxswain.security.Credentials credentials() {
    return caPem != null && certPem != null && keyPem != null
        ? new io.coxswain.security.Credentials(caPem, certPem, keyPem) : null;
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
