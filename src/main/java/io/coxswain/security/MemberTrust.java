package io.coxswain.security;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a peer only when the cluster CA signed its certificate (checked by the JDK's PKIX trust manager,
 * host name included where the connection asks for it) and its subject is in one of {@code groups}: the
 * Raft peer port lets in other masters' peer identities only, the kubelet port masters only. A node's
 * or a viewer's certificate, though signed by the same CA, is refused during the handshake.
 */
public final class MemberTrust extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager ca;
  private final Set<String> groups;

  public MemberTrust(X509Certificate caCert, Set<String> groups) {
    if (groups.isEmpty()) {
      throw new IllegalArgumentException("a member trust needs at least one group");
    }
    this.groups = Set.copyOf(groups);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setCertificateEntry("cluster-ca", caCert);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(store);
      X509ExtendedTrustManager found = null;
      for (TrustManager t : tmf.getTrustManagers()) {
        if (t instanceof X509ExtendedTrustManager x) {
          found = x;
        }
      }
      if (found == null) {
        throw new IllegalStateException("the JDK offers no X.509 trust manager");
      }
      this.ca = found;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a trust manager for the cluster CA: " + e.getMessage(), e);
    }
  }

  /** Whether {@code cert}'s subject names one of the groups let in (the CA's signature is checked apart). */
  public boolean admits(X509Certificate cert) {
    List<String> theirs = Credentials.organizations(cert);
    for (String g : theirs) {
      if (groups.contains(g)) {
        return true;
      }
    }
    return false;
  }

  private void requireGroup(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("no certificate presented");
    }
    if (!admits(chain[0])) {
      throw new CertificateException(Identity.of(chain[0]).user() + " is not a member allowed here (needs one of "
          + groups + ")");
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    ca.checkClientTrusted(chain, authType);
    requireGroup(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    ca.checkClientTrusted(chain, authType, socket);
    requireGroup(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    ca.checkClientTrusted(chain, authType, engine);
    requireGroup(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    ca.checkServerTrusted(chain, authType);
    requireGroup(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    ca.checkServerTrusted(chain, authType, socket);
    requireGroup(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    ca.checkServerTrusted(chain, authType, engine);
    requireGroup(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return ca.getAcceptedIssuers();
  }
}
