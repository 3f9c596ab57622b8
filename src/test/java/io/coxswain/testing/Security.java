package io.coxswain.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.model.Json;
import io.coxswain.security.Credentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.stream.Stream;

/** Credentials for tests: a master's admin kubeconfig as fabric8 config, JDK client, or join tokens. */
public final class Security {
  private Security() {
  }

  /** The credentials of a kubeconfig written by a master (CA and client certificate inline). */
  public static Credentials credentials(Path kubeconfig) {
    try {
      JsonNode root = Json.YAML.readTree(Files.readString(kubeconfig));
      JsonNode cluster = root.path("clusters").get(0).path("cluster");
      JsonNode user = root.path("users").get(0).path("user");
      return new Credentials(decode(cluster.path("certificate-authority-data").asText()),
          decode(user.path("client-certificate-data").asText()), decode(user.path("client-key-data").asText()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the kubeconfig " + kubeconfig, e);
    }
  }

  public static String server(Path kubeconfig) {
    try {
      return Json.YAML.readTree(Files.readString(kubeconfig)).path("clusters").get(0).path("cluster").path("server").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String decode(String b64) {
    return new String(Base64.getDecoder().decode(b64), StandardCharsets.US_ASCII);
  }

  /** A fabric8 config from a kubeconfig, pointed at {@code server}. */
  public static io.fabric8.kubernetes.client.Config clientConfig(Path kubeconfig, String server) {
    try {
      io.fabric8.kubernetes.client.Config c = io.fabric8.kubernetes.client.Config.fromKubeconfig(Files.readString(kubeconfig));
      c.setMasterUrl(server);
      c.setNamespace("default");
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static HttpClient http(Credentials c) {
    return HttpClient.newBuilder().sslContext(c.sslContext()).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The admin kubeconfig of the master under {@code root} serving the API at {@code apiAddress}. */
  public static Path adminKubeconfigOf(Path root, String apiAddress) {
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.map(d -> d.resolve("admin.kubeconfig")).filter(Files::exists)
          .filter(k -> server(k).equals("https://" + apiAddress)).findFirst()
          .orElseThrow(() -> new IllegalStateException("no master serving " + apiAddress + " under " + root
              + ": pass --token to the joining node"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A join token of {@code role} made by the master of {@code kubeconfig}, valid {@code ttlSeconds}. */
  public static String createToken(Path kubeconfig, String role, long ttlSeconds) {
    String body = "{\"role\":\"" + role + "\",\"ttlSeconds\":" + ttlSeconds + "}";
    String[] token = new String[1];
    Wait.until("a " + role + " join token from " + server(kubeconfig), Duration.ofSeconds(60), () -> {
      try {
        HttpResponse<String> r = http(credentials(kubeconfig)).send(HttpRequest.newBuilder(
                URI.create(server(kubeconfig) + "/coxswain/v1/tokens")).timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          return false;
        }
        token[0] = Json.MAPPER.readTree(r.body()).path("token").asText();
        return true;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
    return token[0];
  }
}
