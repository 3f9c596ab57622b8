package io.coxswain.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import org.junit.jupiter.api.Test;

class TlsEngineTest {
  @Test
  void openSslIsShippedForLinuxOnX86AndChosen() {
    assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux")
        && System.getProperty("os.arch").matches("amd64|x86_64"), "the jar ships BoringSSL for linux-x86_64 only");
    assertTrue(TlsEngine.OPENSSL, "OpenSSL did not load");
    assertEquals("OpenSSL", TlsEngine.name());
    HttpServerOptions options = TlsEngine.preferred(new HttpServerOptions().setSsl(true));
    assertInstanceOf(OpenSSLEngineOptions.class, options.getSslEngineOptions());
  }
}
