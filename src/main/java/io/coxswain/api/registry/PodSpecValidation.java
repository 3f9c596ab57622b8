package io.coxswain.api.registry;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Validation of a pod spec at a field path ({@code spec} for pods, {@code spec.template.spec} for templates). */
public final class PodSpecValidation {
  public static final List<String> RESTART_POLICIES = List.of("Always", "OnFailure", "Never");
  public static final List<String> DNS_POLICIES = List.of("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None");
  public static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
  public static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
  public static final List<String> TERMINATION_MESSAGE_POLICIES = List.of("File", "FallbackToLogsOnError");
  public static final List<String> TOLERATION_OPERATORS = List.of("Equal", "Exists");
  public static final List<String> TAINT_EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");

  private PodSpecValidation() {}

  public static void validate(PodSpec spec, String path, List<FieldError> out) {
    if (spec == null) {
      out.add(FieldError.required(path, ""));
      return;
    }
    Set<String> volumeNames = volumes(spec.getVolumes(), path + ".volumes", out);
    boolean hostNetwork = Boolean.TRUE.equals(spec.getHostNetwork());
    Set<String> containerNames = new HashSet<>();
    List<Container> inits = PodSpecDefaults.nonNull(spec.getInitContainers());
    for (int i = 0; i < inits.size(); i++) {
      container(inits.get(i), path + ".initContainers[" + i + "]", containerNames, volumeNames, hostNetwork, true, out);
    }
    List<Container> containers = PodSpecDefaults.nonNull(spec.getContainers());
    if (containers.isEmpty()) {
      out.add(FieldError.required(path + ".containers", ""));
    }
    for (int i = 0; i < containers.size(); i++) {
      container(containers.get(i), path + ".containers[" + i + "]", containerNames, volumeNames, hostNetwork, false, out);
    }
    hostPorts(spec, path, out);
    oneOf(spec.getRestartPolicy(), path + ".restartPolicy", RESTART_POLICIES, true, out);
    oneOf(spec.getDnsPolicy(), path + ".dnsPolicy", DNS_POLICIES, false, out);
    if ("None".equals(spec.getDnsPolicy()) && spec.getDnsConfig() == null) {
      out.add(FieldError.required(path + ".dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"));
    }
    if (spec.getActiveDeadlineSeconds() != null && spec.getActiveDeadlineSeconds() < 1) {
      out.add(FieldError.invalid(path + ".activeDeadlineSeconds", spec.getActiveDeadlineSeconds(),
          "must be between 1 and 2147483647, inclusive"));
    }
    if (spec.getTerminationGracePeriodSeconds() != null && spec.getTerminationGracePeriodSeconds() < 0) {
      out.add(FieldError.invalid(path + ".terminationGracePeriodSeconds", spec.getTerminationGracePeriodSeconds(),
          "must be greater than or equal to 0"));
    }
    MetaValidation.validateLabels(spec.getNodeSelector(), path + ".nodeSelector", out);
    dns(spec.getHostname(), path + ".hostname", NameRules.dns1123Label(nz(spec.getHostname())), out);
    dns(spec.getSubdomain(), path + ".subdomain", NameRules.dns1123Label(nz(spec.getSubdomain())), out);
    dns(spec.getServiceAccountName(), path + ".serviceAccountName",
        NameRules.dns1123Subdomain(nz(spec.getServiceAccountName())), out);
    dns(spec.getNodeName(), path + ".nodeName", NameRules.dns1123Subdomain(nz(spec.getNodeName())), out);
    dns(spec.getSchedulerName(), path + ".schedulerName", NameRules.dns1123Subdomain(nz(spec.getSchedulerName())), out);
    tolerations(spec.getTolerations(), path + ".tolerations", out);
  }

  /** Two containers of a pod may not take the same host port, protocol and host IP. */
  private static void hostPorts(PodSpec spec, String path, List<FieldError> out) {
    Set<String> taken = new HashSet<>();
    List<Container> containers = PodSpecDefaults.nonNull(spec.getContainers());
    for (int i = 0; i < containers.size(); i++) {
      List<ContainerPort> ports = PodSpecDefaults.nonNull(containers.get(i).getPorts());
      for (int j = 0; j < ports.size(); j++) {
        ContainerPort p = ports.get(j);
        int hostPort = p.getHostPort() == null ? 0 : p.getHostPort();
        if (hostPort == 0) {
          continue;
        }
        String hostIp = p.getHostIP() == null || p.getHostIP().isEmpty() ? "0.0.0.0" : p.getHostIP();
        String key = hostIp + "/" + hostPort + "/" + (p.getProtocol() == null ? "TCP" : p.getProtocol());
        if (!taken.add(key)) {
          out.add(FieldError.duplicate(path + ".containers[" + i + "].ports[" + j + "].hostPort", key));
        }
      }
    }
  }

