package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "expose", description = "Make a service for a replication controller, pod or service, selecting its pods.")
final class ExposeCommand extends ClientCommand {
  @Parameters(paramLabel = "rc NAME | rc/NAME", arity = "1..2")
  List<String> args = new ArrayList<>();

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "-1", description = "The service's port.")
  int port;

  @Option(names = "--target-port", paramLabel = "PORT|NAME", description = "The container port (default: --port).")
  String targetPort;

  @Option(names = "--type", paramLabel = "ClusterIP|NodePort|LoadBalancer")
  String type;

  @Option(names = "--name", paramLabel = "NAME", description = "The service's name (default: the exposed object's).")
  String serviceName;

  @Option(names = "--protocol", paramLabel = "TCP|UDP", defaultValue = "TCP")
  String protocol;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT")
  String output;

  @Override
  protected int execute() {
    OutputFormat format = OutputFormat.parse(output);
    ResourceArgs ra = ResourceArgs.parse(args, "expose");
    Map.Entry<ResourceType, List<String>> e = ra.byType().entrySet().iterator().next();
    if (e.getValue().size() != 1) {
      throw CliException.usage("expose needs exactly one object: expose rc NAME --port=PORT");
    }
    ResourceType t = e.getKey();
    String name = e.getValue().get(0);
    JsonNode source = api().get(t.path(namespace(), name));
    JsonNode selector;
    if (t == ResourceType.REPLICATION_CONTROLLERS) {
      selector = source.path("spec").path("selector");
      if (selector.isEmpty()) {
        selector = source.path("spec").path("template").path("metadata").path("labels");
      }
    } else if (t == ResourceType.PODS) {
      selector = source.path("metadata").path("labels");
    } else if (t == ResourceType.SERVICES) {
      selector = source.path("spec").path("selector");
    } else {
      throw CliException.usage("cannot expose a " + t.kind());
    }
    if (selector.isMissingNode() || selector.isEmpty()) {
      throw CliException.usage("couldn't retrieve selectors via --selector flag or introspection: the " + t.singular() + " has no labels to select");
    }
    int p = port;
    if (p < 0) {
      p = firstPort(source);
      if (p < 0) {
        throw CliException.usage("couldn't find port via --port flag or introspection");
      }
    }
    ObjectNode svc = CliJson.object().put("apiVersion", "v1").put("kind", "Service");
    ObjectNode meta = svc.putObject("metadata").put("name", serviceName != null ? serviceName : name);
    JsonNode labels = source.path("metadata").path("labels");
    if (labels.isObject() && !labels.isEmpty()) {
      meta.set("labels", labels.deepCopy());
    }
    ObjectNode spec = svc.putObject("spec");
    ObjectNode sp = spec.putArray("ports").addObject().put("protocol", protocol.toUpperCase()).put("port", p);
    if (targetPort == null) {
      sp.put("targetPort", p);
    } else if (targetPort.matches("\\d+")) {
      sp.put("targetPort", Integer.parseInt(targetPort));
    } else {
      sp.put("targetPort", targetPort);
    }
    spec.set("selector", selector.deepCopy());
    if (type != null) {
      spec.put("type", type);
    }
    JsonNode created = api().post(ResourceType.SERVICES.path(namespace(), null), svc);
    String svcName = created.path("metadata").path("name").asText(meta.path("name").asText());
    out().print(format.table() ? ResourceType.SERVICES.ref(svcName) + " exposed\n"
        : format.print(OutputFormat.withKind(created, ResourceType.SERVICES)));
    return 0;
  }

  private static int firstPort(JsonNode source) {
    JsonNode spec = source.path("spec").has("template") ? source.path("spec").path("template").path("spec") : source.path("spec");
    for (JsonNode c : spec.path("containers")) {
      for (JsonNode port : c.path("ports")) {
        return port.path("containerPort").asInt(-1);
      }
    }
    for (JsonNode port : source.path("spec").path("ports")) {
      return port.path("port").asInt(-1);
    }
    return -1;
  }
}
