package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.ClientIPConfig;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LoadBalancerStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.api.model.SessionAffinityConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Services: type, session affinity and port defaults, and validation. The cluster IP and node ports are
 * allocated by the registry; this strategy only checks what is given and keeps allocated values on update.
 */
public final class ServiceStrategy extends BaseStrategy<Service> {
  public static final List<String> TYPES = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");
  public static final List<String> SESSION_AFFINITIES = List.of("ClientIP", "None");
  public static final List<String> TRAFFIC_POLICIES = List.of("Cluster", "Local");
  public static final int DEFAULT_NODE_PORT_MIN = 30000;
  public static final int DEFAULT_NODE_PORT_MAX = 32767;
  public static final int DEFAULT_CLIENT_IP_TIMEOUT = 10800;
  public static final String NONE = "None";

  private final int nodePortMin;
  private final int nodePortMax;
  private final ServiceStatusStrategy status = new ServiceStatusStrategy(this);

  public ServiceStrategy() {
    this(DEFAULT_NODE_PORT_MIN, DEFAULT_NODE_PORT_MAX);
  }

  /** A strategy accepting node ports in [min, max] (the API server's service node port range). */
  public ServiceStrategy(int nodePortMin, int nodePortMax) {
    super(Service.class, "services", "Service", true, NameRules::dns1035Label);
    this.nodePortMin = nodePortMin;
    this.nodePortMax = nodePortMax;
  }

  @Override
  public void prepareForCreate(Service svc) {
    ServiceStatus st = new ServiceStatus();
    st.setLoadBalancer(new LoadBalancerStatus());
    svc.setStatus(st);
    applyDefaults(svc.getSpec());
  }

  @Override
  public void prepareForUpdate(Service svc, Service old) {
    svc.setStatus(old.getStatus());
    ServiceSpec spec = svc.getSpec();
    ServiceSpec oldSpec = old.getSpec();
    if (spec != null && oldSpec != null) {
      keepAllocated(spec, oldSpec);
    }
    applyDefaults(spec);
  }

  public static void applyDefaults(ServiceSpec spec) {
    if (spec == null) {
      return;
    }
    if (isEmpty(spec.getType())) {
      spec.setType("ClusterIP");
    }
    if (isEmpty(spec.getSessionAffinity())) {
      spec.setSessionAffinity(NONE);
    }
    if ("ClientIP".equals(spec.getSessionAffinity())) {
      if (spec.getSessionAffinityConfig() == null) {
        spec.setSessionAffinityConfig(new SessionAffinityConfig());
      }
      if (spec.getSessionAffinityConfig().getClientIP() == null) {
        spec.getSessionAffinityConfig().setClientIP(new ClientIPConfig());
      }
      if (spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds() == null) {
        spec.getSessionAffinityConfig().getClientIP().setTimeoutSeconds(DEFAULT_CLIENT_IP_TIMEOUT);
      }
    }
    // Fields that are plain (not pointer) numbers and flags in Kubernetes' types: zero is unset there and never
    // written back, so a body that carries them as zero (protobuf from Go carries every such field) stores them
    // as left out, as Kubernetes does
    if (spec.getHealthCheckNodePort() != null && spec.getHealthCheckNodePort() == 0) {
      spec.setHealthCheckNodePort(null);
    }
    if (Boolean.FALSE.equals(spec.getPublishNotReadyAddresses())) {
      spec.setPublishNotReadyAddresses(null);
    }
    for (ServicePort p : nonNull(spec.getPorts())) {
      if (isEmpty(p.getProtocol())) {
        p.setProtocol("TCP");
      }
      if (p.getNodePort() != null && p.getNodePort() == 0) {
        p.setNodePort(null);
      }
      IntOrString target = p.getTargetPort();
      boolean unset = target == null || (target.getStrVal() == null && (target.getIntVal() == null || target.getIntVal() == 0))
          || (target.getIntVal() == null && target.getStrVal() != null && target.getStrVal().isEmpty());
      if (unset && p.getPort() != null) {
        p.setTargetPort(new IntOrString(p.getPort()));
      }
    }
    String type = spec.getType();
    if (("NodePort".equals(type) || "LoadBalancer".equals(type)) && isEmpty(spec.getExternalTrafficPolicy())) {
      spec.setExternalTrafficPolicy("Cluster");
    }
    if (!"ExternalName".equals(type) && isEmpty(spec.getInternalTrafficPolicy())) {
      spec.setInternalTrafficPolicy("Cluster");
    }
    if ("LoadBalancer".equals(type) && spec.getAllocateLoadBalancerNodePorts() == null) {
      spec.setAllocateLoadBalancerNodePorts(true);
    }
    if (!isEmpty(spec.getClusterIP()) && nonNull(spec.getClusterIPs()).isEmpty()) {
      spec.setClusterIPs(new ArrayList<>(List.of(spec.getClusterIP())));
    } else if (isEmpty(spec.getClusterIP()) && !nonNull(spec.getClusterIPs()).isEmpty()) {
      spec.setClusterIP(spec.getClusterIPs().get(0));
    }
    if (!"ExternalName".equals(type)) {
      if (isEmpty(spec.getIpFamilyPolicy())) {
        spec.setIpFamilyPolicy("SingleStack");
      }
      if (nonNull(spec.getIpFamilies()).isEmpty()) {
        boolean v6 = !isEmpty(spec.getClusterIP()) && spec.getClusterIP().contains(":");
        spec.setIpFamilies(new ArrayList<>(List.of(v6 ? "IPv6" : "IPv4")));
      }
    }
  }