  private static Set<String> volumes(List<Volume> volumes, String path, List<FieldError> out) {
    Set<String> names = new HashSet<>();
    List<Volume> list = PodSpecDefaults.nonNull(volumes);
    for (int i = 0; i < list.size(); i++) {
      String name = list.get(i).getName();
      String f = path + "[" + i + "].name";
      if (MetaValidation.isEmpty(name)) {
        out.add(FieldError.required(f, ""));
        continue;
      }
      for (String msg : NameRules.dns1123Label(name)) {
        out.add(FieldError.invalid(f, name, msg));
      }
      if (!names.add(name)) {
        out.add(FieldError.duplicate(f, name));
      }
    }
    return names;
  }

  private static void container(Container c, String path, Set<String> names, Set<String> volumes, boolean hostNetwork,
      boolean init, List<FieldError> out) {
    String name = c.getName();
    if (MetaValidation.isEmpty(name)) {
      out.add(FieldError.required(path + ".name", ""));
    } else {
      for (String msg : NameRules.dns1123Label(name)) {
        out.add(FieldError.invalid(path + ".name", name, msg));
      }
      if (!names.add(name)) {
        out.add(FieldError.duplicate(path + ".name", name));
      }
    }
    if (c.getImage() == null || c.getImage().isBlank()) {
      out.add(FieldError.required(path + ".image", ""));
    } else if (!c.getImage().equals(c.getImage().strip())) {
      out.add(FieldError.invalid(path + ".image", c.getImage(), "must not have leading or trailing whitespace"));
    }
    oneOf(c.getImagePullPolicy(), path + ".imagePullPolicy", PULL_POLICIES, false, out);
    oneOf(c.getTerminationMessagePolicy(), path + ".terminationMessagePolicy", TERMINATION_MESSAGE_POLICIES, false, out);
    ports(c.getPorts(), path + ".ports", hostNetwork, out);
    env(c.getEnv(), path + ".env", out);
    mounts(c.getVolumeMounts(), path + ".volumeMounts", volumes, out);
    resources(c, path + ".resources", out);
    probe(c.getLivenessProbe(), path + ".livenessProbe", true, out);
    probe(c.getReadinessProbe(), path + ".readinessProbe", false, out);
    probe(c.getStartupProbe(), path + ".startupProbe", true, out);
    if (init && !"Always".equals(c.getRestartPolicy()) && c.getReadinessProbe() != null) {
      out.add(FieldError.forbidden(path + ".readinessProbe", "may not be set for init containers without restartPolicy=Always"));
    }
  }

  private static void ports(List<ContainerPort> ports, String path, boolean hostNetwork, List<FieldError> out) {
    Set<String> names = new HashSet<>();
    List<ContainerPort> list = PodSpecDefaults.nonNull(ports);
    for (int i = 0; i < list.size(); i++) {
      ContainerPort p = list.get(i);
      String f = path + "[" + i + "]";
      if (!MetaValidation.isEmpty(p.getName())) {
        for (String msg : NameRules.ianaServiceName(p.getName())) {
          out.add(FieldError.invalid(f + ".name", p.getName(), msg));
        }
        if (!names.add(p.getName())) {
          out.add(FieldError.duplicate(f + ".name", p.getName()));
        }
      }
      int containerPort = p.getContainerPort() == null ? 0 : p.getContainerPort();
      if (containerPort == 0) {
        out.add(FieldError.required(f + ".containerPort", ""));
      } else {
        for (String msg : NameRules.portNumber(containerPort)) {
          out.add(FieldError.invalid(f + ".containerPort", containerPort, msg));
        }
      }
      int hostPort = p.getHostPort() == null ? 0 : p.getHostPort();
      if (hostPort != 0) {
        for (String msg : NameRules.portNumber(hostPort)) {
          out.add(FieldError.invalid(f + ".hostPort", hostPort, msg));
        }
      }
      if (hostNetwork && hostPort != containerPort) {
        out.add(FieldError.invalid(f + ".hostPort", hostPort, "must match `containerPort` when `hostNetwork` is true"));
      }
      oneOf(p.getProtocol(), f + ".protocol", PROTOCOLS, true, out);
      if (p.getHostIP() != null && !p.getHostIP().isEmpty() && !NameRules.isIp(p.getHostIP())) {
        out.add(FieldError.invalid(f + ".hostIP", p.getHostIP(), "must be a valid IP address"));
      }
    }
  }

