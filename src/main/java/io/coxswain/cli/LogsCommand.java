package io.coxswain.cli;

import java.io.InputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs", description = "Print the logs of a container in a pod (pods/NAME/log).")
final class LogsCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "POD | pod/POD")
  String pod;

  @Parameters(index = "1", arity = "0..1", paramLabel = "CONTAINER")
  String containerArg;

  @Option(names = {"-c", "--container"}, paramLabel = "NAME")
  String container;

  @Option(names = {"-f", "--follow"}, description = "Keep streaming new lines.")
  boolean follow;

  @Option(names = {"-p", "--previous"}, description = "The previous, terminated instance of the container.")
  boolean previous;

  @Option(names = "--tail", paramLabel = "LINES", defaultValue = "-1")
  int tail;

  @Option(names = "--since", paramLabel = "DURATION", description = "Only lines newer than this, e.g. 5s, 2m, 3h.")
  String since;

  @Option(names = "--timestamps")
  boolean timestamps;

  @Override
  protected int execute() throws Exception {
    String name = pod;
    if (name.contains("/")) {
      String type = name.substring(0, name.indexOf('/'));
      if (ResourceType.of(type) != ResourceType.PODS) {
        throw CliException.usage("logs are read from pods; got " + type);
      }
      name = name.substring(name.indexOf('/') + 1);
    }
    String c = container != null ? container : containerArg;
    Query q = new Query().add("container", c).add("follow", follow ? "true" : null)
        .add("previous", previous ? "true" : null).add("tailLines", tail >= 0 ? tail : null)
        .add("timestamps", timestamps ? "true" : null);
    if (since != null) {
      q.add("sinceSeconds", Math.max(1, Durations.parse(since, "--since").getSeconds()));
    }
    try (InputStream in = api().stream(q.on(ResourceType.PODS.path(namespace(), name) + "/log"), "*/*");
        java.io.Reader reader = new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8)) {
      char[] buf = new char[8192];
      int n;
      while ((n = reader.read(buf)) >= 0) {
        out().write(buf, 0, n);
        out().flush();
      }
    }
    return 0;
  }
}
