package io.coxswain.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/**
 * The cluster's certificate authority: an EC P-256 key and a self-signed certificate, kept as
 * {@code ca.crt} / {@code ca.key} (0600) in a master's {@code pki} directory. It signs the API's serving
 * certificate and the client certificates of the admin, the masters and the nodes (CN = user, O = groups,
 * as Kubernetes reads them).
 */
public record CertificateAuthority(X509Certificate certificate, PrivateKey key) {
  public static final Duration CA_VALIDITY = Duration.ofDays(3650);
  public static final Duration LEAF_VALIDITY = Duration.ofDays(365);
  /** How far back a certificate's validity starts from the moment it is issued (clocks a little behind). */
  public static final Duration BACKDATE = Duration.ofMinutes(5);

  /** Loads the CA of {@code dir}, or creates it when there is none. */
  public static CertificateAuthority loadOrCreate(Path dir, String clusterName) {
    Path crt = dir.resolve("ca.crt");
    Path key = dir.resolve("ca.key");
    try {
      if (Files.exists(crt) && Files.exists(key)) {
        return new CertificateAuthority(Pem.certificate(Files.readString(crt)), Pem.privateKey(Files.readString(key)));
      }
      KeyPair pair = newKeyPair();
      X509Certificate cert = selfSigned(pair, clusterName);
      CertificateAuthority ca = new CertificateAuthority(cert, pair.getPrivate());
      ca.save(dir);
      return ca;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the cluster CA in " + dir, e);
    }
  }

  /** Writes ca.crt and ca.key (0600) into {@code dir}. */
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    Pem.writePrivate(dir.resolve("ca.key"), Pem.of(key));
    Pem.writePrivate(dir.resolve("ca.crt"), Pem.of(certificate));
  }

  /** The pin a join token carries: sha256 of the CA certificate's DER, lower-case hex. */
  public String hash() {
    return Pem.sha256(certificate);
  }

  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 key generator in this JVM", e);
    }
  }

  private static X509Certificate selfSigned(KeyPair pair, String clusterName) {
    X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "coxswain-ca@" + clusterName).build();
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(BACKDATE)),
          Date.from(now.plus(CA_VALIDITY)), name, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      return sign(b, pair.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot create the cluster CA: " + e.getMessage(), e);
    }
  }

  /**
   * A certificate for {@code subjectKey} signed by this CA.
   *
   * @param user   the CN (the user name the API sees)
   * @param groups the O entries (the groups the API sees)
   * @param hosts  subject alternative names (IP addresses or DNS names); non-empty makes a serving certificate
   * @param client whether it may authenticate as a client
   */
  public X509Certificate issue(PublicKey subjectKey, String user, List<String> groups, List<String> hosts,
                               boolean client, Duration validity) {
    return issue(subjectKey, user, groups, hosts, client, !hosts.isEmpty(), validity);
  }

  /**
   * As above; {@code server} lets it serve TLS even without names (a kubelet serving its own port, whose
   * clients check who it is rather than which address it has).
   */
  public X509Certificate issue(PublicKey subjectKey, String user, List<String> groups, List<String> hosts,
                               boolean client, boolean server, Duration validity) {
    X500NameBuilder nb = new X500NameBuilder(BCStyle.INSTANCE);
    for (String g : groups) {
      nb.addRDN(BCStyle.O, g);
    }
    nb.addRDN(BCStyle.CN, user);
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), nb.build(), subjectKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
      List<KeyPurposeId> purposes = new ArrayList<>();
      if (server) {
        purposes.add(KeyPurposeId.id_kp_serverAuth);
      }
      if (!hosts.isEmpty()) {
        List<GeneralName> names = new ArrayList<>();
        for (String h : hosts) {
          names.add(isIp(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
      }
      if (client) {
        purposes.add(KeyPurposeId.id_kp_clientAuth);
      }
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
      return sign(b, key);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue a certificate for " + user + ": " + e.getMessage(), e);
    }
  }

  /** A fresh key and a certificate for it: a complete identity. */
  public Credentials newIdentity(String user, List<String> groups, List<String> hosts, boolean client) {
    return newIdentity(user, groups, hosts, client, !hosts.isEmpty());
  }

  /** As above, {@code server} as in {@link #issue(PublicKey, String, List, List, boolean, boolean, Duration)}. */
  public Credentials newIdentity(String user, List<String> groups, List<String> hosts, boolean client, boolean server) {
    KeyPair pair = newKeyPair();
    X509Certificate cert = issue(pair.getPublic(), user, groups, hosts, client, server, LEAF_VALIDITY);
    return new Credentials(Pem.of(certificate), Pem.of(cert), Pem.of(pair.getPrivate()));
  }

  /** A certificate request (PEM) for {@code pair} naming {@code user}. */
  public static String request(KeyPair pair, String user) {
    try {
      PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(
          new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, user).build(), pair.getPublic())
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
      return Pem.encode("CERTIFICATE REQUEST", csr.getEncoded());
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot make a certificate request: " + e.getMessage(), e);
    }
  }

  /** The public key of a PEM certificate request, after checking its self-signature. */
  public static PublicKey requestKey(String pem) {
    try {
      JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(Pem.decode(pem, "CERTIFICATE REQUEST"));
      PublicKey pub = csr.getPublicKey();
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(pub))) {
        throw new IllegalArgumentException("the certificate request's signature does not match its key");
      }
      return pub;
    } catch (IOException | GeneralSecurityException | OperatorCreationException | org.bouncycastle.pkcs.PKCSException
             | RuntimeException e) {
      throw new IllegalArgumentException("not a valid PEM certificate request: " + e.getMessage(), e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
  }

  /** When {@code cert} was issued (its validity starts {@link #BACKDATE} earlier). */
  public static Instant issued(X509Certificate cert) {
    return cert.getNotBefore().toInstant().plus(BACKDATE);
  }

  /** The subject alternative names (IP addresses and DNS names) of {@code cert}. */
  public static List<String> hosts(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      java.util.Collection<List<?>> names = cert.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> n : names) {
          if (n.size() == 2 && (Integer.valueOf(GeneralName.iPAddress).equals(n.get(0))
              || Integer.valueOf(GeneralName.dNSName).equals(n.get(0)))) {
            out.add(String.valueOf(n.get(1)));
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      // no names
    }
    return out;
  }

  /**
   * Checks names a node asks to have in its certificate: at most 8, each an IP address or a DNS name.
   *
   * @throws IllegalArgumentException naming the first bad one
   */
  public static List<String> requireHosts(List<String> hosts) {
    if (hosts.size() > 8) {
      throw new IllegalArgumentException("at most 8 hosts may be asked for, not " + hosts.size());
    }
    for (String h : hosts) {
      if (!isIp(h) && !h.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*")) {
        throw new IllegalArgumentException("hosts: \"" + h + "\" is neither an IP address nor a DNS name");
      }
    }
    return List.copyOf(hosts);
  }

  static boolean isIp(String h) {
    if (h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
      for (String part : h.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return false;
        }
      }
      return true;
    }
    if (!h.contains(":") || !h.matches("[0-9a-fA-F:.]+")) {
      return false;
    }
    try {
      InetAddress.getByName(h); // a literal with ':' is parsed as IPv6, never looked up
      return true;
    } catch (IOException e) {
      return false;
    }
  }

}