  private static void env(List<EnvVar> env, String path, List<FieldError> out) {
    List<EnvVar> list = PodSpecDefaults.nonNull(env);
    for (int i = 0; i < list.size(); i++) {
      String name = list.get(i).getName();
      String f = path + "[" + i + "].name";
      if (MetaValidation.isEmpty(name)) {
        out.add(FieldError.required(f, ""));
      } else {
        for (String msg : NameRules.envVarName(name)) {
          out.add(FieldError.invalid(f, name, msg));
        }
      }
      if (list.get(i).getValue() != null && !list.get(i).getValue().isEmpty() && list.get(i).getValueFrom() != null) {
        out.add(FieldError.invalid(path + "[" + i + "].valueFrom", "",
            "may not be specified when `value` is not empty"));
      }
    }
  }

  private static void mounts(List<VolumeMount> mounts, String path, Set<String> volumes, List<FieldError> out) {
    Set<String> paths = new HashSet<>();
    List<VolumeMount> list = PodSpecDefaults.nonNull(mounts);
    for (int i = 0; i < list.size(); i++) {
      VolumeMount m = list.get(i);
      String f = path + "[" + i + "]";
      if (MetaValidation.isEmpty(m.getName())) {
        out.add(FieldError.required(f + ".name", ""));
      } else if (!volumes.contains(m.getName())) {
        out.add(new FieldError(FieldError.Type.NOT_FOUND, f + ".name", m.getName(), null));
      }
      if (MetaValidation.isEmpty(m.getMountPath())) {
        out.add(FieldError.required(f + ".mountPath", ""));
      } else if (!paths.add(m.getMountPath())) {
        out.add(FieldError.invalid(f + ".mountPath", m.getMountPath(), "must be unique"));
      }
    }
  }

  private static void resources(Container c, String path, List<FieldError> out) {
    if (c.getResources() == null) {
      return;
    }
    Map<String, Quantity> limits = c.getResources().getLimits();
    Map<String, Quantity> requests = c.getResources().getRequests();
    Map<String, BigDecimal> limitAmounts = quantities(limits, path + ".limits", out);
    Map<String, BigDecimal> requestAmounts = quantities(requests, path + ".requests", out);
    for (Map.Entry<String, BigDecimal> e : requestAmounts.entrySet()) {
      BigDecimal limit = limitAmounts.get(e.getKey());
      if (limit != null && e.getValue().compareTo(limit) > 0) {
        out.add(FieldError.invalid(path + ".requests", requests.get(e.getKey()).toString(),
            "must be less than or equal to " + e.getKey() + " limit of " + limits.get(e.getKey())));
      }
    }
  }

  private static Map<String, BigDecimal> quantities(Map<String, Quantity> map, String path, List<FieldError> out) {
    Map<String, BigDecimal> amounts = new java.util.HashMap<>();
    if (map == null) {
      return amounts;
    }
    for (Map.Entry<String, Quantity> e : map.entrySet()) {
      String f = path + "[" + e.getKey() + "]";
      BigDecimal amount = amount(e.getValue());
      if (amount == null) {
        out.add(FieldError.invalid(f, String.valueOf(e.getValue()), "must be a valid quantity"));
      } else if (amount.signum() < 0) {
        out.add(FieldError.invalid(f, e.getValue().toString(), "must be greater than or equal to 0"));
      } else {
        amounts.put(e.getKey(), amount);
      }
    }
    return amounts;
  }