  /**
   * An update that leaves out the cluster IP or node ports keeps the allocated ones (as a PUT of an
   * applied manifest does); a change of type away from them drops them.
   */
  static void keepAllocated(ServiceSpec spec, ServiceSpec old) {
    boolean needsIp = !"ExternalName".equals(typeOf(spec));
    boolean oldHadIp = !"ExternalName".equals(typeOf(old));
    if (needsIp && oldHadIp && isEmpty(spec.getClusterIP()) && nonNull(spec.getClusterIPs()).isEmpty()) {
      spec.setClusterIP(old.getClusterIP());
      spec.setClusterIPs(old.getClusterIPs() == null ? null : new ArrayList<>(old.getClusterIPs()));
      if (nonNull(spec.getIpFamilies()).isEmpty()) {
        spec.setIpFamilies(old.getIpFamilies() == null ? null : new ArrayList<>(old.getIpFamilies()));
      }
      if (isEmpty(spec.getIpFamilyPolicy())) {
        spec.setIpFamilyPolicy(old.getIpFamilyPolicy());
      }
    }
    if (!needsIp && oldHadIp && Objects.equals(spec.getClusterIP(), old.getClusterIP())) {
      spec.setClusterIP(null);
      spec.setClusterIPs(null);
      spec.setIpFamilies(null);
      spec.setIpFamilyPolicy(null);
    }
    boolean needsNodePorts = needsNodePorts(spec);
    boolean oldHadNodePorts = needsNodePorts(old);
    for (ServicePort p : nonNull(spec.getPorts())) {
      ServicePort oldPort = matchingPort(p, nonNull(old.getPorts()));
      if (oldPort == null || oldPort.getNodePort() == null || oldPort.getNodePort() == 0) {
        continue;
      }
      boolean unset = p.getNodePort() == null || p.getNodePort() == 0;
      if (needsNodePorts && oldHadNodePorts && unset) {
        p.setNodePort(oldPort.getNodePort());
      } else if (!needsNodePorts && oldHadNodePorts && oldPort.getNodePort().equals(p.getNodePort())) {
        p.setNodePort(null);
      }
    }
  }

  private static boolean needsNodePorts(ServiceSpec spec) {
    String type = typeOf(spec);
    return "NodePort".equals(type)
        || ("LoadBalancer".equals(type) && !Boolean.FALSE.equals(spec.getAllocateLoadBalancerNodePorts()));
  }

