package io.coxswain.security;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

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

  public PemKeyCertOptions keyCertOptions() {
    return new PemKeyCertOptions().addCertValue(Buffer.buffer(certPem)).addKeyValue(Buffer.buffer(keyPem));
  }

  public PemTrustOptions trustOptions() {
    return new PemTrustOptions().addCertValue(Buffer.buffer(caPem));
  }

  /** A JDK SSL context presenting this identity and trusting only the cluster CA. */
  public SSLContext sslContext() {
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      char[] pass = "coxswain".toCharArray();
      keys.setKeyEntry("me", Pem.privateKey(keyPem), pass, new Certificate[] {certificate(), ca()});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, pass);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(kmf.getKeyManagers(), trustOnly(ca()).getTrustManagers(), null);
      return ssl;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a TLS context from the credentials: " + e.getMessage(), e);
    }
  }

  /** A JDK SSL context trusting {@code ca} and presenting no certificate. */
  public static SSLContext trusting(X509Certificate ca) {
    try {
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, trustOnly(ca).getTrustManagers(), null);
      return ssl;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static TrustManagerFactory trustOnly(X509Certificate ca) throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("cluster-ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return tmf;
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
