package io.coxswain.security;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * How the API server secures itself: the certificate it serves (with the cluster CA that client
 * certificates must chain to) and how bearer tokens map to identities.
 *
 * @param serving the API's serving certificate and key, and the cluster CA
 * @param bearer  a bearer token to its identity (completes with null for an unknown token)
 */
public record ApiSecurity(Credentials serving, Function<String, CompletableFuture<Identity>> bearer) {
}
