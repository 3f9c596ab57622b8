package io.coxswain.security;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A join token as a user passes it: {@code K10<sha256 of the CA certificate>::<id>.<secret>}. The joiner pins
 * the CA with the hash before it sends anything; the master checks the id and the secret (kept only as a
 * hash). The bare {@code <id>.<secret>} is accepted too, without the pin.
 */
public record JoinToken(String caHash, String id, String secret) {
  public static final String PREFIX = "K10";

  public static JoinToken random(String caHash) {
    SecureRandom r = new SecureRandom();
    return new JoinToken(caHash, randomText(r, 6), randomText(r, 16));
  }

  private static String randomText(SecureRandom r, int bytes) {
    byte[] b = new byte[bytes];
    r.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Parses a token; a clear {@link IllegalArgumentException} when it is not one. */
  public static JoinToken parse(String text) {
    String t = text == null ? "" : text.trim();
    String hash = null;
    if (t.startsWith(PREFIX) && t.contains("::")) {
      hash = t.substring(PREFIX.length(), t.indexOf("::")).toLowerCase(java.util.Locale.ROOT);
      t = t.substring(t.indexOf("::") + 2);
      if (!hash.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("the token's CA hash is not a sha256 (64 hex digits after K10)");
      }
    }
    int dot = t.indexOf('.');
    if (dot <= 0 || dot == t.length() - 1 || !t.matches("[0-9a-z]+\\.[0-9a-z]+")) {
      throw new IllegalArgumentException("not a join token (expected K10<CA hash>::<id>.<secret>)");
    }
    return new JoinToken(hash, t.substring(0, dot), t.substring(dot + 1));
  }

  public String secretHash() {
    return Pem.sha256(id + "." + secret);
  }

  @Override
  public String toString() {
    return (caHash == null ? "" : PREFIX + caHash + "::") + id + "." + secret;
  }
}
