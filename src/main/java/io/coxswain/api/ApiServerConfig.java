package io.coxswain.api;

import io.coxswain.node.NodeConfig;
import java.time.Duration;

/**
 * What the API server is started with.
 *
 * @param host              address to bind (tests: 127.0.0.1)
 * @param port              port to bind (0: any free port, see {@link ApiServerVerticle#actualPort()})
 * @param serviceCidr       where cluster IPs come from; must lie inside 127.0.0.0/8
 * @param nodePortMin       lowest node port
 * @param nodePortMax       highest node port
 * @param maxBodyBytes      larger request bodies are refused with 413 before they are parsed
 * @param bookmarkInterval  how often a watch that allows bookmarks gets one
 * @param watchTimeout      the longest a watch lasts when the client gives no timeoutSeconds
 * @param maxQueuedEvents   events a slow watcher may leave unsent before it is dropped
 * @param gitVersion        what /version reports
 * @param security          TLS, authentication and authorization (null: plain HTTP open to anyone, for
 *                          in-process tests of the API alone; a master always sets it)
 */
public record ApiServerConfig(String host, int port, String serviceCidr, int nodePortMin, int nodePortMax,
                              long maxBodyBytes, Duration bookmarkInterval, Duration watchTimeout,
                              int maxQueuedEvents, String gitVersion,
                              io.coxswain.security.ApiSecurity security) {
  public static final String DEFAULT_SERVICE_CIDR = "127.100.0.0/16";
  public static final long MAX_BODY = 3L * 1024 * 1024;
  public static final String VERSION = "v1.32.0-coxswain.0.1.0";

  public static ApiServerConfig defaults(String host, int port) {
    return new ApiServerConfig(host, port, DEFAULT_SERVICE_CIDR, 30000, 32767, MAX_BODY, Duration.ofSeconds(60),
        Duration.ofMinutes(30), 10_000, VERSION, null);
  }

  public static ApiServerConfig from(NodeConfig node) {
    String cidr = node.serviceCidr() == null || node.serviceCidr().isEmpty() ? DEFAULT_SERVICE_CIDR : node.serviceCidr();
    return new ApiServerConfig(node.address(), node.apiPort(), cidr, 30000, 32767, MAX_BODY, Duration.ofSeconds(60),
        Duration.ofMinutes(30), 10_000, VERSION, null);
  }

  public ApiServerConfig withBookmarkInterval(Duration interval) {
    return new ApiServerConfig(host, port, serviceCidr, nodePortMin, nodePortMax, maxBodyBytes, interval, watchTimeout,
        maxQueuedEvents, gitVersion, security);
  }

  public ApiServerConfig withServiceCidr(String cidr) {
    return new ApiServerConfig(host, port, cidr, nodePortMin, nodePortMax, maxBodyBytes, bookmarkInterval, watchTimeout,
        maxQueuedEvents, gitVersion, security);
  }

  public ApiServerConfig withSecurity(io.coxswain.security.ApiSecurity s) {
    return new ApiServerConfig(host, port, serviceCidr, nodePortMin, nodePortMax, maxBodyBytes, bookmarkInterval,
        watchTimeout, maxQueuedEvents, gitVersion, s);
  }
}
