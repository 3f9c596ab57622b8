package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * The CLI's connection to one API server: requests over {@link HttpLink} (blocking HTTP/1.1, TLS by the JDK),
 * web sockets over the JDK's HTTP client, built only when one is opened. Every failure becomes an
 * {@link ApiError} (the server answered) or a {@link CliException} worded as kubectl words it.
 */
final class ApiConnection {
  static final String TABLE_ACCEPT =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

  private final URI server;
  private final String token;
  private final int verbosity;
  private final PrintWriter log;
  /** The TLS context for https (null: plain HTTP). */
  private final SSLContext tls;
  private final boolean checkHost;
  private final HttpLink link;
  /** The JDK's HTTP client, built on first use (web sockets only). */
  private HttpClient http;

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
    boolean trustAnything = false;
    if (!"https".equalsIgnoreCase(server.getScheme())) {
      tls = null;
    } else if (credentials != null) {
      tls = credentials.sslContext();
    } else if (caPem != null) {
      tls = io.coxswain.security.Credentials.trusting(io.coxswain.security.Pem.certificate(caPem));
    } else if (insecure) {
      tls = io.coxswain.security.Joiner.trustAnything();
      trustAnything = true;
    } else {
      try {
        tls = SSLContext.getDefault();
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("no default TLS context in this JVM", e);
      }
    }
    this.checkHost = !trustAnything;
    this.link = new HttpLink(server, tls, checkHost, CONNECT_TIMEOUT_MILLIS);
  }

  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

  /** The JDK's HTTP client with this connection's TLS settings, for web sockets. */
  synchronized HttpClient http() {
    if (http == null) {
      HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MILLIS));
      if (tls != null) {
        b.sslContext(tls);
      }
      http = b.build();
    }
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
    byte[] bytes = send(method, path, contentType,
        body == null ? null : CliJson.compact(body).getBytes(StandardCharsets.UTF_8), accept);
    if (bytes.length == 0) {
      return CliJson.object();
    }
    try {
      return CliJson.read(bytes);
    } catch (IOException e) {
      throw new CliException("error: the server returned a response that is not JSON for " + method + " " + path);
    }
  }

  /** The body of the answer to one request; an error status throws {@link ApiError}. */
  byte[] send(String method, String path, String contentType, byte[] body, String accept) {
    long started = System.nanoTime();
    HttpLink.Response r = exchange(method, path, contentType, body, accept, false);
    byte[] bytes;
    try {
      bytes = r.bytes();
    } catch (IOException e) {
      throw unreachable(e);
    }
    trace(method, uri(path), r.status(), started);
    if (r.status() >= 400) {
      throw ApiError.fromResponse(r.status(), bytes);
    }
    return bytes;
  }

  /** A streaming GET (watch, logs): the body as it arrives; the caller closes it. */
  InputStream stream(String path, String accept) {
    long started = System.nanoTime();
    HttpLink.Response r = exchange("GET", path, null, null, accept, true);
    trace("GET", uri(path), r.status(), started);
    if (r.status() >= 400) {
      byte[] bytes;
      try {
        bytes = r.bytes();
      } catch (IOException e) {
        bytes = new byte[0];
      }
      throw ApiError.fromResponse(r.status(), bytes);
    }
    return r.body();
  }

  private HttpLink.Response exchange(String method, String path, String contentType, byte[] body, String accept,
                                     boolean stream) {
    java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
    headers.put("Accept", accept);
    headers.put("User-Agent", "coxswain/" + VersionInfo.version());
    if (contentType != null) {
      headers.put("Content-Type", contentType);
    }
    if (token != null && !token.isEmpty()) {
      headers.put("Authorization", "Bearer " + token);
    }
    boolean hasBody = body != null || !method.equals("GET") && !method.equals("DELETE") && !method.equals("HEAD");
    URI target = uri(path);
    try {
      return link.exchange(method, target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery()),
          headers, hasBody && body == null ? new byte[0] : body, stream);
    } catch (IOException e) {
      throw unreachable(e);
    }
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
