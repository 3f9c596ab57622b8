package io.coxswain.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MemberTrustTest {
  static CertificateAuthority ca;
  static CertificateAuthority other;

  @BeforeAll
  static void cas() throws Exception {
    ca = CertificateAuthority.loadOrCreate(Files.createTempDirectory("member-trust-a"), "a");
    other = CertificateAuthority.loadOrCreate(Files.createTempDirectory("member-trust-b"), "b");
  }

  static X509Certificate[] chain(Credentials c) {
    return new X509Certificate[] {c.certificate(), c.ca()};
  }

  @ParameterizedTest(name = "{0} signed by {1} in {2}: admitted {3}")
  @CsvSource({
      "coxswain:peer:m1, cluster, coxswain:peers, true",
      "coxswain:peer:m1, other,   coxswain:peers, false",
      "system:node:n1,   cluster, system:nodes,   false",
      "admin,            cluster, system:masters, false",
      "viewer,           cluster, coxswain:viewers, false",
  })
  void thePeerPortAdmitsOnlyPeersOfThisCluster(String user, String signer, String group, boolean admitted) {
    MemberTrust trust = new MemberTrust(ca.certificate(), Set.of(Identity.PEERS));
    CertificateAuthority by = signer.equals("cluster") ? ca : other;
    Credentials c = by.newIdentity(user, List.of(group), List.of("127.0.0.1"), true);
    if (admitted) {
      assertDoesNotThrow(() -> trust.checkClientTrusted(chain(c), "EC"));
      assertDoesNotThrow(() -> trust.checkServerTrusted(chain(c), "ECDHE_ECDSA"));
    } else {
      assertThrows(CertificateException.class, () -> trust.checkClientTrusted(chain(c), "EC"));
      assertThrows(CertificateException.class, () -> trust.checkServerTrusted(chain(c), "ECDHE_ECDSA"));
    }
  }

  @Test
  void aRefusalNamesWhoWasRefusedAndWhatIsNeeded() {
    MemberTrust trust = new MemberTrust(ca.certificate(), Set.of(Identity.ADMINS));
    Credentials node = ca.newIdentity("system:node:n1", List.of(Identity.NODES), List.of(), true);
    String message = assertThrows(CertificateException.class, () -> trust.checkClientTrusted(chain(node), "EC"))
        .getMessage();
    assertTrue(message.contains("system:node:n1") && message.contains("system:masters"), message);
  }

  @Test
  void aKeyManagerPresentsTheNewestIdentityAndStillKnowsThePrevious() throws Exception {
    Credentials first = ca.newIdentity("coxswain:peer:m1", List.of(Identity.PEERS), List.of("127.0.0.1"), true);
    Credentials second = ca.newIdentity("coxswain:peer:m1", List.of(Identity.PEERS), List.of("127.0.0.1"), true);
    RotatingKeyManager keys = new RotatingKeyManager(first);
    String before = keys.chooseServerAlias("EC", null, null);
    assertEquals(first.certificate(), keys.getCertificateChain(before)[0]);
    keys.use(second);
    String after = keys.chooseEngineServerAlias("EC", null, null);
    assertNotEquals(before, after, "a new identity has a new alias");
    assertEquals(second.certificate(), keys.certificate());
    assertArrayEquals(new X509Certificate[] {second.certificate(), second.ca()}, keys.getCertificateChain(after));
    assertEquals(Pem.privateKey(second.keyPem()), keys.getPrivateKey(after));
    assertEquals(first.certificate(), keys.getCertificateChain(before)[0], "a handshake under way finishes");
    assertEquals(after, keys.chooseEngineClientAlias(new String[] {"RSA", "EC"}, null, null));
    assertNull(keys.chooseServerAlias("RSA", null, null), "no RSA key is held");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "127.0.0.2       | ok",
      "10.1.2.3        | ok",
      "::1             | ok",
      "fe80::1         | ok",
      "node-1.example  | ok",
      "localhost       | ok",
      "999.1.1.1       | ok",
      "Node_1          | bad",
      "a b             | bad",
      "abc:xyz         | bad",
      "-dash           | bad",
  })
  void hostsANodeAsksForAreAddressesOrDnsNames(String host, String expected) {
    if (expected.equals("ok")) {
      assertEquals(List.of(host), CertificateAuthority.requireHosts(List.of(host)));
    } else {
      String m = assertThrows(IllegalArgumentException.class, () -> CertificateAuthority.requireHosts(List.of(host)))
          .getMessage();
      assertTrue(m.contains(host), m);
    }
  }

  @Test
  void aCertificateNamesTheHostsItWasIssuedFor() {
    Credentials c = ca.newIdentity("system:node:n1", List.of(Identity.NODES), List.of("127.0.0.7", "n1.local"), true,
        true);
    assertEquals(List.of("127.0.0.7", "n1.local"), CertificateAuthority.hosts(c.certificate()));
    assertThrows(IllegalArgumentException.class, () -> CertificateAuthority.requireHosts(
        List.of("a", "b", "c", "d", "e", "f", "g", "h", "i")));
  }
}
