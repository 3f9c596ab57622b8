package io.coxswain.security;

import io.vertx.core.net.KeyCertOptions;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import javax.net.ssl.X509KeyManager;

/**
 * How the API server secures itself: the certificate it serves (with the cluster CA that client
 * certificates must chain to) and how bearer tokens map to identities.
 *
 * @param serving the API's serving certificate and key, and the cluster CA
 * @param bearer  a bearer token to its identity (completes with null for an unknown token)
 * @param servingKeys what handshakes present, when the certificate may change while serving (a rotation);
 *                null: {@code serving}'s certificate for the server's life
 */
public record ApiSecurity(Credentials serving, Function<String, CompletableFuture<Identity>> bearer,
                          X509KeyManager servingKeys) {
  public ApiSecurity(Credentials serving, Function<String, CompletableFuture<Identity>> bearer) {
    this(serving, bearer, null);
  }

  /** The key and certificate options the API server listens with. */
  public KeyCertOptions keyCertOptions() {
    return servingKeys != null ? KeyCertOptions.wrap(servingKeys) : serving.keyCertOptions();
  }
}
