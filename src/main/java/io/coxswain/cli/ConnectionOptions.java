package io.coxswain.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every client command takes: where the API is, which namespace, how much to say. */
final class ConnectionOptions {
  static final String DEFAULT_SERVER = "https://127.0.0.1:6443";

  @Option(names = {"-s", "--server"}, paramLabel = "URL",
      description = "The address of the API server (default: the kubeconfig's, else " + DEFAULT_SERVER + ").")
  String server;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "Path to a kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else the admin.kubeconfig"
          + " a master on this machine wrote in ~/.coxswain/NAME/ or /var/lib/coxswain/).")
  Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", description = "The kubeconfig context to use.")
  String context;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token for the API server.")
  String token;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "The namespace (default: the context's, else default).")
  String namespace;

  @Option(names = {"-v", "--v"}, paramLabel = "LEVEL", arity = "0..1", fallbackValue = "6",
      description = "Say more: -v shows each request, and stack traces of unexpected errors.")
  int verbosity;

  private Kubeconfig config;

  Kubeconfig config() {
    if (config == null) {
      Path file = kubeconfig;
      if (file == null) {
        String env = System.getenv("KUBECONFIG");
        if (env != null && !env.isBlank()) {
          for (String p : env.split(java.io.File.pathSeparator)) {
            if (!p.isBlank() && Files.exists(Path.of(p))) {
              file = Path.of(p);
              break;
            }
          }
        }
      }
      if (file == null) {
        file = defaultKubeconfig(Path.of(System.getProperty("user.home")));
      }
      config = file == null ? Kubeconfig.NONE : Kubeconfig.read(file, context);
    }
    return config;
  }

  /**
   * ~/.kube/config, else the first ~/.coxswain/NAME/admin.kubeconfig (a master's default data dir), else
   * /var/lib/coxswain/admin.kubeconfig (the systemd unit's data dir), else null.
   */
  static Path defaultKubeconfig(Path home) {
    Path kube = home.resolve(".kube").resolve("config");
    if (Files.isReadable(kube)) {
      return kube;
    }
    Path nodes = home.resolve(".coxswain");
    Path system = Path.of("/var/lib/coxswain/admin.kubeconfig");
    if (!Files.isDirectory(nodes)) {
      return Files.isReadable(system) ? system : null;
    }
    try (java.util.stream.Stream<Path> dirs = Files.list(nodes)) {
      return dirs.sorted().map(d -> d.resolve("admin.kubeconfig")).filter(Files::isReadable).findFirst()
          .orElse(Files.isReadable(system) ? system : null);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  URI serverUri() {
    String s = server != null ? server : config().server() != null ? config().server() : DEFAULT_SERVER;
    if (!s.contains("://")) {
      s = "https://" + s;
    }
    try {
      URI uri = URI.create(s);
      if (uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw CliException.usage("invalid server address \"" + s + "\"");
    }
  }

  String namespace() {
    if (namespace != null && !namespace.isEmpty()) {
      return namespace;
    }
    String ns = config().namespace();
    return ns == null || ns.isEmpty() ? "default" : ns;
  }

  boolean namespaceGiven() {
    return namespace != null && !namespace.isEmpty();
  }

  ApiConnection connect(PrintWriter log) {
    return new ApiConnection(serverUri(), token != null ? token : config().token(), config().credentials(),
        config().caPem(), config().insecure(), verbosity, log);
  }
}
