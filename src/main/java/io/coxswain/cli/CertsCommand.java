package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The cluster's certificates: {@code certs rotate} asks every member to reissue its own. */
@Command(name = "certs", description = "Cluster certificates: rotate them without downtime.",
    subcommands = {CertsCommand.Rotate.class})
final class CertsCommand {
  static final String PATH = "/coxswain/v1/certificates";

  @Command(name = "rotate", description = "Reissue every certificate the cluster's members serve and present (API,"
      + " Raft peers, kubelets, nodes, the admin kubeconfig in each master's data dir) without a restart: new"
      + " connections use the new ones, open ones are not cut. Waits for every master; minions follow within a"
      + " minute.")
  static final class Rotate extends ClientCommand {
    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
        description = "How long to wait for every master to rotate (default 60s; 0: do not wait).")
    String timeout;

    @Override
    protected int execute() {
      Duration wait = timeout.equals("0") ? Duration.ZERO : Durations.parse(timeout, "--timeout");
      Instant asked = Instant.parse(api().post(PATH + "/rotate", CliJson.mapper().createObjectNode())
          .path("requestedAt").asText());
      out().println("certificate rotation requested at " + asked);
      if (wait.isZero()) {
        return 0;
      }
      List<String> masters = new ArrayList<>();
      for (JsonNode m : api().get("/coxswain/v1/members").path("members")) {
        masters.add(m.path("id").asText());
      }
      long deadline = System.nanoTime() + wait.toNanos();
      List<String> pending = new ArrayList<>(masters);
      while (true) {
        JsonNode certs = api().get(PATH);
        for (JsonNode m : certs.path("masters")) {
          String name = m.path("name").asText();
          if (pending.contains(name) && !Instant.parse(m.path("issued").asText()).isBefore(asked)) {
            pending.remove(name);
            out().println("master " + name + ": rotated (serving certificate valid until "
                + m.path("servingExpires").asText() + ")");
          }
        }
        if (pending.isEmpty()) {
          out().println("minions renew their certificates within a minute");
          return 0;
        }
        if (System.nanoTime() > deadline) {
          throw new CliException("error: timed out after " + timeout + " waiting for master(s) " + String.join(", ",
              pending) + " to rotate their certificates (are they running?)");
        }
        try {
          Thread.sleep(250); // polling the masters' published certificates until the deadline
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CliException("error: interrupted");
        }
      }
    }
  }
}
