package io.coxswain.proxy;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The services and endpoints the proxy knows, and what follows from them: one {@link ServicePortSpec} per
 * proxied service port. Pure and single-threaded: the proxy feeds it from its informers (or a test feeds it
 * directly) and reads {@link #ports()} to converge its listeners.
 *
 * <p>A service is proxied when it has a cluster IP (not headless, not ExternalName). A service port's backends
 * are the ready addresses of every Endpoints subset that has a port of the same name (an unnamed port matches
 * the unnamed one) and protocol; whether the service has a selector does not matter.
 */
public final class ServiceTable {
  /** Kubernetes' default ClientIP affinity timeout: three hours. */
  public static final int DEFAULT_AFFINITY_SECONDS = 10800;

  private final Map<String, Service> services = new TreeMap<>();
  private final Map<String, Endpoints> endpoints = new TreeMap<>();

  public void putService(Service service) {
    services.put(key(service.getMetadata().getNamespace(), service.getMetadata().getName()), service);
  }

  public void removeService(String namespace, String name) {
    services.remove(key(namespace, name));
  }

  public void putEndpoints(Endpoints ep) {
    endpoints.put(key(ep.getMetadata().getNamespace(), ep.getMetadata().getName()), ep);
  }

  public void removeEndpoints(String namespace, String name) {
    endpoints.remove(key(namespace, name));
  }

  /** Every proxied service port, in a stable order. */
  public Map<ServicePortKey, ServicePortSpec> ports() {
    Map<ServicePortKey, ServicePortSpec> out = new LinkedHashMap<>();
    for (Map.Entry<String, Service> e : services.entrySet()) {
      for (ServicePortSpec spec : specs(e.getValue(), endpoints.get(e.getKey()))) {
        out.put(spec.key(), spec);
      }
    }
    return out;
  }

  /** The proxied ports of one service given its Endpoints (null: none yet). */
  public static List<ServicePortSpec> specs(Service service, Endpoints ep) {
    ServiceSpec spec = service.getSpec();
    if (spec == null || spec.getPorts() == null || !hasClusterIp(spec)) {
      return List.of();
    }
    String namespace = orDefault(service.getMetadata().getNamespace(), "default");
    String name = service.getMetadata().getName();
    boolean nodePorts = "NodePort".equals(spec.getType()) || "LoadBalancer".equals(spec.getType());
    int affinity = affinitySeconds(spec);
    List<ServicePortSpec> out = new ArrayList<>();
    for (ServicePort port : spec.getPorts()) {
      if (port.getPort() == null) {
        continue;
      }
      String protocol = protocol(port.getProtocol());
      if (!protocol.equals("TCP") && !protocol.equals("UDP")) {
        continue;
      }
      ServicePortKey key = new ServicePortKey(namespace, name, orDefault(port.getName(), ""), protocol);
      int nodePort = nodePorts && port.getNodePort() != null ? port.getNodePort() : 0;
      out.add(new ServicePortSpec(key, spec.getClusterIP(), port.getPort(), nodePort, affinity, backends(key, ep)));
    }
    return out;
  }

  static List<Backend> backends(ServicePortKey key, Endpoints ep) {
    if (ep == null || ep.getSubsets() == null) {
      return List.of();
    }
    Set<Backend> out = new LinkedHashSet<>();
    for (EndpointSubset subset : ep.getSubsets()) {
      if (subset.getPorts() == null || subset.getAddresses() == null) {
        continue;
      }
      for (EndpointPort p : subset.getPorts()) {
        if (p.getPort() == null || !orDefault(p.getName(), "").equals(key.port())
            || !protocol(p.getProtocol()).equals(key.protocol())) {
          continue;
        }
        for (EndpointAddress a : subset.getAddresses()) {
          if (a.getIp() != null && !a.getIp().isEmpty()) {
            out.add(new Backend(a.getIp(), p.getPort()));
          }
        }
      }
    }
    return List.copyOf(out);
  }

  private static boolean hasClusterIp(ServiceSpec spec) {
    String ip = spec.getClusterIP();
    return ip != null && !ip.isEmpty() && !"None".equals(ip) && !"ExternalName".equals(spec.getType());
  }

  private static int affinitySeconds(ServiceSpec spec) {
    if (!"ClientIP".equals(spec.getSessionAffinity())) {
      return 0;
    }
    if (spec.getSessionAffinityConfig() != null && spec.getSessionAffinityConfig().getClientIP() != null
        && spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds() != null
        && spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds() > 0) {
      return spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
    }
    return DEFAULT_AFFINITY_SECONDS;
  }

  private static String protocol(String p) {
    return p == null || p.isEmpty() ? "TCP" : p;
  }

  private static String orDefault(String s, String d) {
    return s == null ? d : s;
  }

  private static String key(String namespace, String name) {
    return orDefault(namespace, "default") + "/" + name;
  }
}
