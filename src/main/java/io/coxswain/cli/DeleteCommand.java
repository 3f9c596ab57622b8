package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "delete", description = "Delete objects by name, from files (-f), by label (-l) or all of a type (--all).")
final class DeleteCommand extends ClientCommand {
  @Parameters(paramLabel = "TYPE[/NAME] [NAME...]", arity = "0..*")
  List<String> args = new ArrayList<>();

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE")
  List<String> files = new ArrayList<>();

  @Option(names = {"-R", "--recursive"})
  boolean recursive;

  @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR")
  String selector;

  @Option(names = "--field-selector", paramLabel = "SELECTOR")
  String fieldSelector;

  @Option(names = "--all", description = "Delete every object of the given types in the namespace.")
  boolean all;

  @Option(names = {"-A", "--all-namespaces"})
  boolean allNamespaces;

  @Option(names = "--grace-period", paramLabel = "SECONDS", defaultValue = "-1",
      description = "Seconds the pod gets to stop (-1: its own setting; 0 with --force: immediately).")
  int gracePeriod;

  @Option(names = "--now", description = "Same as --grace-period=1.")
  boolean now;

  @Option(names = "--force", description = "With --grace-period=0: do not wait for the kubelet to confirm.")
  boolean force;

  @Option(names = "--wait", arity = "0..1", fallbackValue = "true", defaultValue = "true", paramLabel = "BOOL",
      description = "Wait until the objects are gone (default: true).")
  boolean waitGone;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "0s", description = "How long to wait (0: 60s plus the grace period).")
  String timeout;

  @Option(names = "--ignore-not-found")
  boolean ignoreNotFound;

  @Option(names = {"-o", "--output"}, paramLabel = "name")
  String output;

  private record Target(ResourceType type, String namespace, String name) {}

  @Override
  protected int execute() throws Exception {
    List<Target> targets = new ArrayList<>();
    int failures = 0;
    if (!files.isEmpty()) {
      if (!args.isEmpty()) {
        throw CliException.usage("cannot specify both resource arguments and -f");
      }
      for (Manifests.Manifest m : Manifests.read(files, recursive, System.in)) {
        targets.add(new Target(m.type(), Manifests.namespaceFor(m, connection), m.name()));
      }
    } else {
      ResourceArgs ra = ResourceArgs.parse(args, "delete");
      boolean bySelector = selector != null || fieldSelector != null || all;
      if (!ra.anyNames() && !bySelector) {
        throw CliException.usage("resource(s) were provided, but no name was specified");
      }
      if (ra.anyNames() && bySelector) {
        throw CliException.usage("names and --all, --selector or --field-selector cannot be used together");
      }
      for (Map.Entry<ResourceType, List<String>> e : ra.byType().entrySet()) {
        ResourceType t = e.getKey();
        String ns = allNamespaces ? null : namespace();
        if (bySelector) {
          String path = new Query().add("labelSelector", selector).add("fieldSelector", fieldSelector).on(t.path(ns, null));
          for (JsonNode item : api().get(path).path("items")) {
            targets.add(new Target(t, t.namespaced() ? item.path("metadata").path("namespace").asText(ns) : null,
                item.path("metadata").path("name").asText()));
          }
        } else {
          e.getValue().forEach(n -> targets.add(new Target(t, ns, n)));
        }
      }
      if (targets.isEmpty()) {
        err().println("No resources found");
        return 0;
      }
    }
    ObjectNode options = CliJson.object().put("kind", "DeleteOptions").put("apiVersion", "v1");
    int grace = now ? 1 : gracePeriod;
    if (force && grace < 0) {
      grace = 0;
    }
    if (grace >= 0) {
      options.put("gracePeriodSeconds", grace);
    }
    options.put("propagationPolicy", "Background");
    List<Map.Entry<Target, String>> deleted = new ArrayList<>();
    for (Target t : targets) {
      try {
        JsonNode answer = api().delete(t.type().path(t.namespace(), t.name()), options);
        deleted.add(Map.entry(t, answer.path("metadata").path("uid").asText("")));
        out().println("name".equals(output) ? t.type().ref(t.name()) : t.type().singular() + " \"" + t.name() + "\" deleted");
        out().flush();
      } catch (ApiError e) {
        if (e.isNotFound() && ignoreNotFound) {
          continue;
        }
        out().flush();
        err().println(e.getMessage());
        failures++;
      }
    }
    if (waitGone && !deleted.isEmpty()) {
      Duration limit = Durations.parse(timeout, "--timeout");
      if (limit.isZero()) {
        limit = Duration.ofSeconds(60 + Math.max(0, grace));
      }
      long deadline = System.nanoTime() + limit.toNanos();
      Progress progress = new Progress(err(), onTerminal(), "waiting for deletion", deleted.size());
      int gone = 0;
      for (Map.Entry<Target, String> d : deleted) {
        Target t = d.getKey();
        while (true) {
          JsonNode still = api().getOrNull(t.type().path(t.namespace(), t.name()));
          if (still == null || (!d.getValue().isEmpty() && !d.getValue().equals(still.path("metadata").path("uid").asText()))) {
            break;
          }
          if (System.nanoTime() > deadline) {
            progress.done();
            throw new CliException("error: timed out waiting for the condition on " + t.type().plural() + "/" + t.name());
          }
          Thread.sleep(250);
        }
        progress.update(++gone);
      }
      progress.done();
    }
    return failures == 0 ? 0 : 1;
  }
}
