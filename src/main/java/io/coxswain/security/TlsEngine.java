package io.coxswain.security;

import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.TCPSSLOptions;

/**
 * The TLS engine of a node's Vert.x servers and clients: OpenSSL (the BoringSSL shipped in the jar) when it
 * loads, else the JDK's. Nodes run the C1 compiler alone, which has none of the JDK's crypto intrinsics: there
 * the JDK's AES-GCM took about a third of the API event loop's time under a stream of writes.
 * {@code -Dcoxswain.tls.engine=jdk} forces the JDK's engine.
 */
public final class TlsEngine {
  /** Whether OpenSSL is used. */
  public static final boolean OPENSSL =
      !"jdk".equals(System.getProperty("coxswain.tls.engine")) && OpenSSLEngineOptions.isAvailable();

  private TlsEngine() {}

  /** {@code options} with the preferred engine set (returned for chaining). */
  public static <T extends TCPSSLOptions> T preferred(T options) {
    if (OPENSSL) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    return options;
  }

  /** The engine's name, for logs. */
  public static String name() {
    return OPENSSL ? "OpenSSL" : "JDK";
  }
}
