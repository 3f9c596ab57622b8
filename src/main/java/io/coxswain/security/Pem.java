package io.coxswain.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/** PEM text of certificates and PKCS#8 keys, and files only their owner reads. */
public final class Pem {
  private Pem() {
  }

  public static String encode(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  /** The DER of the first {@code type} block of {@code pem}. */
  public static byte[] decode(String pem, String type) {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int b = pem == null ? -1 : pem.indexOf(begin);
    int e = b < 0 ? -1 : pem.indexOf(end, b);
    if (b < 0 || e < 0) {
      throw new IllegalArgumentException("no PEM " + type + " found");
    }
    return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
  }

  public static String of(X509Certificate cert) {
    try {
      return encode("CERTIFICATE", cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String of(PrivateKey key) {
    return encode("PRIVATE KEY", key.getEncoded());
  }

  public static X509Certificate certificate(String pem) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(decode(pem, "CERTIFICATE")));
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not a valid PEM certificate: " + e.getMessage(), e);
    }
  }

  /**
   * An EC key as SEC 1 ({@code EC PRIVATE KEY}, curve named inside): what kubeconfigs usually hold, and the
   * one form of an EC key every client reads (the fabric8 client reads a PKCS#8 key as RSA only).
   */
  public static String sec1(PrivateKey key) {
    if (!(key instanceof java.security.interfaces.ECPrivateKey ec)) {
      return of(key);
    }
    // PKCS#8: SEQUENCE { INTEGER 0, SEQUENCE { OID id-ecPublicKey, OID curve }, OCTET STRING ... }
    Der.Reader info = Der.Reader.of(key.getEncoded()).sequence();
    info.integer();
    Der.Reader algorithm = info.sequence();
    algorithm.next(Der.OID);
    byte[] curve = algorithm.next(Der.OID);
    // SEC 1: SEQUENCE { INTEGER 1, OCTET STRING d (the order's length), [0] curve }
    int length = (ec.getParams().getOrder().bitLength() + 7) / 8;
    return encode("EC PRIVATE KEY", Der.sequence(Der.INTEGER_ONE, Der.of(Der.OCTET_STRING, Der.unsigned(ec.getS(), length)),
        Der.of(Der.CONTEXT_0, Der.of(Der.OID, curve))));
  }

  /**
   * A private key from PEM: PKCS#8 ({@code PRIVATE KEY}) or SEC 1 ({@code EC PRIVATE KEY}), read by the JDK
   * alone (a SEC 1 key is wrapped into PKCS#8 first).
   */
  public static PrivateKey privateKey(String pem) {
    if (pem != null && pem.contains("-----BEGIN EC PRIVATE KEY-----")) {
      try {
        byte[] sec1 = decode(pem, "EC PRIVATE KEY");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(sec1ToPkcs8(sec1)));
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new IllegalArgumentException("not a valid EC PRIVATE KEY: " + e.getMessage(), e);
      }
    }
    byte[] der = decode(pem, "PRIVATE KEY");
    for (String alg : new String[] {"EC", "RSA"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException("not a PKCS#8 EC or RSA private key");
  }

  /** PKCS#8 around a SEC 1 key: its curve (the [0] field, required here) becomes the algorithm's parameter. */
  static byte[] sec1ToPkcs8(byte[] sec1) {
    Der.Reader key = Der.Reader.of(sec1).sequence();
    if (!java.math.BigInteger.ONE.equals(key.integer())) {
      throw new IllegalArgumentException("not SEC 1 version 1");
    }
    key.next(Der.OCTET_STRING);
    byte[] curve = null;
    while (key.hasMore() && curve == null) {
      int tag = key.peekTag();
      byte[] value = key.next(tag);
      if (tag == Der.CONTEXT_0) {
        curve = Der.Reader.of(value).next(Der.OID);
      }
    }
    if (curve == null) {
      throw new IllegalArgumentException("the key does not name its curve");
    }
    return Der.sequence(Der.INTEGER_ZERO, Der.sequence(Der.of(Der.OID, Der.EC_PUBLIC_KEY), Der.of(Der.OID, curve)),
        Der.of(Der.OCTET_STRING, sec1));
  }

  /** sha256 of the certificate's DER, lower-case hex. */
  public static String sha256(X509Certificate cert) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code text} to {@code file} readable and writable by its owner only (0600), atomically. */
  public static void writePrivate(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp);
    }
    Files.writeString(tmp, text, StandardOpenOption.TRUNCATE_EXISTING);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