  private static ServicePort matchingPort(ServicePort p, List<ServicePort> old) {
    for (ServicePort o : old) {
      if (!isEmpty(p.getName()) && p.getName().equals(o.getName())) {
        return o;
      }
    }
    for (ServicePort o : old) {
      if (Objects.equals(o.getPort(), p.getPort()) && Objects.equals(protocolOf(o), protocolOf(p))) {
        return o;
      }
    }
    return null;
  }

  @Override
  protected void validateFields(Service svc, List<FieldError> out) {
    ServiceSpec spec = svc.getSpec();
    if (spec == null) {
      out.add(FieldError.required("spec", ""));
      return;
    }
    String type = spec.getType();
    PodSpecValidation.oneOf(type, "spec.type", TYPES, true, out);
    PodSpecValidation.oneOf(spec.getSessionAffinity(), "spec.sessionAffinity", SESSION_AFFINITIES, true, out);
    if ("ClientIP".equals(spec.getSessionAffinity()) && spec.getSessionAffinityConfig() != null
        && spec.getSessionAffinityConfig().getClientIP() != null) {
      Integer timeout = spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
      if (timeout != null && (timeout < 1 || timeout > 86400)) {
        out.add(FieldError.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout,
            "must be greater than 0 and less than 86400"));
      }
    } else if (NONE.equals(spec.getSessionAffinity()) && spec.getSessionAffinityConfig() != null
        && spec.getSessionAffinityConfig().getClientIP() != null) {
      out.add(FieldError.invalid("spec.sessionAffinityConfig", null,
          "must not be set when session affinity is None"));
    }
    List<String> ips = nonNull(spec.getClusterIPs());
    boolean headless = NONE.equals(spec.getClusterIP()) || (!ips.isEmpty() && NONE.equals(ips.get(0)));
    if ("ExternalName".equals(type)) {
      if (!isEmpty(spec.getClusterIP()) || !ips.isEmpty()) {
        out.add(FieldError.forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
      }
      String ext = spec.getExternalName();
      if (isEmpty(ext)) {
        out.add(FieldError.required("spec.externalName", ""));
      } else {
        String name = ext.endsWith(".") ? ext.substring(0, ext.length() - 1) : ext;
        for (String msg : NameRules.dns1123Subdomain(name)) {
          out.add(FieldError.invalid("spec.externalName", ext, msg));
        }
      }
    } else {
      for (int i = 0; i < ips.size(); i++) {
        String ip = ips.get(i);
        if (NONE.equals(ip)) {
          if (i > 0 || ips.size() > 1) {
            out.add(FieldError.invalid("spec.clusterIPs[" + i + "]", ip, "'None' must be the first and only value"));
          }
        } else if (!NameRules.isIp(ip)) {
          out.add(FieldError.invalid("spec.clusterIPs[" + i + "]", ip,
              "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
        }
      }
      if (!ips.isEmpty() && !isEmpty(spec.getClusterIP()) && !ips.get(0).equals(spec.getClusterIP())) {
        out.add(FieldError.invalid("spec.clusterIPs", ips, "first value must match `clusterIP`"));
      }
      if (headless && !"ClusterIP".equals(type) && TYPES.contains(type)) {
        out.add(FieldError.invalid("spec.clusterIPs[0]", NONE, "may not be set to 'None' for " + type + " services"));
      }
    }
    List<ServicePort> ports = nonNull(spec.getPorts());
    if (ports.isEmpty() && !"ExternalName".equals(type) && !headless) {
      out.add(FieldError.required("spec.ports", ""));
    }
    Set<String> names = new HashSet<>();
    Set<String> portKeys = new HashSet<>();
    Set<String> nodePortKeys = new HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      ServicePort p = ports.get(i);
      String f = "spec.ports[" + i + "]";
      if (isEmpty(p.getName())) {
        if (ports.size() > 1) {
          out.add(FieldError.required(f + ".name", ""));
        }
      } else {
        for (String msg : NameRules.dns1123Label(p.getName())) {
          out.add(FieldError.invalid(f + ".name", p.getName(), msg));
        }
        if (!names.add(p.getName())) {
          out.add(FieldError.duplicate(f + ".name", p.getName()));
        }
      }
      int port = p.getPort() == null ? 0 : p.getPort();
      for (String msg : NameRules.portNumber(port)) {
        out.add(FieldError.invalid(f + ".port", port, msg));
      }
      PodSpecValidation.oneOf(p.getProtocol(), f + ".protocol", PodSpecValidation.PROTOCOLS, true, out);
      if (p.getTargetPort() != null) {
        PodSpecValidation.port(p.getTargetPort(), f + ".targetPort", out);
      }
      int nodePort = p.getNodePort() == null ? 0 : p.getNodePort();
      if (nodePort != 0) {
        if ("ClusterIP".equals(type) || "ExternalName".equals(type)) {
          out.add(FieldError.forbidden(f + ".nodePort", "may not be used when `type` is '" + type + "'"));
        } else if (nodePort < nodePortMin || nodePort > nodePortMax) {
          out.add(FieldError.invalid(f + ".nodePort", nodePort, "provided port is not in the valid range. The range of"
              + " valid ports is " + nodePortMin + "-" + nodePortMax));
        } else if (!nodePortKeys.add(nodePort + "/" + p.getProtocol())) {
          out.add(FieldError.duplicate(f + ".nodePort", nodePort));
        }
      }
      if (port != 0 && !portKeys.add(port + "/" + p.getProtocol())) {
        out.add(FieldError.duplicate(f, port + "/" + p.getProtocol()));
      }
    }
    MetaValidation.validateLabels(spec.getSelector(), "spec.selector", out);
    List<String> externalIPs = nonNull(spec.getExternalIPs());
    for (int i = 0; i < externalIPs.size(); i++) {
      if (!NameRules.isIp(externalIPs.get(i))) {
        out.add(FieldError.invalid("spec.externalIPs[" + i + "]", externalIPs.get(i), "must be a valid IP address"));
      }
    }
    if (!isEmpty(spec.getExternalTrafficPolicy())) {
      if ("ClusterIP".equals(type) || "ExternalName".equals(type)) {
        out.add(FieldError.invalid("spec.externalTrafficPolicy", spec.getExternalTrafficPolicy(),
            "may only be set for externally-accessible services"));
      } else {
        PodSpecValidation.oneOf(spec.getExternalTrafficPolicy(), "spec.externalTrafficPolicy", TRAFFIC_POLICIES, false, out);
      }
    }
    PodSpecValidation.oneOf(spec.getInternalTrafficPolicy(), "spec.internalTrafficPolicy", TRAFFIC_POLICIES, false, out);
  }

  @Override
  protected void validateFieldUpdate(Service svc, Service old, List<FieldError> out) {
    ServiceSpec spec = svc.getSpec();
    ServiceSpec oldSpec = old.getSpec();
    if (spec == null || oldSpec == null) {
      return;
    }
    if ("ExternalName".equals(typeOf(spec)) || "ExternalName".equals(typeOf(oldSpec))) {
      return;
    }
    String oldIp = first(oldSpec);
    String ip = first(spec);
    if (!isEmpty(oldIp) && !oldIp.equals(ip)) {
      out.add(FieldError.invalid("spec.clusterIPs[0]", ip, "may not change once set"));
    }
  }

  private static String first(ServiceSpec spec) {
    if (!nonNull(spec.getClusterIPs()).isEmpty()) {
      return spec.getClusterIPs().get(0);
    }
    return spec.getClusterIP();
  }

  private static String typeOf(ServiceSpec spec) {
    return isEmpty(spec.getType()) ? "ClusterIP" : spec.getType();
  }

  private static String protocolOf(ServicePort p) {
    return isEmpty(p.getProtocol()) ? "TCP" : p.getProtocol();
  }

  @Override
  public Strategy<Service> forStatus() {
    return status;
  }

  static <E> List<E> nonNull(List<E> list) {
    return list == null ? List.of() : list;
  }

  static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
