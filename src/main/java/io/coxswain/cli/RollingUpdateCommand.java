package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Adler32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "rolling-update", aliases = "rollingupdate", description = {
    "Replace the pods of a replication controller one at a time: rolling-update OLD --image=IMAGE | -f NEW.yaml.",
    "A new controller (OLD-<hash>, told apart by a 'deployment' label) is scaled up by one, its pod awaited Ready,",
    "then the old one scaled down by one, until the new one has all replicas; then it takes the old name.",
    "--rollback reverses an update that was interrupted or whose new pods never got Ready."})
final class RollingUpdateCommand extends ClientCommand {
  static final String NEXT = "kubectl.kubernetes.io/next-controller-id";
  static final String DESIRED = "kubectl.kubernetes.io/desired-replicas";

  @Parameters(index = "0", paramLabel = "OLD")
  String oldName;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NEW", description = "Name of the new controller (with --image).")
  String newNameArg;

  @Option(names = "--image", paramLabel = "IMAGE")
  String image;

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE")
  String file;

  @Option(names = "--container", paramLabel = "NAME", description = "Which container gets --image (default: the only one).")
  String containerName;

  @Option(names = "--deployment-label-key", defaultValue = "deployment", paramLabel = "KEY")
  String labelKey;

  @Option(names = "--update-period", defaultValue = "1m", paramLabel = "DURATION", description = "Pause between pod updates (default: ${DEFAULT-VALUE}).")
  String updatePeriod;

  @Option(names = "--poll-interval", defaultValue = "1s", paramLabel = "DURATION")
  String pollInterval;

