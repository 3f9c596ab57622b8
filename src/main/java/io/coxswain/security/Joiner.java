package io.coxswain.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.coxswain.model.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.net.Socket;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The joining side: fetches the cluster CA without trusting it, checks it against the token's hash, then
 * (now trusting only that CA) presents the token with a certificate request and gets its certificate.
 * Blocking: called once at start-up, before any event loop runs.
 */
public final class Joiner {
  private Joiner() {
  }

  /**
   * What a join brings back.
   *
   * @param credentials the CA, the signed certificate and this node's key
   * @param caKeyPem    the CA's key (a joining master only), else null
   */
  public record Result(Credentials credentials, String caKeyPem) {
  }

  /** Thrown with a message meant for the user as it is. */
  public static final class JoinException extends RuntimeException {
    public JoinException(String message) {
      super(message);
    }
  }

  /** How long a join answered 503 (the cluster electing a leader) is asked again before it fails. */
  static final Duration UNAVAILABLE_RETRY = Duration.ofSeconds(30);

  public static Result join(String server, String tokenText, String role, String nodeName) {
    return join(server, tokenText, role, nodeName, java.util.List.of());
  }

  /**
   * As above; {@code hosts} (a minion's addresses) become the subject alternative names of its certificate,
   * which its kubelet port then serves with.
   */
  public static Result join(String server, String tokenText, String role, String nodeName,
                            java.util.List<String> hosts) {
    return join(server, tokenText, role, nodeName, hosts, UNAVAILABLE_RETRY);
  }

  /** As above, a 503 answer asked again for up to {@code retryFor}. */
  static Result join(String server, String tokenText, String role, String nodeName, java.util.List<String> hosts,
                     Duration retryFor) {
    if (tokenText == null || tokenText.isBlank()) {
      throw new JoinException("joining " + server + " needs a join token: create one on a master with 'coxswain token"
          + " create" + (role.equals("master") ? " --role master" : "") + "' and pass it with --token (or --token-file,"
          + " or $COXSWAIN_TOKEN)");
    }
    JoinToken token;
    try {
      token = JoinToken.parse(tokenText);
    } catch (IllegalArgumentException e) {
      throw new JoinException("the join token is malformed: " + e.getMessage());
    }
    String caPem = fetchCa(server);
    X509Certificate ca = Pem.certificate(caPem);
    String hash = Pem.sha256(ca);
    if (token.caHash() != null && !token.caHash().equals(hash)) {
      throw new JoinException("refusing to join " + server + ": its CA (sha256 " + hash + ") does not match the token's"
          + " CA hash (" + token.caHash() + "); the token is for another cluster, or something is between you and"
          + " the master");
    }
    KeyPair pair = CertificateAuthority.newKeyPair();
    com.fasterxml.jackson.databind.node.ObjectNode request = Json.MAPPER.createObjectNode()
        .put("token", tokenText.trim()).put("role", role).put("name", nodeName)
        .put("csr", CertificateAuthority.request(pair, nodeName));
    hosts.forEach(request.putArray("hosts")::add);
    String body = Json.string(request);
    JoinLink.Answer r;
    long giveUpAt = System.nanoTime() + retryFor.toNanos();
    long backOffMs = 250;
    try (JoinLink link = new JoinLink(new PemTrustOptions().addCertValue(Buffer.buffer(caPem)), null)) {
      while (true) {
        r = link.exchange(HttpMethod.POST, server, JoinPaths.JOIN, body, Duration.ofSeconds(30));
        // 503: the master answers but its store has no quorum yet (an election): asked again for a while
        if (r.status() != 503 || System.nanoTime() + backOffMs * 1_000_000 > giveUpAt) {
          break;
        }
        Thread.sleep(backOffMs);
        backOffMs = Math.min(2000, backOffMs * 2);
      }
    } catch (IOException e) {
      throw new JoinException("cannot reach the master at " + server + " to join (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JoinException("interrupted while joining " + server);
    }
    JsonNode answer = parse(r.body());
    if (r.status() != 200) {
      throw new JoinException("the master at " + server + " refused the join: " + answer.path("message").asText(r.body()));
    }
    Credentials c = new Credentials(caPem, answer.path("certificate").asText(), Pem.of(pair.getPrivate()));
    return new Result(c, answer.hasNonNull("caKey") ? answer.get("caKey").asText() : null);
  }

  /**
   * A new certificate for the identity of {@code current}, asked of the first master in {@code servers}
   * that answers, with a new key. Blocking.
   */
  public static Credentials renew(java.util.List<String> servers, Credentials current) {
    return renew(servers, current, CertificateAuthority.hosts(current.certificate()));
  }

  /** As above, the new certificate naming {@code hosts} (a node whose address changed). Blocking. */
  public static Credentials renew(java.util.List<String> servers, Credentials current, java.util.List<String> hosts) {
    KeyPair pair = CertificateAuthority.newKeyPair();
    com.fasterxml.jackson.databind.node.ObjectNode request = Json.MAPPER.createObjectNode()
        .put("csr", CertificateAuthority.request(pair, current.user()));
    hosts.forEach(request.putArray("hosts")::add);
    String body = Json.string(request);
    String last = "no master";
    try (JoinLink link = new JoinLink(current.trustOptions(), current.keyCertOptions())) {
      for (String server : servers) {
        try {
          JoinLink.Answer r = link.exchange(HttpMethod.POST, server, JoinPaths.RENEW, body, Duration.ofSeconds(30));
          JsonNode answer = parse(r.body());
          if (r.status() == 200) {
            return new Credentials(current.caPem(), answer.path("certificate").asText(), Pem.of(pair.getPrivate()));
          }
          last = server + " answered " + r.status() + ": " + answer.path("message").asText(r.body());
        } catch (IOException e) {
          last = server + ": " + e.getMessage();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JoinException("interrupted while renewing the certificate");
    }
    throw new JoinException("cannot renew the certificate: " + last);
  }

  private static String fetchCa(String server) {
    try (JoinLink link = new JoinLink(null, null)) {
      JoinLink.Answer r = link.exchange(HttpMethod.GET, server, JoinPaths.CA, null, Duration.ofSeconds(10));
      if (r.status() != 200) {
        throw new JoinException("the master at " + server + " did not give its CA (HTTP " + r.status() + ")");
      }
      return parse(r.body()).path("ca").asText();
    } catch (IOException e) {
      throw new JoinException("cannot reach the master at " + server + " (" + e.getMessage() + "): is it running, and is"
          + " --join its API address (HOST:PORT, default port 6443)?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JoinException("interrupted while joining " + server);
    }
  }

  private static JsonNode parse(String body) {
    try {
      return Json.MAPPER.readTree(body);
    } catch (IOException e) {
      return Json.MAPPER.createObjectNode().put("message", body);
    }
  }

  /** Only for fetching the CA, which is then checked against the token's hash before anything is sent. */
  public static SSLContext trustAnything() {
    try {
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, new TrustManager[] {new X509ExtendedTrustManager() {
        @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) { }
        @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) { }
        @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) { }
        @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) { }
        @Override public void checkClientTrusted(X509Certificate[] c, String a) { }
        @Override public void checkServerTrusted(X509Certificate[] c, String a) { }
        @Override public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, new SecureRandom());
      return ssl;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
