package io.coxswain.kubelet;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The service variables a container starts with, as Kubernetes gives them: for every service of the pod's
 * own namespace that has a cluster IP (unless the pod sets {@code enableServiceLinks: false}) and always for
 * the {@code default/kubernetes} service of the masters, {@code <NAME>_SERVICE_HOST}, {@code _SERVICE_PORT}
 * (first port), {@code _SERVICE_PORT_<PORTNAME>}, and the Docker-link style {@code <NAME>_PORT=tcp://IP:PORT}
 * with {@code <NAME>_PORT_<PORT>_<PROTO>[_PROTO|_PORT|_ADDR]}. Names are upper-cased, dashes become
 * underscores. Variables the container sets itself win (they are applied after these).
 */
public final class ServiceEnv {
  static final String MASTER_NAMESPACE = "default";
  static final String MASTER_SERVICE = "kubernetes";

  private ServiceEnv() {}

  /** The variables for {@code pod}, from every service the node knows. */
  public static Map<String, String> forPod(Pod pod, Collection<Service> services) {
    String namespace = pod.getMetadata().getNamespace();
    boolean links = pod.getSpec() == null || !Boolean.FALSE.equals(pod.getSpec().getEnableServiceLinks());
    Map<String, String> env = new LinkedHashMap<>();
    Service master = null;
    for (Service s : services) {
      String ns = s.getMetadata().getNamespace();
      String name = s.getMetadata().getName();
      if (MASTER_NAMESPACE.equals(ns) && MASTER_SERVICE.equals(name)) {
        master = s; // added last, so that a service of the pod's namespace named kubernetes does not hide it
      } else if (links && namespace != null && namespace.equals(ns)) {
        add(env, s);
      }
    }
    if (master != null) {
      add(env, master);
    }
    return env;
  }

  private static void add(Map<String, String> env, Service s) {
    if (s.getSpec() == null || s.getSpec().getPorts() == null || s.getSpec().getPorts().isEmpty()) {
      return;
    }
    String ip = s.getSpec().getClusterIP();
    if (ip == null || ip.isEmpty() || "None".equals(ip)) {
      return;
    }
    String prefix = variable(s.getMetadata().getName());
    ServicePort first = s.getSpec().getPorts().get(0);
    env.put(prefix + "_SERVICE_HOST", ip);
    env.put(prefix + "_SERVICE_PORT", String.valueOf(first.getPort()));
    for (ServicePort p : s.getSpec().getPorts()) {
      if (p.getName() != null && !p.getName().isEmpty()) {
        env.put(prefix + "_SERVICE_PORT_" + variable(p.getName()), String.valueOf(p.getPort()));
      }
    }
    env.put(prefix + "_PORT", url(first, ip));
    for (ServicePort p : s.getSpec().getPorts()) {
      String proto = protocol(p);
      String base = prefix + "_PORT_" + p.getPort() + "_" + proto.toUpperCase(Locale.ROOT);
      env.put(base, url(p, ip));
      env.put(base + "_PROTO", proto);
      env.put(base + "_PORT", String.valueOf(p.getPort()));
      env.put(base + "_ADDR", ip);
    }
  }

  private static String protocol(ServicePort p) {
    return p.getProtocol() == null || p.getProtocol().isEmpty() ? "tcp" : p.getProtocol().toLowerCase(Locale.ROOT);
  }

  private static String url(ServicePort p, String ip) {
    return protocol(p) + "://" + (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + p.getPort();
  }

  private static String variable(String name) {
    return name.toUpperCase(Locale.ROOT).replace('-', '_');
  }
}
