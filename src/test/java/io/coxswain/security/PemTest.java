package io.coxswain.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class PemTest {
  /** BouncyCastle (on the test class path) as the reference encoder of SEC 1. */
  private static byte[] bouncyCastleSec1(ECPrivateKey key) throws Exception {
    org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getEncoded());
    return new org.bouncycastle.asn1.sec.ECPrivateKey(key.getParams().getOrder().bitLength(), key.getS(),
        info.getPrivateKeyAlgorithm().getParameters()).getEncoded();
  }

  private static ECPrivateKey newKey(String curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec(curve));
    return (ECPrivateKey) g.generateKeyPair().getPrivate();
  }

  @Test
  void sec1IsWhatBouncyCastleWritesAndReadsBackToTheSameKey() throws Exception {
    for (String curve : List.of("secp256r1", "secp384r1", "secp521r1")) {
      for (int i = 0; i < 8; i++) { // keys whose scalar is shorter than the order now and then
        ECPrivateKey key = newKey(curve);
        String pem = Pem.sec1(key);
        assertArrayEquals(bouncyCastleSec1(key), Pem.decode(pem, "EC PRIVATE KEY"), curve);
        ECPrivateKey back = (ECPrivateKey) Pem.privateKey(pem);
        assertEquals(key.getS(), back.getS(), curve);
        assertEquals(key.getParams().getOrder(), back.getParams().getOrder(), curve);
      }
    }
  }

  @Test
  void readsSec1KeysThatAlsoCarryThePublicKey() throws Exception {
    // what openssl ecparam -genkey writes: version, d, [0] curve, [1] public key
    ECPrivateKey key = newKey("secp256r1");
    byte[] withPublic = new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS(),
        new org.bouncycastle.asn1.DERBitString(new byte[] {4, 1, 2, 3}),
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getEncoded()).getPrivateKeyAlgorithm().getParameters())
        .getEncoded();
    assertEquals(key.getS(), ((ECPrivateKey) Pem.privateKey(Pem.encode("EC PRIVATE KEY", withPublic))).getS());
  }

  @Test
  void badSec1KeysAreRejectedWithAReason() throws Exception {
    byte[] good = Pem.decode(Pem.sec1(newKey("secp256r1")), "EC PRIVATE KEY");
    byte[] noCurve = Der.sequence(Der.INTEGER_ONE, Der.of(Der.OCTET_STRING, new byte[32]));
    byte[] version2 = Der.sequence(new byte[] {Der.INTEGER, 1, 2}, Der.of(Der.OCTET_STRING, new byte[32]));
    byte[] longLength = {0x30, (byte) 0x84, 0x7f, 0, 0, 0, 2, 1, 1};
    record Case(String name, byte[] der, String message) {}
    for (Case c : List.of(
        new Case("truncated", Arrays.copyOf(good, good.length / 2), "truncated DER"),
        new Case("no curve", noCurve, "does not name its curve"),
        new Case("version 2", version2, "not SEC 1 version 1"),
        new Case("not a sequence", new byte[] {2, 1, 1}, "unexpected DER tag 0x02"),
        new Case("length past the end", longLength, "truncated DER"),
        new Case("empty", new byte[0], "truncated DER"))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Pem.privateKey(Pem.encode("EC PRIVATE KEY", c.der())), c.name());
      assertTrue(e.getMessage().startsWith("not a valid EC PRIVATE KEY") && e.getMessage().contains(c.message()),
          c.name() + ": " + e.getMessage());
    }
  }

  @Test
  void derLengthsInEveryForm() {
    for (int n : new int[] {0, 1, 127, 128, 255, 256, 65535, 65536}) {
      byte[] element = Der.of(Der.OCTET_STRING, new byte[n]);
      assertEquals(n, Der.Reader.of(element).next(Der.OCTET_STRING).length, "length " + n);
      int header = n < 128 ? 2 : n < 256 ? 3 : n < 65536 ? 4 : 5;
      assertEquals(n + header, element.length, "header of " + n);
    }
    assertEquals("BAEC", Base64.getEncoder().encodeToString(Der.of(Der.OCTET_STRING, new byte[] {2})));
  }
}
