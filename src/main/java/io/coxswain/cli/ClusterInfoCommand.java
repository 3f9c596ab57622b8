package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

@Command(name = "cluster-info", description = "Show where the control plane and the cluster services are.")
final class ClusterInfoCommand extends ClientCommand {
  @Override
  protected int execute() {
    api().get("/version");
    boolean colour = onTerminal();
    out().println(green("Kubernetes control plane", colour) + " is running at " + yellow(api().server().toString(), colour));
    JsonNode members = null;
    try {
      members = api().get("/coxswain/v1/members");
    } catch (ApiError e) {
      members = null;
    }
    if (members != null) {
      int n = members.path("members").size();
      String leader = "";
      for (JsonNode m : members.path("members")) {
        if (m.path("leader").asBoolean()) {
          leader = m.path("id").asText();
        }
      }
      out().println(green("Raft group " + members.path("groupId").asText(), colour) + " has " + n + " master"
          + (n == 1 ? "" : "s") + (leader.isEmpty() ? ", no leader" : ", leader " + yellow(leader, colour)));
    }
    JsonNode services = api().get(new Query().add("labelSelector", "kubernetes.io/cluster-service=true")
        .on(ResourceType.SERVICES.path("kube-system", null)));
    for (JsonNode s : services.path("items")) {
      String name = s.path("metadata").path("labels").path("kubernetes.io/name").asText(s.path("metadata").path("name").asText());
      out().println(green(name, colour) + " is running at " + yellow(api().server() + "/api/v1/namespaces/kube-system/services/"
          + s.path("metadata").path("name").asText() + "/proxy", colour));
    }
    out().println();
    out().println("To see the masters and their Raft state, use 'members'.");
    return 0;
  }

  private static String green(String s, boolean colour) {
    return colour ? "\033[0;32m" + s + "\033[0m" : s;
  }

  private static String yellow(String s, boolean colour) {
    return colour ? "\033[0;33m" + s + "\033[0m" : s;
  }
}