  /** The numeric amount of a quantity, or null if it is not a valid quantity. */
  public static BigDecimal amount(Quantity q) {
    if (q == null || q.getAmount() == null || q.getAmount().isEmpty()) {
      return null;
    }
    try {
      return q.getNumericalAmount();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void probe(Probe p, String path, boolean successMustBeOne, List<FieldError> out) {
    if (p == null) {
      return;
    }
    int handlers = (p.getExec() != null ? 1 : 0) + (p.getHttpGet() != null ? 1 : 0) + (p.getTcpSocket() != null ? 1 : 0)
        + (p.getGrpc() != null ? 1 : 0);
    if (handlers == 0) {
      out.add(FieldError.required(path, "must specify a handler type"));
    } else if (handlers > 1) {
      out.add(FieldError.forbidden(path, "may not specify more than 1 handler type"));
    }
    nonNegative(p.getInitialDelaySeconds(), path + ".initialDelaySeconds", out);
    nonNegative(p.getTimeoutSeconds(), path + ".timeoutSeconds", out);
    nonNegative(p.getPeriodSeconds(), path + ".periodSeconds", out);
    nonNegative(p.getSuccessThreshold(), path + ".successThreshold", out);
    nonNegative(p.getFailureThreshold(), path + ".failureThreshold", out);
    if (successMustBeOne && p.getSuccessThreshold() != null && p.getSuccessThreshold() != 1) {
      out.add(FieldError.invalid(path + ".successThreshold", p.getSuccessThreshold(), "must be 1"));
    }
    if (p.getHttpGet() != null && p.getHttpGet().getPort() != null) {
      port(p.getHttpGet().getPort(), path + ".httpGet.port", out);
    }
    if (p.getTcpSocket() != null && p.getTcpSocket().getPort() != null) {
      port(p.getTcpSocket().getPort(), path + ".tcpSocket.port", out);
    }
  }

  /** A port given as a number (1-65535) or an IANA service name. */
  static void port(io.fabric8.kubernetes.api.model.IntOrString port, String path, List<FieldError> out) {
    if (port.getIntVal() != null) {
      for (String msg : NameRules.portNumber(port.getIntVal())) {
        out.add(FieldError.invalid(path, port.getIntVal(), msg));
      }
    } else if (port.getStrVal() != null) {
      for (String msg : NameRules.ianaServiceName(port.getStrVal())) {
        out.add(FieldError.invalid(path, port.getStrVal(), msg));
      }
    }
  }

  private static void tolerations(List<Toleration> tolerations, String path, List<FieldError> out) {
    List<Toleration> list = PodSpecDefaults.nonNull(tolerations);
    for (int i = 0; i < list.size(); i++) {
      Toleration t = list.get(i);
      String f = path + "[" + i + "]";
      if (!MetaValidation.isEmpty(t.getKey())) {
        for (String msg : NameRules.qualifiedName(t.getKey())) {
          out.add(FieldError.invalid(f + ".key", t.getKey(), msg));
        }
      } else if (!"Exists".equals(t.getOperator())) {
        out.add(FieldError.invalid(f + ".operator", t.getOperator(),
            "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
      }
      if (!MetaValidation.isEmpty(t.getOperator()) && !TOLERATION_OPERATORS.contains(t.getOperator())) {
        out.add(FieldError.notSupported(f + ".operator", t.getOperator(), TOLERATION_OPERATORS));
      }
      if ("Exists".equals(t.getOperator()) && !MetaValidation.isEmpty(t.getValue())) {
        out.add(FieldError.invalid(f + ".operator", t.getValue(), "value must be empty when `operator` is 'Exists'"));
      }
      if (!MetaValidation.isEmpty(t.getEffect()) && !TAINT_EFFECTS.contains(t.getEffect())) {
        out.add(FieldError.notSupported(f + ".effect", t.getEffect(), TAINT_EFFECTS));
      }
      if (t.getTolerationSeconds() != null && !"NoExecute".equals(t.getEffect())) {
        out.add(FieldError.invalid(f + ".effect", t.getEffect(), "effect must be 'NoExecute' when `tolerationSeconds` is set"));
      }
    }
  }

  private static void nonNegative(Integer value, String path, List<FieldError> out) {
    if (value != null && value < 0) {
      out.add(FieldError.invalid(path, value, "must be greater than or equal to 0"));
    }
  }

  /** Required when empty (if required), else NotSupported unless one of the values. */
  static void oneOf(String value, String path, List<String> valid, boolean required, List<FieldError> out) {
    if (MetaValidation.isEmpty(value)) {
      if (required) {
        out.add(FieldError.required(path, ""));
      }
    } else if (!valid.contains(value)) {
      out.add(FieldError.notSupported(path, value, valid));
    }
  }

  private static void dns(String value, String path, List<String> problems, List<FieldError> out) {
    if (MetaValidation.isEmpty(value)) {
      return;
    }
    for (String msg : problems) {
      out.add(FieldError.invalid(path, value, msg));
    }
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
