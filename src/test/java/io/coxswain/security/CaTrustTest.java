package io.coxswain.security;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaTrustTest {
  @TempDir
  Path dir;

  @Test
  void aCertificateIsForTheHostsItNamesOnly() {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "c1");
    X509Certificate api = ca.newIdentity("api", List.of(),
        List.of("127.0.12.1", "::1", "localhost", "*.masters.example.com", "API.Example.org"), false).certificate();
    X509Certificate ipOnly = ca.newIdentity("api", List.of(), List.of("127.0.12.1"), false).certificate();
    X509Certificate nameOnly = ca.newIdentity("api", List.of(), List.of("localhost"), false).certificate();
    record Case(X509Certificate cert, String host, String error) {}
    for (Case c : List.of(
        new Case(api, "127.0.12.1", null),
        new Case(api, "::1", null),
        new Case(api, "[::1]", null),
        new Case(api, "0:0:0:0:0:0:0:1", null),
        new Case(api, "localhost", null),
        new Case(api, "LOCALHOST.", null),
        new Case(api, "api.example.org", null),
        new Case(api, "m1.masters.example.com", null),
        new Case(api, "127.0.12.2", "x509: certificate is valid for 127.0.12.1, 0:0:0:0:0:0:0:1, not 127.0.12.2"),
        new Case(api, "a.m1.masters.example.com", "x509: certificate is valid for localhost, *.masters.example.com, API.Example.org, not a.m1.masters.example.com"),
        new Case(api, "masters.example.com", "x509: certificate is valid for localhost, *.masters.example.com, API.Example.org, not masters.example.com"),
        new Case(api, "127.0.12.1.nip.io", "x509: certificate is valid for localhost, *.masters.example.com, API.Example.org, not 127.0.12.1.nip.io"),
        new Case(api, "999.0.12.1", "x509: certificate is valid for localhost, *.masters.example.com, API.Example.org, not 999.0.12.1"),
        new Case(nameOnly, "127.0.12.1", "x509: cannot validate certificate for 127.0.12.1 because it doesn't contain any IP SANs"),
        new Case(ipOnly, "localhost", "x509: certificate is not valid for any names, but wanted to match localhost"),
        new Case(api, "", "x509: no host name to check the server's certificate against"),
        new Case(api, null, "x509: no host name to check the server's certificate against"))) {
      if (c.error() == null) {
        assertDoesNotThrow(() -> CaTrust.checkHost(c.cert(), c.host()), c.host());
      } else {
        CertificateException e = assertThrows(CertificateException.class, () -> CaTrust.checkHost(c.cert(), c.host()), c.host());
        assertEquals(c.error(), e.getMessage(), c.host());
      }
    }
  }

  @Test
  void ipLiteralsAreReadWithoutALookup() {
    assertEquals("/127.0.0.1", String.valueOf(CaTrust.ipLiteral("127.0.0.1")));
    assertEquals("/0:0:0:0:0:0:0:1", String.valueOf(CaTrust.ipLiteral("::1")));
    for (String notAnIp : List.of("localhost", "256.1.1.1", "1.2.3", "example.com", "1.2.3.4.5")) {
      assertNull(CaTrust.ipLiteral(notAnIp), notAnIp);
    }
  }
}
