package io.coxswain.security;

import java.time.Instant;

/**
 * A join token as the store keeps it (under {@code /coxswain/tokens/<id>}): never the secret, only its hash.
 *
 * @param role    minion or master: what a node joining with it becomes
 * @param expires when it stops working (null: never)
 * @param revoked whether an admin revoked it
 */
public record TokenRecord(String id, String secretHash, String role, Instant created, Instant expires, boolean revoked,
                          String description) {
  public static final String PREFIX = "/coxswain/tokens/";

  public String key() {
    return PREFIX + id;
  }

  /** Why {@code token} may not join as {@code role} at {@code now}, or null when it may. */
  public String refusal(JoinToken token, String role, Instant now) {
    if (revoked) {
      return "the join token " + id + " was revoked; create a new one with 'coxswain token create'";
    }
    if (expires != null && !now.isBefore(expires)) {
      return "the join token " + id + " expired at " + expires + "; create a new one with 'coxswain token create'";
    }
    if (!java.security.MessageDigest.isEqual(secretHash.getBytes(), token.secretHash().getBytes())) {
      return "the join token " + id + " is not valid (wrong secret)";
    }
    if (!this.role.equals(role)) {
      return "the join token " + id + " is for a " + this.role + ", not a " + role
          + "; create one with 'coxswain token create --role " + role + "'";
    }
    return null;
  }
}
