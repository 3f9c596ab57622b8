package io.coxswain.security;

import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust in the cluster CA alone: the JDK's PKIX validation of the chain, then, when the connection asks for
 * endpoint identification (every HTTPS client does), a check that the server's certificate names the host
 * dialled. The host check is done here rather than by the JDK's trust manager because that one first loads
 * and parses every certificate of the JDK's public CA store (to learn whether the chain ends at a public CA,
 * which a cluster CA never is): a sixth of a CLI command's time.
 */
final class CaTrust extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager pkix;

  CaTrust(X509ExtendedTrustManager pkix) {
    this.pkix = pkix;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    pkix.checkServerTrusted(chain, authType);
    if (socket instanceof SSLSocket ssl && identifies(ssl.getSSLParameters().getEndpointIdentificationAlgorithm())) {
      checkHost(chain[0], ssl.getHandshakeSession() == null ? null : ssl.getHandshakeSession().getPeerHost());
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    pkix.checkServerTrusted(chain, authType);
    if (engine != null && identifies(engine.getSSLParameters().getEndpointIdentificationAlgorithm())) {
      checkHost(chain[0], engine.getPeerHost());
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    pkix.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    pkix.checkClientTrusted(chain, authType, engine);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.getAcceptedIssuers();
  }

  private static boolean identifies(String algorithm) {
    return algorithm != null && !algorithm.isEmpty();
  }

  /**
   * That {@code cert} is for {@code host}, as Go's TLS (kubectl) decides: an IP address must be one of the
   * certificate's IP addresses; a name one of its DNS names, where {@code *.} stands for exactly one
   * leftmost label. The subject's CN is not looked at.
   */
  static void checkHost(X509Certificate cert, String host) throws CertificateException {
    if (host == null || host.isEmpty()) {
      throw new CertificateException("x509: no host name to check the server's certificate against");
    }
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    List<String> ips = new ArrayList<>();
    List<String> names = new ArrayList<>();
    Collection<List<?>> sans;
    try {
      sans = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new CertificateException("x509: the server's certificate has unreadable alternative names", e);
    }
    if (sans != null) {
      for (List<?> san : sans) {
        Object kind = san.get(0);
        if (Integer.valueOf(7).equals(kind)) {
          ips.add(String.valueOf(san.get(1)));
        } else if (Integer.valueOf(2).equals(kind)) {
          names.add(String.valueOf(san.get(1)));
        }
      }
    }
    InetAddress address = ipLiteral(h);
    if (address != null) {
      for (String ip : ips) {
        if (address.equals(ipLiteral(ip))) {
          return;
        }
      }
      throw new CertificateException(ips.isEmpty()
          ? "x509: cannot validate certificate for " + h + " because it doesn't contain any IP SANs"
          : "x509: certificate is valid for " + String.join(", ", ips) + ", not " + h);
    }
    String name = lower(h);
    for (String n : names) {
      if (nameMatches(lower(n), name)) {
        return;
      }
    }
    throw new CertificateException(names.isEmpty()
        ? "x509: certificate is not valid for any names, but wanted to match " + h
        : "x509: certificate is valid for " + String.join(", ", names) + ", not " + h);
  }

  private static String lower(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  private static boolean nameMatches(String pattern, String host) {
    if (pattern.isEmpty() || host.isEmpty()) {
      return false;
    }
    if (!pattern.startsWith("*.")) {
      return pattern.equals(host);
    }
    int dot = host.indexOf('.');
    // the wildcard is one whole label, and what follows it has at least two labels (no "*.com")
    String rest = pattern.substring(2);
    return dot > 0 && rest.contains(".") && !rest.contains("*") && host.substring(dot + 1).equals(rest);
  }

  /** The address an IPv4 or IPv6 literal stands for; null for a name (never a DNS lookup). */
  static InetAddress ipLiteral(String s) {
    try {
      if (s.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
        byte[] b = new byte[4];
        String[] parts = s.split("\\.");
        for (int i = 0; i < 4; i++) {
          int v = Integer.parseInt(parts[i]);
          if (v > 255) {
            return null;
          }
          b[i] = (byte) v;
        }
        return InetAddress.getByAddress(b);
      }
      // an IPv6 literal (getByName reads it without a lookup, and rejects a malformed one)
      return s.contains(":") ? InetAddress.getByName(s) : null;
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
