package io.coxswain.security;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTPS exchanges of a join or a certificate renewal, blocking, on a Vert.x of their own that lives as long
 * as the link: a join happens before the node's own Vert.x runs, a renewal on one of its workers. Vert.x's
 * client, not the JDK's: a node loads Vert.x's anyway, and the JDK's brought some 300 classes more into every
 * minion that joined (resident for good in its class-data archive).
 */
final class JoinLink implements AutoCloseable {
  /** An answer: its status and its body as text. */
  record Answer(int status, String body) {
  }

  private final Vertx vertx;
  private final HttpClient http;

  /**
   * @param trust    the CA to trust; null: any certificate, and no host check (fetching the CA only, which is
   *                 then checked against the token's hash before anything is sent)
   * @param identity the certificate and key to present, or null
   */
  JoinLink(PemTrustOptions trust, KeyCertOptions identity) {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
    // a connection per exchange: a join or renewal makes a handful, seconds apart (a 503 asked again after a
    // back-off), and none then goes out on a kept-alive connection the master may be closing meanwhile
    HttpClientOptions o = new HttpClientOptions().setSsl(true).setConnectTimeout(5000).setKeepAlive(false);
    if (trust == null) {
      o.setTrustAll(true).setVerifyHost(false);
    } else {
      o.setTrustOptions(trust).setVerifyHost(true);
      o.getSslOptions().setHostnameVerificationAlgorithm("HTTPS");
    }
    if (identity != null) {
      o.setKeyCertOptions(identity);
    }
    http = vertx.createHttpClient(TlsEngine.preferred(o));
  }

  /**
   * {@code method} on {@code https://server/path}, with {@code jsonBody} (or none when null).
   *
   * @throws IOException when the master cannot be reached or does not answer within {@code timeout}
   */
  Answer exchange(HttpMethod method, String server, String path, String jsonBody, Duration timeout)
      throws IOException, InterruptedException {
    URI u;
    try {
      u = new URI("https://" + server);
    } catch (java.net.URISyntaxException e) {
      throw new IOException("not a HOST:PORT address: " + server);
    }
    if (u.getHost() == null) {
      throw new IOException("not a HOST:PORT address: " + server);
    }
    String host = u.getHost().startsWith("[") ? u.getHost().substring(1, u.getHost().length() - 1) : u.getHost();
    RequestOptions request = new RequestOptions().setMethod(method).setHost(host)
        .setPort(u.getPort() < 0 ? 443 : u.getPort()).setURI(path).setIdleTimeout(timeout.toMillis());
    Future<Answer> answer = http.request(request).compose(req -> {
      if (jsonBody == null) {
        return req.send();
      }
      return req.putHeader("Content-Type", "application/json").send(jsonBody);
    }).compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString(StandardCharsets.UTF_8))));
    try {
      return answer.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new IOException("no answer within " + timeout.toSeconds() + " s");
    }
  }

  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // its threads end on their own; nothing of the exchange is lost
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
