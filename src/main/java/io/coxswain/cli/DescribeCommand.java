package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "describe", description = "Show the details of objects, their conditions and recent events.")
final class DescribeCommand extends ClientCommand {
  @Parameters(paramLabel = "TYPE[/NAME] [NAME...]", arity = "1..*")
  List<String> args = new ArrayList<>();

  @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR")
  String selector;

  @Option(names = {"-A", "--all-namespaces"})
  boolean allNamespaces;

  @Option(names = "--show-events", arity = "1", defaultValue = "true", paramLabel = "BOOL")
  boolean showEvents;

  @Override
  protected int execute() {
    ResourceArgs ra = ResourceArgs.parse(args, "describe");
    String ns = allNamespaces ? null : namespace();
    boolean first = true;
    boolean any = false;
    for (Map.Entry<ResourceType, List<String>> e : ra.byType().entrySet()) {
      ResourceType t = e.getKey();
      List<JsonNode> objects = new ArrayList<>();
      if (e.getValue().isEmpty()) {
        for (JsonNode item : api().get(new Query().add("labelSelector", selector).on(t.path(ns, null))).path("items")) {
          objects.add(item);
        }
      } else {
        for (String name : e.getValue()) {
          objects.add(api().get(t.path(ns, name)));
        }
      }
      for (JsonNode o : objects) {
        any = true;
        if (!first) {
          out().println();
        }
        first = false;
        List<JsonNode> events = !showEvents || t == ResourceType.NAMESPACES ? null
            : t == ResourceType.EVENTS ? List.of() : events(o, t);
        out().print(Describer.describe(o, t, events, related(o, t), Instant.now()));
        out().flush();
      }
    }
    if (!any) {
      err().println(ns != null ? "No resources found in " + ns + " namespace." : "No resources found");
    }
    return 0;
  }

  private List<JsonNode> related(JsonNode o, ResourceType t) {
    String ns = o.path("metadata").path("namespace").asText(namespace());
    List<JsonNode> out = new ArrayList<>();
    if (t == ResourceType.SERVICES) {
      JsonNode ep = api().getOrNull(ResourceType.ENDPOINTS.path(ns, o.path("metadata").path("name").asText()));
      if (ep != null) {
        out.add(ep);
      }
    } else if (t == ResourceType.NODES) {
      // what runs there and has not finished, as kubectl describe node lists it
      api().get(new Query().add("fieldSelector", "spec.nodeName=" + o.path("metadata").path("name").asText()
          + ",status.phase!=Failed,status.phase!=Succeeded").on(ResourceType.PODS.path(null, null))).path("items").forEach(out::add);
    } else if (t == ResourceType.REPLICATION_CONTROLLERS && o.path("spec").path("selector").isObject()
        && !o.path("spec").path("selector").isEmpty()) {
      api().get(new Query().add("labelSelector", Readiness.selector(o.path("spec").path("selector")))
          .on(ResourceType.PODS.path(ns, null))).path("items").forEach(out::add);
    }
    return out;
  }

  private List<JsonNode> events(JsonNode o, ResourceType t) {
    JsonNode m = o.path("metadata");
    String ns = t.namespaced() ? m.path("namespace").asText(namespace()) : "default";
    String fields = "involvedObject.name=" + m.path("name").asText() + ",involvedObject.namespace="
        + (t.namespaced() ? ns : "") + ",involvedObject.uid=" + m.path("uid").asText("");
    List<JsonNode> events = new ArrayList<>();
    try {
      String path = new Query().add("fieldSelector", fields).on(t.namespaced()
          ? ResourceType.EVENTS.path(ns, null) : ResourceType.EVENTS.path(null, null));
      api().get(path).path("items").forEach(events::add);
    } catch (ApiError e) {
      // a server without these field selectors: filter the namespace's events here
      for (JsonNode ev : api().get(ResourceType.EVENTS.path(ns, null)).path("items")) {
        JsonNode io = ev.path("involvedObject");
        if (io.path("name").asText().equals(m.path("name").asText()) && io.path("kind").asText().equals(t.kind())) {
          events.add(ev);
        }
      }
    }
    events.sort(Comparator.comparing(ev -> ev.path("lastTimestamp").asText(ev.path("metadata").path("creationTimestamp").asText(""))));
    return events;
  }
}
