package io.coxswain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The host ports a kubelet published for a pod's container ports, carried on the pod as the annotation
 * {@value #ANNOTATION} holding {@code {"<container>/<containerPort>/<protocol>": hostPort, ...}}. The kubelet
 * writes it; the endpoints controller reads it to list {@code hostIP:hostPort}.
 */
public final class PublishedPorts {
  public static final String ANNOTATION = "coxswain.io/published-ports";
  private static final PublishedPorts NONE = new PublishedPorts(List.of());

  /** One published port. Protocol is TCP, UDP or SCTP (TCP when the container port names none). */
  public record Port(String container, int containerPort, String protocol, int hostPort) {
    public Port {
      Objects.requireNonNull(container);
      protocol = protocol == null || protocol.isEmpty() ? "TCP" : protocol;
    }

    public String key() {
      return container + "/" + containerPort + "/" + protocol;
    }
  }

  private final Map<String, Port> byKey;

  private PublishedPorts(Collection<Port> ports) {
    Map<String, Port> m = new TreeMap<>();
    for (Port p : ports) {
      m.put(p.key(), p);
    }
    this.byKey = java.util.Collections.unmodifiableMap(m);
  }

  public static PublishedPorts none() {
    return NONE;
  }

  public static PublishedPorts of(Collection<Port> ports) {
    return ports.isEmpty() ? NONE : new PublishedPorts(ports);
  }

  /** Parses the annotation value; throws IllegalArgumentException saying what is wrong. */
  public static PublishedPorts parse(String json) {
    if (json == null || json.isBlank()) {
      return NONE;
    }
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(ANNOTATION + " is not JSON: " + e.getOriginalMessage());
    }
    if (tree == null || !tree.isObject()) {
      throw new IllegalArgumentException(ANNOTATION + " must be a JSON object");
    }
    List<Port> ports = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : tree.properties()) {
      String[] parts = e.getKey().split("/", -1);
      if (parts.length != 3 || parts[0].isEmpty()) {
        throw new IllegalArgumentException(ANNOTATION + ": key \"" + e.getKey()
            + "\" is not <container>/<containerPort>/<protocol>");
      }
      int containerPort;
      try {
        containerPort = Integer.parseInt(parts[1]);
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(ANNOTATION + ": key \"" + e.getKey() + "\" has no port number");
      }
      if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) {
        throw new IllegalArgumentException(ANNOTATION + ": \"" + e.getKey() + "\" must map to a port number");
      }
      int hostPort = e.getValue().intValue();
      if (containerPort < 1 || containerPort > 65535 || hostPort < 1 || hostPort > 65535) {
        throw new IllegalArgumentException(ANNOTATION + ": \"" + e.getKey() + "\": ports must be 1-65535");
      }
      ports.add(new Port(parts[0], containerPort, parts[2], hostPort));
    }
    return of(ports);
  }

  /** The pod's published ports; none when the annotation is missing or unreadable. */
  public static PublishedPorts fromPod(Pod pod) {
    if (pod == null || pod.getMetadata() == null || pod.getMetadata().getAnnotations() == null) {
      return NONE;
    }
    try {
      return parse(pod.getMetadata().getAnnotations().get(ANNOTATION));
    } catch (IllegalArgumentException e) {
      return NONE;
    }
  }

  /** The annotation value, keys sorted, so equal port sets format equally. */
  public String format() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    byKey.forEach((k, p) -> node.put(k, p.hostPort()));
    return node.toString();
  }

  public OptionalInt hostPort(String container, int containerPort, String protocol) {
    Port p = byKey.get(new Port(container, containerPort, protocol, 1).key());
    return p == null ? OptionalInt.empty() : OptionalInt.of(p.hostPort());
  }

  public List<Port> ports() {
    List<Port> list = new ArrayList<>(byKey.values());
    list.sort(Comparator.comparing(Port::key));
    return list;
  }

  public boolean isEmpty() {
    return byKey.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PublishedPorts other && other.byKey.equals(byKey);
  }

  @Override
  public int hashCode() {
    return byKey.hashCode();
  }

  @Override
  public String toString() {
    return format();
  }
}
