package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The CLI's HTTP link to one API server, on the JDK's own HTTP client: it loads in a few milliseconds
 * (no event loop, no Netty), which is what a one-shot command needs. Every failure becomes an
 * {@link ApiError} (the server answered) or a {@link CliException} worded as kubectl words it.
 */
final class ApiConnection {
  static final String TABLE_ACCEPT =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

  private final URI server;
  private final String token;
  private final int verbosity;
  private final PrintWriter log;
  private final HttpClient http;

  ApiConnection(URI server, String token, int verbosity, PrintWriter log) {
    this(server, token, null, null, false, verbosity, log);
  }

  /**
   * @param credentials the CA and client certificate of a kubeconfig (null: none)
   * @param caPem       the CA to trust without a client certificate (null: the JDK's)
   * @param insecure    trust any server certificate (insecure-skip-tls-verify)
   */
  ApiConnection(URI server, String token, io.coxswain.security.Credentials credentials, String caPem, boolean insecure,
                int verbosity, PrintWriter log) {
    this.server = server;
    this.token = token;
    this.verbosity = verbosity;
    this.log = log;
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10));
    if ("https".equalsIgnoreCase(server.getScheme())) {
      if (credentials != null) {
        b.sslContext(credentials.sslContext());
      } else if (caPem != null) {
        b.sslContext(io.coxswain.security.Credentials.trusting(io.coxswain.security.Pem.certificate(caPem)));
      } else if (insecure) {
        b.sslContext(io.coxswain.security.Joiner.trustAnything());
      }
    }
    this.http = b.build();
  }

  /** The HTTP client (with this connection's TLS settings), for web sockets. */
  HttpClient http() {
    return http;
  }

  URI server() {
    return server;
  }

  String token() {
    return token;
  }

  JsonNode get(String path) {
    return json("GET", path, null, null, "application/json");
  }

  JsonNode getTable(String path) {
    return json("GET", path, null, null, TABLE_ACCEPT);
  }

  JsonNode post(String path, JsonNode body) {
    return json("POST", path, "application/json", body, "application/json");
  }

  JsonNode put(String path, JsonNode body) {
    return json("PUT", path, "application/json", body, "application/json");
  }

  JsonNode patch(String path, String patchType, JsonNode body) {
    return json("PATCH", path, patchType, body, "application/json");
  }

  JsonNode delete(String path, JsonNode options) {
    return json("DELETE", path, options == null ? null : "application/json", options, "application/json");
  }

  /** Null when the object does not exist (404); other errors still throw. */
  JsonNode getOrNull(String path) {
    try {
      return get(path);
    } catch (ApiError e) {
      if (e.isNotFound()) {
        return null;
      }
      throw e;
    }
  }

  JsonNode json(String method, String path, String contentType, JsonNode body, String accept) {
    HttpResponse<byte[]> r = send(method, path, contentType,
        body == null ? null : CliJson.compact(body).getBytes(StandardCharsets.UTF_8), accept);
    byte[] bytes = r.body();
    if (bytes.length == 0) {
      return CliJson.object();
    }
    try {
      return CliJson.MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new CliException("error: the server returned a response that is not JSON for " + method + " " + path);
    }
  }

  HttpResponse<byte[]> send(String method, String path, String contentType, byte[] body, String accept) {
    HttpRequest request = request(method, path, contentType, body, accept).build();
    long started = System.nanoTime();
    HttpResponse<byte[]> r;
    try {
      r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("error: interrupted");
    }
    trace(method, request.uri(), r.statusCode(), started);
    if (r.statusCode() >= 400) {
      throw ApiError.fromResponse(r.statusCode(), r.body());
    }
    return r;
  }

  /** A streaming GET (watch, logs): the body as it arrives; the caller closes it. */
  InputStream stream(String path, String accept) {
    HttpRequest request = request("GET", path, null, null, accept).build();
    long started = System.nanoTime();
    HttpResponse<InputStream> r;
    try {
      r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("error: interrupted");
    }
    trace("GET", request.uri(), r.statusCode(), started);
    if (r.statusCode() >= 400) {
      byte[] bytes;
      try (InputStream in = r.body()) {
        bytes = in.readAllBytes();
      } catch (IOException e) {
        bytes = new byte[0];
      }
      throw ApiError.fromResponse(r.statusCode(), bytes);
    }
    return r.body();
  }

  private HttpRequest.Builder request(String method, String path, String contentType, byte[] body, String accept) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
        .header("Accept", accept)
        .header("User-Agent", "coxswain/" + VersionInfo.version());
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (token != null && !token.isEmpty()) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  URI uri(String path) {
    String base = server.toString();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + path);
  }

  private void trace(String method, URI uri, int status, long started) {
    if (verbosity >= 6) {
      log.printf("%s %s %d in %d milliseconds%n", method, uri, status, (System.nanoTime() - started) / 1_000_000);
      log.flush();
    }
  }

  String hostPort() {
    int port = server.getPort() > 0 ? server.getPort() : ("https".equals(server.getScheme()) ? 443 : 80);
    return server.getHost() + ":" + port;
  }

  /** As kubectl words a server it cannot reach. */
  CliException unreachable(IOException e) {
    if (e instanceof ConnectException && !(e instanceof HttpConnectTimeoutException)) {
      return new CliException("The connection to the server " + hostPort()
          + " was refused - did you specify the right host or port?");
    }
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof javax.net.ssl.SSLHandshakeException && why.contains("PKIX")) {
      // kubectl's words, and what to do about it
      return new CliException("Unable to connect to the server: x509: certificate signed by unknown authority"
          + " (this client does not trust the server's certificate: give it the cluster's kubeconfig with"
          + " --kubeconfig=FILE or $KUBECONFIG; a master writes DATA_DIR/admin.kubeconfig on its first start)");
    }
    return new CliException("Unable to connect to the server: " + why);
  }
}
