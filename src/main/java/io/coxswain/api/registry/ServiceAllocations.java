package io.coxswain.api.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;

/**
 * Cluster IPs and node ports of services. Each one in use is held by a reservation key written in the same
 * transaction as the service ({@code /registry/ranges/serviceips/127.100.0.7},
 * {@code /registry/ranges/servicenodeports/30080}) under a must-be-absent compare, so two concurrent
 * creates can never get the same one; the delete transaction removes them.
 */
public final class ServiceAllocations {
  public static final String IP_PREFIX = "/registry/ranges/serviceips/";
  public static final String PORT_PREFIX = "/registry/ranges/servicenodeports/";

  private final long network;
  private final int prefixLength;
  private final String cidr;
  private final int portMin;
  private final int portMax;
  private final Random random;

  /** @param cidr the service range, e.g. {@code 127.100.0.0/16}; it must lie inside 127.0.0.0/8 */
  public ServiceAllocations(String cidr, int portMin, int portMax, Random random) {
    String[] parts = cidr.split("/");
    if (parts.length != 2) {
      throw new IllegalArgumentException("service CIDR must look like 127.100.0.0/16, got " + cidr);
    }
    this.prefixLength = Integer.parseInt(parts[1]);
    if (prefixLength < 8 || prefixLength > 30) {
      throw new IllegalArgumentException("service CIDR prefix must be between /8 and /30, got " + cidr);
    }
    long ip = toLong(parts[0]);
    long mask = (0xFFFFFFFFL << (32 - prefixLength)) & 0xFFFFFFFFL;
    this.network = ip & mask;
    if ((network >>> 24) != 127) {
      throw new IllegalArgumentException("service CIDR must lie inside 127.0.0.0/8, got " + cidr);
    }
    this.cidr = cidr;
    this.portMin = portMin;
    this.portMax = portMax;
    this.random = random;
  }

  public String cidr() {
    return cidr;
  }

  static long toLong(String ip) {
    String[] o = ip.trim().split("\\.");
    if (o.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address: " + ip);
    }
    long v = 0;
    for (String s : o) {
      int b = Integer.parseInt(s);
      if (b < 0 || b > 255) {
        throw new IllegalArgumentException("not an IPv4 address: " + ip);
      }
      v = (v << 8) | b;
    }
    return v;
  }

  static String toIp(long v) {
    return ((v >>> 24) & 255) + "." + ((v >>> 16) & 255) + "." + ((v >>> 8) & 255) + "." + (v & 255);
  }

  public boolean contains(String ip) {
    try {
      long v = toLong(ip);
      long size = 1L << (32 - prefixLength);
      return v > network && v < network + size - 1;
    } catch (RuntimeException e) {
      return false;
    }
  }

  public String randomIp() {
    long size = (1L << (32 - prefixLength)) - 2; // no network, no broadcast address
    return toIp(network + 1 + (long) (random.nextDouble() * size));
  }

  public int randomPort() {
    return portMin + random.nextInt(portMax - portMin + 1);
  }

  public boolean portInRange(int port) {
    return port >= portMin && port <= portMax;
  }

  static boolean wantsClusterIp(JsonNode svc) {
    String type = svc.path("spec").path("type").asText("ClusterIP");
    return !type.equals("ExternalName");
  }

  static boolean wantsNodePorts(JsonNode svc) {
    String type = svc.path("spec").path("type").asText("ClusterIP");
    return type.equals("NodePort") || type.equals("LoadBalancer");
  }

  /** The reservation keys a stored service holds. */
  public static Set<String> keysOf(JsonNode svc) {
    Set<String> keys = new LinkedHashSet<>();
    if (svc == null) {
      return keys;
    }
    String ip = svc.path("spec").path("clusterIP").asText("");
    if (!ip.isEmpty() && !ip.equals("None")) {
      keys.add(IP_PREFIX + ip);
    }
    for (JsonNode p : svc.path("spec").path("ports")) {
      int np = p.path("nodePort").asInt(0);
      if (np > 0) {
        keys.add(PORT_PREFIX + np);
      }
    }
    return keys;
  }

  /**
   * Fills in what the service lacks: a cluster IP (kept from {@code old} on update) and node ports for
   * NodePort services. Given values are checked against the ranges. Returns the names of fields the caller
   * gave explicitly (a taken one then means 422 rather than another try).
   */
  public Set<String> allocate(ObjectNode svc, JsonNode old) {
    Set<String> given = new LinkedHashSet<>();
    ObjectNode spec = svc.with("spec");
    String ip = spec.path("clusterIP").asText("");
    String oldIp = old == null ? "" : old.path("spec").path("clusterIP").asText("");
    if (wantsClusterIp(svc)) {
      if (ip.isEmpty() && !oldIp.isEmpty()) {
        spec.put("clusterIP", oldIp);
      } else if (ip.isEmpty()) {
        String chosen = randomIp();
        spec.put("clusterIP", chosen);
        spec.putArray("clusterIPs").add(chosen);
      } else if (!ip.equals("None")) {
        if (!ip.equals(oldIp)) {
          given.add(IP_PREFIX + ip);
        }
      }
      String now = spec.path("clusterIP").asText();
      if (!spec.has("clusterIPs") || spec.path("clusterIPs").isEmpty()) {
        spec.putArray("clusterIPs").add(now);
      }
    }
    if (wantsNodePorts(svc) && spec.path("ports").isArray()) {
      Set<Integer> taken = new java.util.HashSet<>();
      for (JsonNode p : spec.path("ports")) {
        taken.add(p.path("nodePort").asInt(0));
      }
      int i = 0;
      for (JsonNode p : spec.path("ports")) {
        ObjectNode port = (ObjectNode) p;
        int np = port.path("nodePort").asInt(0);
        if (np == 0) {
          JsonNode oldPort = old == null ? null : old.path("spec").path("ports").path(i);
          int previous = oldPort == null ? 0 : oldPort.path("nodePort").asInt(0);
          int chosen = previous;
          while (chosen == 0 || taken.contains(chosen)) {
            chosen = randomPort();
          }
          taken.add(chosen);
          port.put("nodePort", chosen);
        } else {
          boolean wasThere = false;
          if (old != null) {
            for (JsonNode op : old.path("spec").path("ports")) {
              wasThere |= op.path("nodePort").asInt(0) == np;
            }
          }
          if (!wasThere) {
            given.add(PORT_PREFIX + np);
          }
        }
        i++;
      }
    }
    return given;
  }

  /** Range errors of given values, field by field. */
  public java.util.List<FieldError> check(JsonNode svc) {
    java.util.List<FieldError> errors = new java.util.ArrayList<>();
    String ip = svc.path("spec").path("clusterIP").asText("");
    if (!ip.isEmpty() && !ip.equals("None") && !contains(ip)) {
      errors.add(FieldError.invalid("spec.clusterIP", ip,
          "provided IP is not in the valid range. The range of valid IPs is " + cidr));
    }
    int i = 0;
    for (JsonNode p : svc.path("spec").path("ports")) {
      int np = p.path("nodePort").asInt(0);
      if (np != 0 && !portInRange(np)) {
        errors.add(FieldError.invalid("spec.ports[" + i + "].nodePort", np,
            "provided port is not in the valid range. The range of valid ports is " + portMin + "-" + portMax));
      }
      i++;
    }
    return errors;
  }
}
