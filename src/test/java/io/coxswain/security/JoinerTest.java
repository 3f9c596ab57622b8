package io.coxswain.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.coxswain.model.Json;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The joining side against a real HTTPS server on 127.0.0.1 whose store is, for a while, without quorum. */
class JoinerTest {
  @TempDir
  Path dir;
  private Vertx vertx;
  private CertificateAuthority ca;
  private String token;
  private final AtomicInteger joins = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    ca = CertificateAuthority.loadOrCreate(dir, "test");
    token = JoinToken.random(ca.hash()).toString();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  /** A master whose join answers 503 {@code unavailable} times, then signs the request. */
  private String master(int unavailable) {
    return master(unavailable, "127.0.0.1");
  }

  /** As above, serving a certificate that names {@code servingHost}. */
  private String master(int unavailable, String servingHost) {
    Credentials serving = ca.newIdentity("master", List.of(), List.of(servingHost), false);
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
        .setKeyCertOptions(serving.keyCertOptions()));
    server.requestHandler(req -> {
      if (req.path().equals(JoinPaths.CA)) {
        req.response().end(Json.string(Json.MAPPER.createObjectNode().put("ca", serving.caPem())));
        return;
      }
      req.body().onSuccess(body -> {
        if (joins.incrementAndGet() <= unavailable) {
          req.response().setStatusCode(503).end("{\"kind\":\"Status\",\"message\":\"the store is unavailable\"}");
          return;
        }
        String csr = Json.tree(body.getBytes()).path("csr").asText();
        String cert = Pem.of(ca.issue(CertificateAuthority.requestKey(csr), "node-a", List.of(), List.of(), true, false,
            CertificateAuthority.LEAF_VALIDITY));
        req.response().end(Json.string(Json.MAPPER.createObjectNode().put("certificate", cert)));
      });
    });
    return "127.0.0.1:" + server.listen().await().actualPort();
  }

  @Test
  void aJoinAnsweredUnavailableDuringAnElectionIsAskedAgain() {
    String server = master(2);
    Joiner.Result r = Joiner.join(server, token, "minion", "node-a");
    assertEquals(3, joins.get());
    assertEquals("node-a", r.credentials().user());
  }

  @Test
  void aMasterThatStaysUnavailableFailsTheJoinWithItsAnswer() {
    String server = master(Integer.MAX_VALUE);
    Joiner.JoinException e = assertThrows(Joiner.JoinException.class,
        () -> Joiner.join(server, token, "minion", "node-a", List.of(), java.time.Duration.ofSeconds(5)));
    assertTrue(e.getMessage().contains("refused the join: the store is unavailable"), e.getMessage());
    assertTrue(joins.get() >= 2, "asked again before giving up: " + joins.get());
  }

  @Test
  void aMasterWhoseCertificateDoesNotNameItsAddressIsNotSentTheToken() {
    // the CA matches the token's hash, but the certificate served at 127.0.0.1 names another address
    String server = master(0, "127.0.0.9");
    Joiner.JoinException e = assertThrows(Joiner.JoinException.class, () -> Joiner.join(server, token, "minion", "node-a"));
    assertTrue(e.getMessage().startsWith("cannot reach the master at " + server + " to join"), e.getMessage());
    assertEquals(0, joins.get(), "the join request was never answered");
  }

  @Test
  void aRenewalPresentsTheNodesCertificateAndGetsANewOne() {
    String server = master(0);
    Credentials first = Joiner.join(server, token, "minion", "node-a").credentials();
    Credentials renewed = Joiner.renew(List.of("127.0.0.1:1", server), first);
    assertEquals("node-a", renewed.user());
    assertTrue(!renewed.keyPem().equals(first.keyPem()), "a new key");
  }
}
