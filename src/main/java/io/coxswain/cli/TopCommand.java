package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "top", description = "Show CPU and memory use of nodes or pods (from the metrics.k8s.io API, when the cluster serves it).")
final class TopCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "nodes|pods")
  String what;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME")
  String name;

  @Option(names = {"-A", "--all-namespaces"})
  boolean allNamespaces;

  @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR")
  String selector;

  @Override
  protected int execute() {
    ResourceType t = ResourceType.of(what);
    if (t != ResourceType.NODES && t != ResourceType.PODS) {
      throw CliException.usage("top shows nodes or pods");
    }
    String base = "/apis/metrics.k8s.io/v1beta1";
    String path = t == ResourceType.NODES ? base + "/nodes"
        : base + (allNamespaces ? "" : "/namespaces/" + namespace()) + "/pods";
    if (name != null) {
      path += "/" + Query.encode(name);
    }
    JsonNode metrics;
    try {
      metrics = api().get(new Query().add("labelSelector", selector).on(path));
    } catch (ApiError e) {
      if (e.isNotFound() && (name == null || e.status() == null || !e.status().path("details").has("name"))) {
        throw new CliException("error: Metrics API not available");
      }
      throw e;
    }
    List<JsonNode> items = new ArrayList<>();
    if (metrics.has("items")) {
      metrics.path("items").forEach(items::add);
    } else {
      items.add(metrics);
    }
    if (items.isEmpty() && t == ResourceType.NODES) {
      // as kubectl top: no node has figures (none registered, or no kubelet answered)
      throw new CliException("error: metrics not available yet");
    }
    if (items.isEmpty()) {
      err().println(t == ResourceType.PODS && !allNamespaces ? "No resources found in " + namespace() + " namespace." : "No resources found");
      return 0;
    }
    out().print(t == ResourceType.NODES ? nodes(items) : pods(items));
    return 0;
  }

  private String nodes(List<JsonNode> items) {
    Map<String, JsonNode> allocatable = new HashMap<>();
    for (JsonNode n : api().get(ResourceType.NODES.path(null, null)).path("items")) {
      allocatable.put(n.path("metadata").path("name").asText(), n.path("status").path("allocatable"));
    }
    List<List<String>> lines = new ArrayList<>();
    lines.add(List.of("NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"));
    for (JsonNode m : items) {
      String node = m.path("metadata").path("name").asText();
      BigDecimal cpu = Quantities.parse(m.path("usage").path("cpu").asText("0"));
      BigDecimal mem = Quantities.parse(m.path("usage").path("memory").asText("0"));
      JsonNode alloc = allocatable.getOrDefault(node, CliJson.object());
      lines.add(List.of(node, Quantities.millicores(cpu), percent(cpu, alloc.path("cpu").asText(null)),
          Quantities.mebibytes(mem), percent(mem, alloc.path("memory").asText(null))));
    }
    return TableFormat.align(lines);
  }

  private String pods(List<JsonNode> items) {
    List<List<String>> lines = new ArrayList<>();
    lines.add(allNamespaces ? List.of("NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)") : List.of("NAME", "CPU(cores)", "MEMORY(bytes)"));
    for (JsonNode m : items) {
      BigDecimal cpu = BigDecimal.ZERO;
      BigDecimal mem = BigDecimal.ZERO;
      for (JsonNode c : m.path("containers")) {
        cpu = cpu.add(Quantities.parse(c.path("usage").path("cpu").asText("0")));
        mem = mem.add(Quantities.parse(c.path("usage").path("memory").asText("0")));
      }
      List<String> row = new ArrayList<>();
      if (allNamespaces) {
        row.add(m.path("metadata").path("namespace").asText());
      }
      row.add(m.path("metadata").path("name").asText());
      row.add(Quantities.millicores(cpu));
      row.add(Quantities.mebibytes(mem));
      lines.add(row);
    }
    return TableFormat.align(lines);
  }

  private static String percent(BigDecimal used, String capacity) {
    if (capacity == null) {
      return "<unknown>";
    }
    BigDecimal cap = Quantities.parse(capacity);
    if (cap.signum() == 0) {
      return "<unknown>";
    }
    return used.multiply(BigDecimal.valueOf(100)).divide(cap, 0, RoundingMode.DOWN) + "%";
  }
}
