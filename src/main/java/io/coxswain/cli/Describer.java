package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * kubectl's describe layout for pods, services, replication controllers, nodes, namespaces and endpoints:
 * {@code Key:<tab>value} lines, two spaces per level, aligned by a tabwriter with 2 spaces of padding,
 * then the object's events.
 */
final class Describer {
  private static final DateTimeFormatter RFC1123 =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneId.of("UTC"));

  private final StringBuilder b = new StringBuilder();
  private final Instant now;

  private Describer(Instant now) {
    this.now = now;
  }

  static String describe(JsonNode o, ResourceType type, List<JsonNode> events, Instant now) {
    return describe(o, type, events, List.of(), now);
  }

  /**
   * @param related what else the layout shows: a service's Endpoints object, a replication controller's
   *     pods (for Pods Status)
   */
  static String describe(JsonNode o, ResourceType type, List<JsonNode> events, List<JsonNode> related, Instant now) {
    Describer d = new Describer(now);
    if (type == ResourceType.PODS) {
      d.pod(o);
    } else if (type == ResourceType.SERVICES) {
      d.service(o, related);
    } else if (type == ResourceType.REPLICATION_CONTROLLERS) {
      d.replicationController(o, related);
    } else if (type == ResourceType.NODES) {
      d.node(o, related);
    } else if (type == ResourceType.NAMESPACES) {
      d.namespace(o);
    } else if (type == ResourceType.ENDPOINTS) {
      d.endpoints(o);
    } else {
      d.generic(o);
    }
    if (events != null) {
      d.events(events);
    }
    return TabWriter.format(d.b.toString(), 2);
  }

  private void w(int level, String key, String value) {
    b.append("  ".repeat(level)).append(key).append(":\t").append(value).append('\n');
  }

  private void line(int level, String text) {
    b.append("  ".repeat(level)).append(text).append('\n');
  }

  private static String text(JsonNode n, String dflt) {
    return n == null || n.isMissingNode() || n.isNull() || n.asText().isEmpty() ? dflt : n.asText();
  }

  private String time(JsonNode ts) {
    try {
      return RFC1123.format(Instant.parse(ts.asText()));
    } catch (RuntimeException e) {
      return "<unknown>";
    }
  }

  private void multiline(int level, String key, JsonNode map) {
    if (map == null || !map.isObject() || map.isEmpty()) {
      w(level, key, "<none>");
      return;
    }
    Map<String, String> sorted = new TreeMap<>();
    map.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
    if (key.equals("Annotations")) {
      sorted.remove(ApplyPatch.LAST_APPLIED);
    }
    if (sorted.isEmpty()) {
      w(level, key, "<none>");
      return;
    }
    boolean first = true;
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      String kv = e.getKey() + "=" + e.getValue();
      if (key.equals("Annotations")) {
        kv = e.getKey() + ": " + e.getValue().replace("\n", " ");
      }
      if (first) {
        w(level, key, kv);
        first = false;
      } else {
        b.append("  ".repeat(level)).append('\t').append(kv).append('\n');
      }
    }
  }

  private void meta(JsonNode o, boolean namespaced) {
    JsonNode m = o.path("metadata");
    w(0, "Name", m.path("name").asText());
    if (namespaced) {
      w(0, "Namespace", m.path("namespace").asText());
    }
  }

  private void pod(JsonNode p) {
    JsonNode m = p.path("metadata");
    JsonNode spec = p.path("spec");
    JsonNode status = p.path("status");
    meta(p, true);
    w(0, "Priority", text(spec.path("priority"), "0"));
    if (!text(spec.path("serviceAccountName"), "").isEmpty()) {
      w(0, "Service Account", spec.path("serviceAccountName").asText());
    }
    String node = text(spec.path("nodeName"), "<none>");
    w(0, "Node", node.equals("<none>") ? node : node + "/" + text(status.path("hostIP"), ""));
    if (status.has("startTime")) {
      w(0, "Start Time", time(status.path("startTime")));
    }
    multiline(0, "Labels", m.path("labels"));
    multiline(0, "Annotations", m.path("annotations"));
    if (m.has("deletionTimestamp")) {
      w(0, "Status", "Terminating (lasts " + TableFormat.age(m.path("deletionTimestamp").asText(), now) + ")");
      w(0, "Termination Grace Period", text(m.path("deletionGracePeriodSeconds"), "30") + "s");
    } else {
      w(0, "Status", text(status.path("phase"), "Pending"));
    }
    if (status.has("reason")) {
      w(0, "Reason", status.path("reason").asText());
    }
    if (status.has("message")) {
      w(0, "Message", status.path("message").asText());
    }
    w(0, "IP", text(status.path("podIP"), ""));
    if (status.path("podIPs").isArray() && !status.path("podIPs").isEmpty()) {
      line(0, "IPs:");
      for (JsonNode ip : status.path("podIPs")) {
        w(1, "IP", ip.path("ip").asText());
      }
    } else {
      w(0, "IPs", "<none>");
    }
    JsonNode owners = m.path("ownerReferences");
    if (owners.isArray() && !owners.isEmpty()) {
      JsonNode ow = owners.get(0);
      w(0, "Controlled By", ow.path("kind").asText() + "/" + ow.path("name").asText());
    }
    line(0, "Containers:");
    for (JsonNode c : spec.path("containers")) {
      container(c, status.path("containerStatuses"));
    }
    if (status.path("conditions").isArray() && !status.path("conditions").isEmpty()) {
      line(0, "Conditions:");
      b.append("  Type\tStatus\n");
      for (JsonNode c : status.path("conditions")) {
        b.append("  ").append(c.path("type").asText()).append(" \t").append(c.path("status").asText()).append(" \n");
      }
    }
    JsonNode volumes = spec.path("volumes");
    if (!volumes.isArray() || volumes.isEmpty()) {
      w(0, "Volumes", "<none>");
    } else {
      line(0, "Volumes:");
      for (JsonNode v : volumes) {
        line(1, v.path("name").asText() + ":");
        Iterator<String> names = v.fieldNames();
        while (names.hasNext()) {
          String n = names.next();
          if (!n.equals("name")) {
            w(2, "Type", n);
            v.path(n).fields().forEachRemaining(e -> w(2, capitalize(e.getKey()), e.getValue().asText()));
          }
        }
      }
    }
    w(0, "QoS Class", text(status.path("qosClass"), "BestEffort"));
    multiline(0, "Node-Selectors", spec.path("nodeSelector"));
    tolerations(0, spec.path("tolerations"));
  }

  /** One toleration a line: {@code key[=value]:effect [op=Exists] [for Ns]}. */
  private void tolerations(int level, JsonNode tolerations) {
    if (!tolerations.isArray() || tolerations.isEmpty()) {
      w(level, "Tolerations", "<none>");
      return;
    }
    boolean first = true;
    for (JsonNode t : tolerations) {
      String s = t.path("key").asText("");
      if (t.has("value") && !t.path("value").asText().isEmpty()) {
        s += "=" + t.path("value").asText();
      }
      if (t.has("effect") && !t.path("effect").asText().isEmpty()) {
        s += ":" + t.path("effect").asText();
      }
      if ("Exists".equals(t.path("operator").asText())) {
        s += " op=Exists";
      }
      if (t.has("tolerationSeconds")) {
        s += " for " + t.path("tolerationSeconds").asText() + "s";
      }
      if (first) {
        w(level, "Tolerations", s);
        first = false;
      } else {
        b.append("  ".repeat(level)).append('\t').append(s).append('\n');
      }
    }
  }

  private static String capitalize(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private void container(JsonNode c, JsonNode statuses) {
    String name = c.path("name").asText();
    JsonNode st = null;
    for (JsonNode s : statuses) {
      if (name.equals(s.path("name").asText())) {
        st = s;
      }
    }
    line(1, name + ":");
    if (st != null && !text(st.path("containerID"), "").isEmpty()) {
      w(2, "Container ID", st.path("containerID").asText());
    }
    w(2, "Image", c.path("image").asText());
    if (st != null && !text(st.path("imageID"), "").isEmpty()) {
      w(2, "Image ID", st.path("imageID").asText());
    }
    JsonNode ports = c.path("ports");
    if (!ports.isArray() || ports.isEmpty()) {
      w(2, "Port", "<none>");
      w(2, "Host Port", "<none>");
    } else {
      List<String> ps = new ArrayList<>();
      List<String> hs = new ArrayList<>();
      for (JsonNode p : ports) {
        String proto = text(p.path("protocol"), "");
        ps.add(p.path("containerPort").asText() + "/" + proto);
        hs.add(text(p.path("hostPort"), "0") + "/" + proto);
      }
      w(2, ports.size() > 1 ? "Ports" : "Port", String.join(", ", ps));
      w(2, ports.size() > 1 ? "Host Ports" : "Host Port", String.join(", ", hs));
    }
    if (c.has("command")) {
      line(2, "Command:");
      c.path("command").forEach(a -> line(3, a.asText()));
    }
    if (c.has("args")) {
      line(2, "Args:");
      c.path("args").forEach(a -> line(3, a.asText()));
    }
    if (st != null) {
      state(2, "State", st.path("state"));
      if (st.has("lastState") && !st.path("lastState").isEmpty()) {
        state(2, "Last State", st.path("lastState"));
      }
      w(2, "Ready", st.path("ready").asBoolean() ? "True" : "False");
      w(2, "Restart Count", text(st.path("restartCount"), "0"));
    }
    JsonNode limits = c.path("resources").path("limits");
    JsonNode requests = c.path("resources").path("requests");
    resources(2, "Limits", limits);
    resources(2, "Requests", requests);
    if (c.has("livenessProbe")) {
      w(2, "Liveness", probe(c.path("livenessProbe")));
    }
    if (c.has("readinessProbe")) {
      w(2, "Readiness", probe(c.path("readinessProbe")));
    }
    JsonNode env = c.path("env");
    if (!env.isArray() || env.isEmpty()) {
      w(2, "Environment", "<none>");
    } else {
      line(2, "Environment:");
      for (JsonNode e : env) {
        w(3, e.path("name").asText(), e.has("value") ? e.path("value").asText() : "<set to the key from a source>");
      }
    }
    JsonNode mounts = c.path("volumeMounts");
    if (!mounts.isArray() || mounts.isEmpty()) {
      w(2, "Mounts", "<none>");
    } else {
      line(2, "Mounts:");
      for (JsonNode vm : mounts) {
        line(3, vm.path("mountPath").asText() + " from " + vm.path("name").asText()
            + (vm.path("readOnly").asBoolean() ? " (ro)" : " (rw)"));
      }
    }
  }

  private void resources(int level, String key, JsonNode values) {
    if (values.isObject() && !values.isEmpty()) {
      line(level, key + ":");
      values.fields().forEachRemaining(e -> w(level + 1, e.getKey(), Quantities.canonical(e.getValue().asText())));
    }
  }

  private static String probe(JsonNode p) {
    String kind;
    if (p.has("httpGet")) {
      JsonNode h = p.path("httpGet");
      kind = "http-get " + text(h.path("scheme"), "HTTP").toLowerCase(Locale.ROOT) + "://" + text(h.path("host"), "")
          + ":" + h.path("port").asText() + text(h.path("path"), "");
    } else if (p.has("tcpSocket")) {
      kind = "tcp-socket :" + p.path("tcpSocket").path("port").asText();
    } else if (p.has("exec")) {
      List<String> cmd = new ArrayList<>();
      p.path("exec").path("command").forEach(a -> cmd.add(a.asText()));
      kind = "exec " + cmd;
    } else {
      kind = "unknown";
    }
    return kind + " delay=" + text(p.path("initialDelaySeconds"), "0") + "s timeout=" + text(p.path("timeoutSeconds"), "1")
        + "s period=" + text(p.path("periodSeconds"), "10") + "s #success=" + text(p.path("successThreshold"), "1")
        + " #failure=" + text(p.path("failureThreshold"), "3");
  }

  private void state(int level, String key, JsonNode state) {
    if (state.has("running")) {
      w(level, key, "Running");
      w(level + 1, "Started", time(state.path("running").path("startedAt")));
    } else if (state.has("waiting")) {
      w(level, key, "Waiting");
      if (state.path("waiting").has("reason")) {
        w(level + 1, "Reason", state.path("waiting").path("reason").asText());
      }
    } else if (state.has("terminated")) {
      JsonNode t = state.path("terminated");
      w(level, key, "Terminated");
      w(level + 1, "Reason", text(t.path("reason"), ""));
      if (t.has("message")) {
        w(level + 1, "Message", t.path("message").asText());
      }
      w(level + 1, "Exit Code", text(t.path("exitCode"), "0"));
      w(level + 1, "Started", time(t.path("startedAt")));
      w(level + 1, "Finished", time(t.path("finishedAt")));
    } else {
      w(level, key, "Waiting");
    }
  }

  private void service(JsonNode s, List<JsonNode> related) {
    JsonNode m = s.path("metadata");
    JsonNode spec = s.path("spec");
    meta(s, true);
    multiline(0, "Labels", m.path("labels"));
    multiline(0, "Annotations", m.path("annotations"));
    w(0, "Selector", selectorText(spec.path("selector")));
    w(0, "Type", text(spec.path("type"), ""));
    if (spec.has("ipFamilyPolicy")) {
      w(0, "IP Family Policy", spec.path("ipFamilyPolicy").asText());
    }
    w(0, "IP Families", spec.path("ipFamilies").isArray() && !spec.path("ipFamilies").isEmpty()
        ? join(spec.path("ipFamilies")) : "<none>");
    w(0, "IP", text(spec.path("clusterIP"), ""));
    w(0, "IPs", spec.path("clusterIPs").isArray() && !spec.path("clusterIPs").isEmpty()
        ? join(spec.path("clusterIPs")) : "<none>");
    for (JsonNode p : spec.path("ports")) {
      String name = text(p.path("name"), "<unset>");
      String proto = text(p.path("protocol"), "");
      w(0, "Port", name + "  " + p.path("port").asText() + "/" + proto);
      w(0, "TargetPort", text(p.path("targetPort"), p.path("port").asText()) + "/" + proto);
      if (p.has("nodePort")) {
        w(0, "NodePort", name + "  " + p.path("nodePort").asText() + "/" + proto);
      }
      w(0, "Endpoints", endpointsText(related));
    }
    w(0, "Session Affinity", text(spec.path("sessionAffinity"), ""));
    if (spec.has("internalTrafficPolicy")) {
      w(0, "Internal Traffic Policy", spec.path("internalTrafficPolicy").asText());
    }
  }

  private static String endpointsText(List<JsonNode> endpoints) {
    List<String> parts = new ArrayList<>();
    for (JsonNode ep : endpoints) {
      for (JsonNode subset : ep.path("subsets")) {
        for (JsonNode a : subset.path("addresses")) {
          for (JsonNode port : subset.path("ports")) {
            parts.add(a.path("ip").asText() + ":" + port.path("port").asText());
          }
        }
      }
    }
    if (parts.isEmpty()) {
      return "<none>";
    }
    if (parts.size() > 3) {
      return String.join(",", parts.subList(0, 3)) + " + " + (parts.size() - 3) + " more...";
    }
    return String.join(",", parts);
  }

  private static String join(JsonNode arr) {
    List<String> parts = new ArrayList<>();
    arr.forEach(a -> parts.add(a.asText()));
    return String.join(",", parts);
  }

  private static String selectorText(JsonNode selector) {
    if (!selector.isObject() || selector.isEmpty()) {
      return "<none>";
    }
    return TableFormat.formatLabels(selector);
  }

  private void replicationController(JsonNode rc, List<JsonNode> pods) {
    JsonNode m = rc.path("metadata");
    JsonNode spec = rc.path("spec");
    JsonNode status = rc.path("status");
    meta(rc, true);
    w(0, "Selector", selectorText(spec.path("selector")));
    multiline(0, "Labels", m.path("labels"));
    multiline(0, "Annotations", m.path("annotations"));
    w(0, "Replicas", text(status.path("replicas"), "0") + " current / " + text(spec.path("replicas"), "1") + " desired");
    int running = 0;
    int waiting = 0;
    int succeeded = 0;
    int failed = 0;
    for (JsonNode p : pods) {
      switch (p.path("status").path("phase").asText("Pending")) {
        case "Running" -> running++;
        case "Succeeded" -> succeeded++;
        case "Failed" -> failed++;
        default -> waiting++;
      }
    }
    w(0, "Pods Status", running + " Running / " + waiting + " Waiting / " + succeeded + " Succeeded / " + failed + " Failed");
    JsonNode template = spec.path("template");
    line(0, "Pod Template:");
    multiline(1, "Labels", template.path("metadata").path("labels"));
    line(1, "Containers:");
    for (JsonNode c : template.path("spec").path("containers")) {
      StringBuilder saved = new StringBuilder();
      int mark = b.length();
      container(c, CliJson.array());
      saved.append(b.substring(mark));
      b.setLength(mark);
      boolean firstLine = true;
      for (String l : saved.toString().split("\n")) {
        // kubectl indents the template's container name one space less than its fields
        b.append(firstLine ? " " : "").append(l).append('\n');
        firstLine = false;
      }
    }
    JsonNode templateSpec = template.path("spec");
    JsonNode volumes = templateSpec.path("volumes");
    if (!volumes.isArray() || volumes.isEmpty()) {
      w(1, "Volumes", "<none>");
    } else {
      line(1, "Volumes:");
      for (JsonNode v : volumes) {
        line(2, v.path("name").asText() + ":");
      }
    }
    multiline(1, "Node-Selectors", templateSpec.path("nodeSelector"));
    tolerations(1, templateSpec.path("tolerations"));
    JsonNode conditions = status.path("conditions");
    if (conditions.isArray() && !conditions.isEmpty()) {
      line(0, "Conditions:");
      b.append("  Type\tStatus\tReason\n");
      b.append("  ----\t------\t------\n");
      for (JsonNode c : conditions) {
        b.append("  ").append(c.path("type").asText()).append(" \t").append(c.path("status").asText()).append(" \t")
            .append(c.path("reason").asText("")).append('\n');
      }
    }
  }

  private void node(JsonNode n, List<JsonNode> pods) {
    JsonNode m = n.path("metadata");
    JsonNode spec = n.path("spec");
    JsonNode status = n.path("status");
    meta(n, false);
    w(0, "Roles", "<none>");
    multiline(0, "Labels", m.path("labels"));
    multiline(0, "Annotations", m.path("annotations"));
    w(0, "CreationTimestamp", time(m.path("creationTimestamp")));
    JsonNode taints = spec.path("taints");
    if (taints.isArray() && !taints.isEmpty()) {
      boolean first = true;
      for (JsonNode t : taints) {
        String s = t.path("key").asText() + (t.has("value") ? "=" + t.path("value").asText() : "") + ":" + t.path("effect").asText();
        if (first) {
          w(0, "Taints", s);
          first = false;
        } else {
          b.append('\t').append(s).append('\n');
        }
      }
    } else {
      w(0, "Taints", "<none>");
    }
    w(0, "Unschedulable", spec.path("unschedulable").asBoolean() ? "true" : "false");
    JsonNode conditions = status.path("conditions");
    if (conditions.isArray() && !conditions.isEmpty()) {
      line(0, "Conditions:");
      b.append("  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
      b.append("  ----\t------\t-----------------\t------------------\t------\t-------\n");
      for (JsonNode c : conditions) {
        b.append("  ").append(c.path("type").asText()).append(" \t").append(c.path("status").asText()).append(" \t")
            .append(time(c.path("lastHeartbeatTime"))).append(" \t").append(time(c.path("lastTransitionTime"))).append(" \t")
            .append(c.path("reason").asText("")).append(" \t").append(c.path("message").asText("")).append('\n');
      }
    }
    JsonNode addresses = status.path("addresses");
    if (addresses.isArray() && !addresses.isEmpty()) {
      line(0, "Addresses:");
      for (JsonNode a : addresses) {
        w(1, a.path("type").asText(), a.path("address").asText());
      }
    }
    resources(0, "Capacity", status.path("capacity"));
    resources(0, "Allocatable", status.path("allocatable"));
    JsonNode info = status.path("nodeInfo");
    if (info.isObject() && !info.isEmpty()) {
      line(0, "System Info:");
      String[][] keys = {{"machineID", "Machine ID"}, {"systemUUID", "System UUID"}, {"bootID", "Boot ID"},
          {"kernelVersion", "Kernel Version"}, {"osImage", "OS Image"}, {"operatingSystem", "Operating System"},
          {"architecture", "Architecture"}, {"containerRuntimeVersion", "Container Runtime Version"},
          {"kubeletVersion", "Kubelet Version"}, {"kubeProxyVersion", "Kube-Proxy Version"}};
      for (String[] k : keys) {
        w(1, k[1], info.path(k[0]).asText(""));
      }
    }
    if (!spec.path("podCIDR").asText("").isEmpty()) {
      w(0, "PodCIDR", spec.path("podCIDR").asText());
    }
    if (spec.path("podCIDRs").isArray() && !spec.path("podCIDRs").isEmpty()) {
      w(0, "PodCIDRs", join(spec.path("podCIDRs")));
    }
    if (!spec.path("providerID").asText("").isEmpty()) {
      w(0, "ProviderID", spec.path("providerID").asText());
    }
    nodeResources(status, pods);
  }

  /** The node's non-terminated pods with what they request and limit, and the totals against allocatable. */
  private void nodeResources(JsonNode status, List<JsonNode> pods) {
    JsonNode allocatable = status.path("allocatable").isObject() && !status.path("allocatable").isEmpty()
        ? status.path("allocatable") : status.path("capacity");
    BigDecimal cpuAlloc = quantity(allocatable.path("cpu"));
    BigDecimal memAlloc = quantity(allocatable.path("memory"));
    w(0, "Non-terminated Pods", "(" + pods.size() + " in total)");
    b.append("  Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
    b.append("  ---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
    Map<String, BigDecimal> totalRequests = new TreeMap<>();
    Map<String, BigDecimal> totalLimits = new TreeMap<>();
    Map<String, Boolean> binary = new TreeMap<>();
    for (JsonNode p : pods) {
      Map<String, BigDecimal> requests = podResources(p.path("spec"), "requests", binary);
      Map<String, BigDecimal> limits = podResources(p.path("spec"), "limits", binary);
      requests.forEach((k, v) -> totalRequests.merge(k, v, BigDecimal::add));
      limits.forEach((k, v) -> totalLimits.merge(k, v, BigDecimal::add));
      b.append("  ").append(p.path("metadata").path("namespace").asText()).append('\t')
          .append(p.path("metadata").path("name").asText()).append("\t\t")
          .append(share(requests, "cpu", cpuAlloc, binary)).append('\t').append(share(limits, "cpu", cpuAlloc, binary)).append('\t')
          .append(share(requests, "memory", memAlloc, binary)).append('\t').append(share(limits, "memory", memAlloc, binary)).append('\t')
          .append(TableFormat.age(p.path("metadata").path("creationTimestamp").asText(""), now)).append('\n');
    }
    line(0, "Allocated resources:");
    line(1, "(Total limits may be over 100 percent, i.e., overcommitted.)");
    b.append("  Resource\tRequests\tLimits\n");
    b.append("  --------\t--------\t------\n");
    for (String r : List.of("cpu", "memory", "ephemeral-storage")) {
      BigDecimal alloc = quantity(allocatable.path(r));
      b.append("  ").append(r).append('\t').append(share(totalRequests, r, alloc, binary)).append('\t')
          .append(share(totalLimits, r, alloc, binary)).append('\n');
    }
    List<String> extended = new ArrayList<>();
    allocatable.fieldNames().forEachRemaining(r -> {
      if (r.startsWith("hugepages-") || (r.contains("/") && !r.startsWith("kubernetes.io/"))) {
        extended.add(r);
      }
    });
    extended.sort(null);
    for (String r : extended) {
      b.append("  ").append(r).append('\t').append(amount(totalRequests, r, binary)).append('\t')
          .append(amount(totalLimits, r, binary)).append('\n');
    }
  }

  private static BigDecimal quantity(JsonNode q) {
    try {
      return q.isMissingNode() || q.isNull() ? BigDecimal.ZERO : Quantities.parse(q.asText());
    } catch (RuntimeException e) {
      return BigDecimal.ZERO;
    }
  }

  /** A pod's requests or limits: the sum over its containers, at least the largest init container's. */
  private static Map<String, BigDecimal> podResources(JsonNode spec, String which, Map<String, Boolean> binary) {
    Map<String, BigDecimal> sum = new TreeMap<>();
    for (JsonNode c : spec.path("containers")) {
      c.path("resources").path(which).properties().forEach(e -> {
        binary.putIfAbsent(e.getKey(), Quantities.binary(e.getValue().asText()));
        sum.merge(e.getKey(), quantity(e.getValue()), BigDecimal::add);
      });
    }
    for (JsonNode c : spec.path("initContainers")) {
      c.path("resources").path(which).properties().forEach(e -> {
        binary.putIfAbsent(e.getKey(), Quantities.binary(e.getValue().asText()));
        sum.merge(e.getKey(), quantity(e.getValue()), BigDecimal::max);
      });
    }
    spec.path("overhead").properties().forEach(e -> {
      if (sum.containsKey(e.getKey())) {
        sum.merge(e.getKey(), quantity(e.getValue()), BigDecimal::add);
      }
    });
    return sum;
  }

  private static String amount(Map<String, BigDecimal> values, String resource, Map<String, Boolean> binary) {
    return Quantities.format(values.getOrDefault(resource, BigDecimal.ZERO), binary.getOrDefault(resource, false));
  }

  private static String share(Map<String, BigDecimal> values, String resource, BigDecimal allocatable, Map<String, Boolean> binary) {
    BigDecimal v = values.getOrDefault(resource, BigDecimal.ZERO);
    long percent = allocatable.signum() == 0 ? 0
        : v.multiply(BigDecimal.valueOf(100)).divide(allocatable, 0, java.math.RoundingMode.DOWN).longValue();
    return amount(values, resource, binary) + " (" + percent + "%)";
  }

  private void namespace(JsonNode ns) {
    JsonNode m = ns.path("metadata");
    meta(ns, false);
    multiline(0, "Labels", m.path("labels"));
    multiline(0, "Annotations", m.path("annotations"));
    w(0, "Status", text(ns.path("status").path("phase"), "Active"));
  }

  private void endpoints(JsonNode ep) {
    JsonNode m = ep.path("metadata");
    meta(ep, true);
    multiline(0, "Labels", m.path("labels"));
    multiline(0, "Annotations", m.path("annotations"));
    line(0, "Subsets:");
    for (JsonNode s : ep.path("subsets")) {
      List<String> ready = new ArrayList<>();
      s.path("addresses").forEach(a -> ready.add(a.path("ip").asText()));
      List<String> notReady = new ArrayList<>();
      s.path("notReadyAddresses").forEach(a -> notReady.add(a.path("ip").asText()));
      w(1, "Addresses", ready.isEmpty() ? "<none>" : String.join(",", ready));
      w(1, "NotReadyAddresses", notReady.isEmpty() ? "<none>" : String.join(",", notReady));
      line(1, "Ports:");
      b.append("    Name\tPort\tProtocol\n");
      b.append("    ----\t----\t--------\n");
      for (JsonNode p : s.path("ports")) {
        b.append("    ").append(text(p.path("name"), "<unset>")).append('\t').append(p.path("port").asText()).append('\t')
            .append(text(p.path("protocol"), "TCP")).append('\n');
      }
      b.append('\n');
    }
  }

  /**
   * What kubectl prints for a kind it has no layout for (events among them): name, namespace, labels and
   * annotations, then every other field in key order, labelled in words ("firstTimestamp" is "First
   * Timestamp"), maps and lists one level deeper.
   */
  private void generic(JsonNode o) {
    JsonNode m = o.path("metadata");
    w(0, "Name", m.path("name").asText(""));
    w(0, "Namespace", m.path("namespace").asText(""));
    multiline(0, "Labels", m.path("labels"));
    multiline(0, "Annotations", m.path("annotations"));
    content(0, o, "", List.of(".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations"));
  }

  private void content(int level, JsonNode map, String prefix, List<String> skip) {
    List<String> fields = new ArrayList<>();
    map.fieldNames().forEachRemaining(fields::add);
    fields.sort(null);
    for (String field : fields) {
      JsonNode value = map.get(field);
      String at = prefix + "." + field;
      if (skip.contains(at)) {
        continue;
      }
      if (value.isObject()) {
        line(level, label(field) + ":");
        content(level + 1, value, at, skip);
      } else if (value.isArray()) {
        line(level, label(field) + ":");
        for (JsonNode item : value) {
          if (item.isObject()) {
            content(level + 1, item, at, skip);
          } else {
            line(level + 1, scalar(item));
          }
        }
      } else {
        w(level, label(field), scalar(value));
      }
    }
  }

  private static String scalar(JsonNode v) {
    return v.isNull() ? "<nil>" : v.isContainerNode() ? CliJson.compact(v) : v.asText();
  }

  private static final List<String> ACRONYMS = List.of("API", "URL", "UID", "OSB", "GUID");

  /** A field name in words: camelCase split into title-cased parts, the common acronyms in capitals. */
  static String label(String field) {
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (!Character.isLetter(c) && c != '-') {
        return field;
      }
    }
    List<String> parts = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      boolean upper = Character.isUpperCase(c);
      boolean boundary = part.length() > 0 && (upper && (Character.isLowerCase(part.charAt(part.length() - 1))
          || (i + 1 < field.length() && Character.isLowerCase(field.charAt(i + 1))
              && Character.isUpperCase(part.charAt(part.length() - 1)))));
      boolean kindChange = part.length() > 0 && (c == '-') != (part.charAt(part.length() - 1) == '-');
      if (boundary || kindChange) {
        parts.add(part.toString());
        part.setLength(0);
      }
      part.append(c);
    }
    if (part.length() > 0) {
      parts.add(part.toString());
    }
    List<String> out = new ArrayList<>();
    for (String p : parts) {
      String upper = p.toUpperCase(Locale.ROOT);
      out.add(ACRONYMS.contains(upper) ? upper : Character.toUpperCase(p.charAt(0)) + p.substring(1));
    }
    return String.join(" ", out);
  }

  private void events(List<JsonNode> events) {
    if (events.isEmpty()) {
      w(0, "Events", "<none>");
      return;
    }
    line(0, "Events:");
    b.append("  Type\tReason\tAge\tFrom\tMessage\n");
    b.append("  ----\t------\t----\t----\t-------\n");
    for (JsonNode e : events) {
      String first = text(e.path("firstTimestamp"), text(e.path("eventTime"), e.path("metadata").path("creationTimestamp").asText()));
      String last = text(e.path("lastTimestamp"), first);
      int count = e.path("count").asInt(1);
      String age = count > 1
          ? TableFormat.age(last, now) + " (x" + count + " over " + TableFormat.age(first, now) + ")"
          : TableFormat.age(first, now);
      String from = text(e.path("source").path("component"), text(e.path("reportingComponent"), ""));
      if (e.path("source").has("host")) {
        from += ", " + e.path("source").path("host").asText();
      }
      b.append("  ").append(e.path("type").asText()).append('\t').append(e.path("reason").asText()).append('\t')
          .append(age).append('\t').append(from).append('\t').append(e.path("message").asText().strip()).append('\n');
    }
  }
}
