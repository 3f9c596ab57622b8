package io.coxswain.store.raft;

import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

/**
 * Mutual TLS between members: the identity a member presents (on its peer port and as a client of the
 * others) and what it accepts from the other side. The key manager is consulted at every handshake, so a
 * key manager that swaps its certificate rotates the member's identity without a restart.
 */
public record RaftTls(KeyManager keys, TrustManager trust) {
  public RaftTls {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(trust, "trust");
  }
}