  @Option(names = "--timeout", defaultValue = "5m", paramLabel = "DURATION", description = "How long a new pod may take to be Ready (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(names = "--rollback", description = "Go back: scale the old controller up again and remove the new one.")
  boolean rollback;

  @Override
  protected int execute() throws Exception {
    Duration period = Durations.parse(updatePeriod, "--update-period");
    Duration poll = Durations.parse(pollInterval, "--poll-interval");
    Duration wait = Durations.parse(timeout, "--timeout");
    JsonNode old = api().get(rcPath(oldName));
    if (rollback) {
      return rollback(old, period, poll, wait);
    }
    if ((image == null) == (file == null)) {
      throw CliException.usage("rolling-update needs exactly one of --image or -f");
    }
    String next = old.path("metadata").path("annotations").path(NEXT).asText(null);
    JsonNode newRc;
    boolean rename;
    int desired = old.path("spec").path("replicas").asInt(1);
    if (file != null) {
      List<Manifests.Manifest> ms = Manifests.read(List.of(file), false, System.in);
      if (ms.size() != 1 || ms.get(0).type() != ResourceType.REPLICATION_CONTROLLERS) {
        throw CliException.usage(file + " must hold exactly one ReplicationController");
      }
      ObjectNode wanted = ms.get(0).object();
      if (wanted.path("metadata").path("name").asText().equals(oldName)) {
        throw CliException.usage(file + " must specify a different name than the replication controller being updated (" + oldName + ")");
      }
      if (wanted.path("spec").path("selector").equals(old.path("spec").path("selector"))) {
        throw CliException.usage(file + " must specify a matching key with non-equal value in Selector for " + oldName);
      }
      desired = wanted.path("spec").has("replicas") ? wanted.path("spec").path("replicas").asInt() : desired;
      newRc = prepareNew(wanted, desired);
      rename = false;
    } else {
      old = ensureDeploymentLabel(old);
      ObjectNode wanted = old.deepCopy();
      setImage(wanted);
      String hash = hash(wanted.path("spec").path("template"));
      String name = newNameArg != null ? newNameArg : next != null ? next : oldName + "-" + hash;
      if (hash.equals(old.path("spec").path("selector").path(labelKey).asText())) {
        throw CliException.usage("the replication controller " + oldName + " already runs image " + image);
      }
      ObjectNode meta = CliJson.object().put("name", name);
      if (old.path("metadata").has("labels")) {
        meta.set("labels", old.path("metadata").path("labels").deepCopy());
      }
      wanted.set("metadata", meta);
      ((ObjectNode) wanted.path("spec").path("selector")).put(labelKey, hash);
      ((ObjectNode) wanted.path("spec").path("template").path("metadata").path("labels")).put(labelKey, hash);
      wanted.remove("status");
      newRc = prepareNew(wanted, desired);
      rename = newNameArg == null;
    }
    String newName = newRc.path("metadata").path("name").asText();
    api().patch(rcPath(oldName), "application/merge-patch+json",
        CliJson.object().set("metadata", CliJson.object().set("annotations", CliJson.object().put(NEXT, newName))));
    rollOut(oldName, newName, desired, period, poll, wait, true);
    out().println("Update succeeded. Deleting old controller: " + oldName);
    api().delete(rcPath(oldName), orphan());
    waitGone(oldName);
    if (rename) {
      out().println("Renaming " + newName + " to " + oldName);
      JsonNode current = api().get(rcPath(newName));
      ObjectNode renamed = CliJson.object().put("apiVersion", "v1").put("kind", "ReplicationController");
      ObjectNode meta = renamed.putObject("metadata").put("name", oldName);
      if (current.path("metadata").has("labels")) {
        meta.set("labels", current.path("metadata").path("labels").deepCopy());
      }
      renamed.set("spec", current.path("spec").deepCopy());
      api().post(rcPath(null), renamed);
      api().delete(rcPath(newName), orphan());
      out().println(ResourceType.REPLICATION_CONTROLLERS.ref(oldName) + " rolling updated");
    } else {
      out().println(ResourceType.REPLICATION_CONTROLLERS.ref(oldName) + " rolling updated to \"" + newName + "\"");
    }
    return 0;
  }

  private int rollback(JsonNode old, Duration period, Duration poll, Duration wait) throws InterruptedException {
    String next = old.path("metadata").path("annotations").path(NEXT).asText(null);
    if (next == null) {
      throw CliException.usage("the replication controller " + oldName + " is not being updated: nothing to roll back");
    }
    JsonNode newRc = api().getOrNull(rcPath(next));
    int desired = newRc != null
        ? newRc.path("metadata").path("annotations").path(DESIRED).asInt(old.path("spec").path("replicas").asInt(1))
        : old.path("spec").path("replicas").asInt(1);
    if (newRc != null) {
      out().println("Rolling back: " + oldName + " goes back to " + desired + " replicas, " + next + " is removed");
      rollOut(next, oldName, desired, period, poll, wait, false);
      api().delete(rcPath(next), null);
    }
    api().patch(rcPath(oldName), "application/merge-patch+json",
        CliJson.object().set("metadata", CliJson.object().set("annotations", CliJson.object().putNull(NEXT))));
    out().println(ResourceType.REPLICATION_CONTROLLERS.ref(oldName) + " rolled back");
    return 0;
  }

  private JsonNode prepareNew(ObjectNode wanted, int desired) {
    String name = wanted.path("metadata").path("name").asText();
    JsonNode existing = api().getOrNull(rcPath(name));
    if (existing != null) {
      out().println("Continuing update with existing controller " + name + ".");
      return existing;
    }
    ObjectNode spec = (ObjectNode) wanted.path("spec");
    spec.put("replicas", 0);
    ObjectNode meta = (ObjectNode) wanted.path("metadata");
    ObjectNode annotations = meta.has("annotations") ? (ObjectNode) meta.get("annotations") : meta.putObject("annotations");
    annotations.put(DESIRED, String.valueOf(desired));
    wanted.put("apiVersion", "v1").put("kind", "ReplicationController");
    JsonNode created = api().post(rcPath(null), wanted);
    out().println("Created " + name);
    return created;
  }

  /** Scales {@code to} up to desired and {@code from} down to 0, one pod at a time, each new pod Ready first. */
  private void rollOut(String from, String to, int desired, Duration period, Duration poll, Duration wait, boolean forward)
      throws InterruptedException {
    JsonNode fromRc = api().get(rcPath(from));
    JsonNode toRc = api().get(rcPath(to));
    int fromCount = fromRc.path("spec").path("replicas").asInt();
    int toCount = toRc.path("spec").path("replicas").asInt();
    out().printf("Scaling up %s from %d to %d, scaling down %s from %d to 0 (keep %d pods available, don't exceed %d pods)%n",
        to, toCount, desired, from, fromCount, desired, desired + 1);
    out().flush();
    Progress progress = new Progress(err(), onTerminal(), "rolling update", desired);
    JsonNode selector = toRc.path("spec").path("selector");
    while (toCount < desired || fromCount > 0) {
      if (toCount < desired) {
        toCount++;
        progress.done();
        out().println("Scaling " + to + " up to " + toCount);
        out().flush();
        ScaleCommand.scale(api(), namespace(), to, toCount, -1);
        long deadline = System.nanoTime() + wait.toNanos();
        while (Readiness.readyCount(api(), namespace(), selector) < toCount) {
          if (System.nanoTime() > deadline) {
            progress.done();
            throw new CliException("error: timed out waiting for " + to + "'s pods to be Ready (" + toCount + " wanted); "
                + (forward ? "run 'rolling-update " + oldName + " --rollback' to go back to " + from : "the rollback stopped here"));
          }
          progress.update(toCount - 1, "waiting for " + to + " pod " + toCount + " to be Ready");
          Thread.sleep(Math.max(50, poll.toMillis()));
        }
      }
      progress.update(toCount);
      if (!period.isZero() && fromCount > 0) {
        Thread.sleep(period.toMillis());
      }
      if (fromCount > 0) {
        fromCount = Math.max(0, Math.min(fromCount - 1, desired - toCount));
        progress.done();
        out().println("Scaling " + from + " down to " + fromCount);
        out().flush();
        ScaleCommand.scale(api(), namespace(), from, fromCount, -1);
      }
    }
    progress.done();
  }

  private JsonNode ensureDeploymentLabel(JsonNode old) {
    if (old.path("spec").path("selector").has(labelKey)) {
      return old;
    }
    String hash = hash(old.path("spec").path("template"));
    JsonNode selector = old.path("spec").path("selector");
    for (JsonNode pod : api().get(new Query().add("labelSelector", Readiness.selector(selector))
        .on(ResourceType.PODS.path(namespace(), null))).path("items")) {
      api().patch(ResourceType.PODS.path(namespace(), pod.path("metadata").path("name").asText()), "application/merge-patch+json",
          CliJson.object().set("metadata", CliJson.object().set("labels", CliJson.object().put(labelKey, hash))));
    }
    ObjectNode patch = CliJson.object();
    ObjectNode spec = patch.putObject("spec");
    spec.putObject("selector").put(labelKey, hash);
    spec.putObject("template").putObject("metadata").putObject("labels").put(labelKey, hash);
    return api().patch(rcPath(oldName), "application/merge-patch+json", patch);
  }

  private void setImage(ObjectNode rc) {
    JsonNode containers = rc.path("spec").path("template").path("spec").path("containers");
    List<ObjectNode> matches = new ArrayList<>();
    for (JsonNode c : containers) {
      if (containerName == null || containerName.equals(c.path("name").asText())) {
        matches.add((ObjectNode) c);
      }
    }
    if (matches.isEmpty()) {
      throw CliException.usage("could not find container \"" + containerName + "\" in " + oldName);
    }
    if (containerName == null && matches.size() > 1) {
      throw CliException.usage("must specify --container when the pods have several containers");
    }
    matches.get(0).put("image", image);
  }

  /** kubectl's hash of a pod template: Adler-32 of its JSON, in hex. */
  static String hash(JsonNode template) {
    JsonNode t = template.deepCopy();
    if (t.path("metadata").path("labels").isObject()) {
      ((ObjectNode) t.path("metadata").path("labels")).remove("deployment");
    }
    Adler32 a = new Adler32();
    a.update(CliJson.compactSorted(t).getBytes(StandardCharsets.UTF_8));
    return Long.toHexString(a.getValue());
  }

  private void waitGone(String name) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (api().getOrNull(rcPath(name)) != null && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
  }

  private static ObjectNode orphan() {
    return CliJson.object().put("kind", "DeleteOptions").put("apiVersion", "v1").put("propagationPolicy", "Orphan");
  }

  private String rcPath(String name) {
    return ResourceType.REPLICATION_CONTROLLERS.path(namespace(), name);
  }
}
