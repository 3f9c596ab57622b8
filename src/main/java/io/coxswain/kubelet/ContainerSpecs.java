package io.coxswain.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.coxswain.model.Json;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns a pod spec into runtime specs (pure). */
public final class ContainerSpecs {
  public static final long DEFAULT_GRACE_SECONDS = 30;
  private static final Pattern LABEL_FIELD = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

  private ContainerSpecs() {}

  public static PodRef ref(Pod pod) {
    return new PodRef(pod.getMetadata().getUid(), pod.getMetadata().getNamespace(), pod.getMetadata().getName());
  }

  public static boolean hostNetwork(Pod pod) {
    return pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
  }

  /** The pod's terminationGracePeriodSeconds (30 when unset). */
  public static long graceSeconds(Pod pod) {
    Long grace = pod.getSpec() == null ? null : pod.getSpec().getTerminationGracePeriodSeconds();
    return grace == null ? DEFAULT_GRACE_SECONDS : Math.max(0, grace);
  }

  /** The grace period of a deletion: the one the delete asked for, else the pod's. */
  public static long deletionGraceSeconds(Pod pod) {
    Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
    return grace == null ? graceSeconds(pod) : Math.max(0, grace);
  }

  /** The pod's infra container: every containerPort published on {@code hostIP} (or the port's hostIP). */
  public static InfraSpec infra(Pod pod, String nodeName, String hostIP) {
    List<PortMapping> ports = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      if (c.getPorts() == null) {
        continue;
      }
      for (ContainerPort p : c.getPorts()) {
        if (p.getContainerPort() == null) {
          continue;
        }
        String ip = p.getHostIP() == null || p.getHostIP().isBlank() || "0.0.0.0".equals(p.getHostIP())
            ? hostIP : p.getHostIP();
        ports.add(new PortMapping(p.getName(), p.getContainerPort(), p.getProtocol(),
            p.getHostPort() == null ? 0 : p.getHostPort(), ip));
      }
    }
    String hostname = pod.getSpec().getHostname() != null ? pod.getSpec().getHostname()
        : pod.getMetadata().getName();
    return new InfraSpec(ref(pod), nodeName, hostname, hostNetwork(pod), ports, graceSeconds(pod));
  }

  /**
   * One app container of the pod.
   *
   * @param networkFrom the running infra container's id, or null when it is started in the same plan
   */
  public static ContainerSpec container(Pod pod, Container c, String nodeName, String hostIP, Path podsDir,
      Map<String, String> serviceEnv, String networkFrom, int restartCount) {
    Map<String, String> env = new LinkedHashMap<>(new TreeMap<>(serviceEnv));
    if (c.getEnv() != null) {
      for (EnvVar var : c.getEnv()) {
        env.put(var.getName(), expand(envValue(pod, var, nodeName, hostIP), env));
      }
    }
    List<String> command = c.getCommand() == null ? List.of()
        : c.getCommand().stream().map(a -> expand(a, env)).toList();
    List<String> args = c.getArgs() == null ? List.of() : c.getArgs().stream().map(a -> expand(a, env)).toList();
    List<Mount> mounts = new ArrayList<>();
    if (c.getVolumeMounts() != null) {
      for (VolumeMount vm : c.getVolumeMounts()) {
        volume(pod, vm.getName()).flatMap(v -> mount(pod, v, vm, podsDir)).ifPresent(mounts::add);
      }
    }
    long cpuMillis = 0;
    long memoryBytes = 0;
    if (c.getResources() != null && c.getResources().getLimits() != null) {
      Quantity cpu = c.getResources().getLimits().get("cpu");
      Quantity memory = c.getResources().getLimits().get("memory");
      if (cpu != null) {
        cpuMillis = Quantity.getAmountInBytes(cpu).multiply(BigDecimal.valueOf(1000)).setScale(0,
            java.math.RoundingMode.CEILING).longValueExact();
      }
      if (memory != null) {
        memoryBytes = Quantity.getAmountInBytes(memory).setScale(0, java.math.RoundingMode.CEILING).longValueExact();
      }
    }
    return new ContainerSpec(ref(pod), nodeName, c.getName(), c.getImage(),
        PullPolicy.of(c.getImagePullPolicy(), c.getImage()), command, args, c.getWorkingDir(),
        env, mounts, cpuMillis, memoryBytes, Boolean.TRUE.equals(c.getStdin()), Boolean.TRUE.equals(c.getStdinOnce()),
        Boolean.TRUE.equals(c.getTty()),
        hostNetwork(pod) ? null : networkFrom, hostNetwork(pod), restartCount, hash(c), graceSeconds(pod));
  }

  /**
   * Kubernetes' variable references: {@code $(NAME)} becomes the variable's value when it is defined (and
   * stays as written otherwise); {@code $$} is a literal {@code $}.
   */
  public static String expand(String text, Map<String, String> env) {
    if (text == null || text.indexOf('$') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      char ch = text.charAt(i);
      if (ch == '$' && i + 1 < text.length() && text.charAt(i + 1) == '$') {
        out.append('$');
        i += 2;
      } else if (ch == '$' && i + 1 < text.length() && text.charAt(i + 1) == '(') {
        int close = text.indexOf(')', i + 2);
        String name = close < 0 ? null : text.substring(i + 2, close);
        if (name != null && env.containsKey(name)) {
          out.append(env.get(name));
          i = close + 1;
        } else {
          out.append(ch);
          i++;
        }
      } else {
        out.append(ch);
        i++;
      }
    }
    return out.toString();
  }

  /** The directory of a pod's emptyDir volume. */
  public static Path emptyDir(Path podsDir, String podUid, String volumeName) {
    return podsDir.resolve(podUid).resolve("volumes").resolve("empty-dir").resolve(volumeName);
  }

  /** A stable hash of the container spec: a change means the container must be replaced. */
  public static String hash(Container c) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Json.bytes(c));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Optional<Volume> volume(Pod pod, String name) {
    if (pod.getSpec().getVolumes() == null) {
      return Optional.empty();
    }
    return pod.getSpec().getVolumes().stream().filter(v -> name.equals(v.getName())).findFirst();
  }

  private static Optional<Mount> mount(Pod pod, Volume v, VolumeMount vm, Path podsDir) {
    String sub = vm.getSubPath() == null || vm.getSubPath().isBlank() ? "" : "/" + vm.getSubPath();
    boolean readOnly = Boolean.TRUE.equals(vm.getReadOnly());
    if (v.getEmptyDir() != null) {
      return Optional.of(new Mount(Mount.Kind.EMPTY_DIR, v.getName(),
          emptyDir(podsDir, pod.getMetadata().getUid(), v.getName()) + sub, vm.getMountPath(), readOnly));
    }
    if (v.getHostPath() != null) {
      return Optional.of(new Mount(Mount.Kind.HOST_PATH, v.getName(), v.getHostPath().getPath() + sub,
          vm.getMountPath(), readOnly));
    }
    return Optional.empty();
  }

  private static String envValue(Pod pod, EnvVar var, String nodeName, String hostIP) {
    if (var.getValueFrom() == null || var.getValueFrom().getFieldRef() == null) {
      return var.getValue() == null ? "" : var.getValue();
    }
    ObjectFieldSelector field = var.getValueFrom().getFieldRef();
    String path = field.getFieldPath() == null ? "" : field.getFieldPath();
    Matcher m = LABEL_FIELD.matcher(path);
    if (m.matches()) {
      Map<String, String> map = "labels".equals(m.group(1)) ? pod.getMetadata().getLabels()
          : pod.getMetadata().getAnnotations();
      return map == null ? "" : map.getOrDefault(m.group(2), "");
    }
    return switch (path) {
      case "metadata.name" -> pod.getMetadata().getName();
      case "metadata.namespace" -> pod.getMetadata().getNamespace();
      case "metadata.uid" -> pod.getMetadata().getUid();
      case "spec.nodeName" -> nodeName;
      case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName() == null ? ""
          : pod.getSpec().getServiceAccountName();
      case "status.hostIP", "status.podIP" -> hostIP;
      default -> "";
    };
  }
}
