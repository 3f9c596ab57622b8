package io.coxswain.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
  @TempDir
  Path dir;

  @Test
  void createsOnceThenLoadsTheSameCa() {
    CertificateAuthority first = CertificateAuthority.loadOrCreate(dir, "c1");
    CertificateAuthority again = CertificateAuthority.loadOrCreate(dir, "c1");
    assertEquals(first.hash(), again.hash());
    assertEquals(64, first.hash().length());
  }

  @Test
  void issuesIdentitiesThatChainToTheCaWithUserGroupsAndNames() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "c1");
    Credentials node = ca.newIdentity("system:node:n1", List.of(Identity.NODES), List.of(), true);
    X509Certificate cert = node.certificate();
    cert.verify(ca.certificate().getPublicKey());
    assertEquals(new Identity("system:node:n1", List.of(Identity.NODES)), Identity.of(cert));
    assertEquals("n1", Identity.of(cert).nodeName());
    assertTrue(cert.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2"), "client auth");

    Credentials serving = ca.newIdentity("api", List.of(), List.of("127.0.12.1", "localhost"), false);
    List<String> sans = new ArrayList<>();
    serving.certificate().getSubjectAlternativeNames().forEach(n -> sans.add(String.valueOf(n.get(1))));
    assertEquals(List.of("127.0.12.1", "localhost"), sans);
    assertTrue(serving.certificate().getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "server auth");
    node.sslContext(); // a usable JDK TLS context
  }

  @Test
  void tlsContextsPresentTheirIdentityBothWaysAndRefuseAStrangeCa() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("a"), "c1");
    CertificateAuthority other = CertificateAuthority.loadOrCreate(dir.resolve("b"), "c2");
    Credentials server = ca.newIdentity("api", List.of(), List.of("127.0.0.1"), false);
    Credentials client = ca.newIdentity("admin", List.of(Identity.ADMINS), List.of(), true);
    Credentials stranger = other.newIdentity("admin", List.of(Identity.ADMINS), List.of(), true);
    Credentials elsewhere = ca.newIdentity("api", List.of(), List.of("127.0.0.2", "localhost"), false);
    for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
      assertEquals("admin", handshake(server, client, protocol), protocol);
      assertThrows(javax.net.ssl.SSLException.class, () -> handshake(server, stranger, protocol), protocol);
      // a client that checks the host (as every HTTPS client does) refuses a certificate for another address
      javax.net.ssl.SSLException e = assertThrows(javax.net.ssl.SSLException.class,
          () -> handshake(elsewhere, client, protocol), protocol);
      assertTrue(String.valueOf(e.getMessage()).contains("x509: certificate is valid for 127.0.0.2, not 127.0.0.1"),
          protocol + ": " + e.getMessage());
    }
  }

  /** One TLS handshake over loopback with client authentication required; the user name the server saw. */
  private static String handshake(Credentials server, Credentials client, String protocol) throws Exception {
    try (javax.net.ssl.SSLServerSocket listener = (javax.net.ssl.SSLServerSocket) server.sslContext()
        .getServerSocketFactory().createServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      listener.setNeedClientAuth(true);
      listener.setEnabledProtocols(new String[] {protocol});
      java.util.concurrent.CompletableFuture<String> seen = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) listener.accept()) {
          s.startHandshake();
          String user = Identity.of((X509Certificate) s.getSession().getPeerCertificates()[0]).user();
          s.getOutputStream().write(1);
          return user;
        } catch (java.io.IOException e) {
          return "failed: " + e;
        }
      });
      try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) client.sslContext().getSocketFactory()
          .createSocket("127.0.0.1", listener.getLocalPort())) {
        s.setEnabledProtocols(new String[] {protocol});
        javax.net.ssl.SSLParameters params = s.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(params);
        s.startHandshake();
        assertEquals("api", Identity.of((X509Certificate) s.getSession().getPeerCertificates()[0]).user());
        assertEquals(1, s.getInputStream().read());
      } finally {
        listener.close();
      }
      return seen.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void signsOnlyRequestsWhoseSignatureMatchesTheirKey() {
    var pair = CertificateAuthority.newKeyPair();
    String csr = CertificateAuthority.request(pair, "x");
    assertEquals(pair.getPublic(), CertificateAuthority.requestKey(csr));
    assertThrows(IllegalArgumentException.class, () -> CertificateAuthority.requestKey("not a request"));
  }

  @Test
  void keysReadBackFromSec1AsKubeconfigsHoldThem() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "c1");
    Credentials admin = ca.newIdentity("admin", List.of(Identity.ADMINS), List.of(), true);
    String sec1 = Pem.sec1(Pem.privateKey(admin.keyPem()));
    assertTrue(sec1.startsWith("-----BEGIN EC PRIVATE KEY-----"), sec1);
    assertEquals(((java.security.interfaces.ECPrivateKey) Pem.privateKey(admin.keyPem())).getS(),
        ((java.security.interfaces.ECPrivateKey) Pem.privateKey(sec1)).getS());
    // the fabric8 client reads the kubeconfig a master writes as it is
    Path kubeconfig = dir.resolve("admin.kubeconfig");
    KubeconfigFile.write(kubeconfig, "https://127.0.12.1:6443", "coxswain", "admin", admin);
    io.fabric8.kubernetes.client.Config config = io.fabric8.kubernetes.client.Config.fromKubeconfig(
        Files.readString(kubeconfig));
    assertEquals("EC", config.getClientKeyAlgo());
    assertTrue(io.fabric8.kubernetes.client.internal.SSLUtils.keyManagers(config).length > 0);
  }

  @Test
  void writesKeysReadableByTheOwnerOnlyAndReadsThemBack() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "c1");
    Credentials admin = ca.newIdentity("admin", List.of(Identity.ADMINS), List.of(), true);
    admin.save(dir, "admin");
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(dir.resolve("admin.key"))));
    assertEquals(admin, Credentials.load(dir, "admin"));
    assertNotEquals(admin.keyPem(), Files.readString(dir.resolve("ca.key")));
  }
}
