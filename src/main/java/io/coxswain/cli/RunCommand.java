package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = {
    "Run an image: one pod, or with --replicas=N a replication controller of N pods.",
    "Arguments after -- are the container's args (its command with --command)."})
final class RunCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "ARGS")
  List<String> commandArgs = new ArrayList<>();

  @Option(names = "--image", required = true, paramLabel = "IMAGE")
  String image;

  @Option(names = "--replicas", paramLabel = "N", defaultValue = "-1", description = "Create a replication controller with N replicas.")
  int replicas;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "-1", description = "The port the container exposes.")
  int port;

  @Option(names = {"-l", "--labels"}, paramLabel = "K=V,...", description = "Labels (default: run=NAME).")
  String labels;

  @Option(names = "--env", paramLabel = "K=V")
  List<String> env = new ArrayList<>();

  @Option(names = "--command", description = "The arguments after -- are the command, not its args.")
  boolean command;

  @Option(names = "--restart", paramLabel = "Always|OnFailure|Never", defaultValue = "Always")
  String restart;

  @Option(names = "--image-pull-policy", paramLabel = "POLICY")
  String pullPolicy;

  @Option(names = "--wait", description = "Wait until the pods are Ready.")
  boolean waitReady;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m")
  String timeout;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT")
  String output;

  @Option(names = "--dry-run", paramLabel = "none|client", arity = "0..1", fallbackValue = "client")
  String dryRun;

  @Override
  protected int execute() throws Exception {
    OutputFormat format = OutputFormat.parse(output);
    ObjectNode labelMap = CliJson.object();
    if (labels == null) {
      labelMap.put("run", name);
    } else {
      for (String kv : labels.split(",")) {
        if (!kv.contains("=")) {
          throw CliException.usage("invalid label spec: " + kv);
        }
        labelMap.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
      }
    }
    ObjectNode podSpec = podSpec();
    ObjectNode object;
    ResourceType type;
    if (replicas >= 0) {
      type = ResourceType.REPLICATION_CONTROLLERS;
      object = CliJson.object().put("apiVersion", "v1").put("kind", "ReplicationController");
      ObjectNode meta = object.putObject("metadata").put("name", name);
      meta.set("labels", labelMap.deepCopy());
      ObjectNode spec = object.putObject("spec").put("replicas", replicas);
      spec.set("selector", labelMap.deepCopy());
      ObjectNode template = spec.putObject("template");
      template.putObject("metadata").set("labels", labelMap.deepCopy());
      template.set("spec", podSpec);
    } else {
      type = ResourceType.PODS;
      object = CliJson.object().put("apiVersion", "v1").put("kind", "Pod");
      ObjectNode meta = object.putObject("metadata").put("name", name);
      meta.set("labels", labelMap);
      object.set("spec", podSpec);
    }
    if (dryRun != null && !dryRun.equals("none")) {
      out().print(format.table() ? type.ref(name) + " created (dry run)\n" : format.print(object));
      return 0;
    }
    JsonNode created = api().post(type.path(namespace(), null), object);
    out().print(format.table() ? type.ref(name) + " created\n" : format.print(OutputFormat.withKind(created, type)));
    out().flush();
    if (waitReady) {
      int want = replicas >= 0 ? replicas : 1;
      Readiness.waitForReady(api(), namespace(), labelMap, want, Durations.parse(timeout, "--timeout"),
          new Progress(err(), onTerminal(), "waiting for " + type.ref(name) + " to be ready", want));
    }
    return 0;
  }

  private ObjectNode podSpec() {
    ObjectNode spec = CliJson.object();
    ArrayNode containers = spec.putArray("containers");
    ObjectNode c = containers.addObject().put("name", name).put("image", image);
    if (!commandArgs.isEmpty()) {
      ArrayNode a = c.putArray(command ? "command" : "args");
      commandArgs.forEach(a::add);
    }
    if (port > 0) {
      c.putArray("ports").addObject().put("containerPort", port);
    }
    if (!env.isEmpty()) {
      ArrayNode e = c.putArray("env");
      for (String kv : env) {
        int eq = kv.indexOf('=');
        e.addObject().put("name", eq < 0 ? kv : kv.substring(0, eq)).put("value", eq < 0 ? "" : kv.substring(eq + 1));
      }
    }
    if (pullPolicy != null) {
      c.put("imagePullPolicy", pullPolicy);
    }
    if (replicas < 0) {
      spec.put("restartPolicy", restart);
    }
    return spec;
  }
}
