package io.coxswain.security;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One TLS identity: the cluster CA to trust, a certificate and its private key, all PEM. What every
 * internal client (kubelet, proxy, CLI, joining nodes) and the API server itself present.
 */
public record Credentials(String caPem, String certPem, String keyPem) {

  /** Reads {@code NAME.crt}, {@code NAME.key} and {@code ca.crt} of {@code dir}; null when one is missing. */
  public static Credentials load(Path dir, String name) {
    Path ca = dir.resolve("ca.crt");
    Path crt = dir.resolve(name + ".crt");
    Path key = dir.resolve(name + ".key");
    if (!Files.exists(ca) || !Files.exists(crt) || !Files.exists(key)) {
      return null;
    }
    try {
      return new Credentials(Files.readString(ca), Files.readString(crt), Files.readString(key));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the credentials in " + dir, e);
    }
  }

  /** Writes {@code NAME.crt}, {@code NAME.key} and {@code ca.crt} into {@code dir}, all 0600. */
  public void save(Path dir, String name) throws IOException {
    Pem.writePrivate(dir.resolve(name + ".key"), keyPem);
    Pem.writePrivate(dir.resolve(name + ".crt"), certPem);
    Pem.writePrivate(dir.resolve("ca.crt"), caPem);
  }

  public X509Certificate certificate() {
    return Pem.certificate(certPem);
  }

  public X509Certificate ca() {
    return Pem.certificate(caPem);
  }

  public Instant notAfter() {
    return certificate().getNotAfter().toInstant();
  }

  /** The CN of the certificate: the user name the API sees. */
  public String user() {
    return Identity.of(certificate()).user();
  }

  /**
   * This identity for a Vert.x client or server. The key goes to the TLS context as a key manager: Vert.x's PEM
   * options put it in a password-protected PKCS#12 key store first, which ran PBKDF2 (10,000 HMAC rounds) to
   * store the key and again to read it back, for every client built. A hollow minion builds two per node, and
   * joining 1,000 of them spent most of its CPU there.
   */
  public KeyCertOptions keyCertOptions() {
    return KeyCertOptions.wrap(new RotatingKeyManager(this));
  }

  public PemTrustOptions trustOptions() {
    return new PemTrustOptions().addCertValue(Buffer.buffer(caPem));
  }

  /** A JDK SSL context presenting this identity and trusting only the cluster CA. */
  public SSLContext sslContext() {
    try {
      SSLContext ssl = SSLContext.getInstance("TLS");
      // the key goes straight to the context: a password-protected PKCS#12 key store in between ran PBKDF2
      // twice (10,000 HMAC rounds each), about a third of a CLI command's time
      ssl.init(new KeyManager[] {new RotatingKeyManager(this)}, trustOnly(ca()), null);
      return ssl;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a TLS context from the credentials: " + e.getMessage(), e);
    }
  }

  /** A JDK SSL context trusting {@code ca} and presenting no certificate. */
  public static SSLContext trusting(X509Certificate ca) {
    try {
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, trustOnly(ca), null);
      return ssl;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static TrustManager[] trustOnly(X509Certificate ca) throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("cluster-ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager pkix) {
        return new TrustManager[] {new CaTrust(pkix)};
      }
    }
    throw new GeneralSecurityException("the JDK has no X.509 trust manager");
  }

  /** The O entries of a certificate's subject. */
  static List<String> organizations(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("O")) {
          out.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      // no groups
    }
    return out;
  }
}
