package io.coxswain.security;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents one identity at every TLS handshake, and takes a new one without a restart: handshakes after
 * {@link #use} present the new certificate while connections already open keep theirs. Each identity is
 * named by its certificate's serial number, so a TLS stack that caches key material by alias never serves
 * a stale one.
 */
public final class RotatingKeyManager extends X509ExtendedKeyManager {
  private record Entry(String alias, PrivateKey key, X509Certificate[] chain) {
  }

  private volatile Entry current;
  private volatile Entry previous;

  public RotatingKeyManager(Credentials credentials) {
    use(credentials);
  }

  /** From now on, handshakes present {@code credentials}. */
  public void use(Credentials credentials) {
    X509Certificate cert = credentials.certificate();
    Entry next = new Entry("cxs-" + cert.getSerialNumber().toString(16), Pem.privateKey(credentials.keyPem()),
        new X509Certificate[] {cert, credentials.ca()});
    previous = current;
    current = next;
  }

  /** The certificate handshakes present now. */
  public X509Certificate certificate() {
    return current.chain()[0];
  }

  private Entry find(String alias) {
    Entry c = current;
    if (c.alias().equals(alias)) {
      return c;
    }
    Entry p = previous;
    return p != null && p.alias().equals(alias) ? p : null;
  }

  private String alias(String keyType) {
    Entry c = current;
    return keyType == null || keyType.equalsIgnoreCase(c.key().getAlgorithm())
        || keyType.startsWith(c.key().getAlgorithm() + "_") ? c.alias() : null;
  }

  private String aliasFor(String[] keyTypes) {
    if (keyTypes == null) {
      return current.alias();
    }
    for (String t : keyTypes) {
      String a = alias(t);
      if (a != null) {
        return a;
      }
    }
    return null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String a = alias(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return aliasFor(keyType);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyType);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Entry e = find(alias);
    return e == null ? null : e.chain().clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Entry e = find(alias);
    return e == null ? null : e.key();
  }
}
