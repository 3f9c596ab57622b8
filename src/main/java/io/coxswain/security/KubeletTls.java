package io.coxswain.security;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.security.cert.X509Certificate;
import java.util.Set;
import javax.net.ssl.X509KeyManager;

/**
 * Mutual TLS on the kubelet's port (logs, exec, stats, metrics). The kubelet serves with its node
 * certificate (which names its address) and lets in only clients in {@code system:masters}: the masters'
 * own identities (and the cluster's administrator, who may exec anywhere through the API anyway). A master
 * dials a kubelet presenting its identity and accepts only a node certificate for the address it dialled.
 * Nodes, viewers and anyone without a certificate from the cluster CA are refused during the handshake.
 */
public record KubeletTls(KeyCertOptions keys, TrustOptions trust) {

  /** What a kubelet serves with: its node identity, and masters only as clients. */
  public static KubeletTls forKubelet(X509KeyManager nodeKeys, X509Certificate ca) {
    return new KubeletTls(KeyCertOptions.wrap(nodeKeys), TrustOptions.wrap(new MemberTrust(ca, Set.of(Identity.ADMINS))));
  }

  /** What a master dials kubelets with: its own identity, and node certificates only on the other side. */
  public static KubeletTls forMaster(X509KeyManager masterKeys, X509Certificate ca) {
    return new KubeletTls(KeyCertOptions.wrap(masterKeys), TrustOptions.wrap(new MemberTrust(ca, Set.of(Identity.NODES))));
  }

  public HttpServerOptions server(HttpServerOptions o) {
    return TlsEngine.preferred(o.setSsl(true).setKeyCertOptions(keys).setTrustOptions(trust).setClientAuth(ClientAuth.REQUIRED));
  }

  public HttpClientOptions client(HttpClientOptions o) {
    return TlsEngine.preferred(o.setSsl(true).setKeyCertOptions(keys).setTrustOptions(trust).setVerifyHost(true));
  }

  public WebSocketClientOptions client(WebSocketClientOptions o) {
    return TlsEngine.preferred(o.setSsl(true).setKeyCertOptions(keys).setTrustOptions(trust).setVerifyHost(true));
  }
}
