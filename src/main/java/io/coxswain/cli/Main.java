package io.coxswain.cli;

import picocli.CommandLine;

/** The one entry point: {@code --role=...} runs a node; a subcommand is the client. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (code != 0 || !NodeCommand.RUNNING.get()) {
      System.exit(code);
    }
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new NodeCommand());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setAllowSubcommandsAsOptionParameters(true);
    cl.getSubcommands().values().forEach(Main::addHelpOption);
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      line.getErr().println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      return 1;
    });
    cl.setParameterExceptionHandler((ex, args) -> {
      CommandLine c = ex.getCommandLine();
      String hint = "";
      if (c.getParent() == null && ex instanceof CommandLine.UnmatchedArgumentException u
          && u.getUnmatched().stream().anyMatch(Main::isClientOption)) {
        hint = "; client options go after the command, e.g. coxswain get pods --server=http://HOST:6443";
      }
      c.getErr().println("error: " + ex.getMessage() + hint + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
      // bad usage exits 1, as kubectl's does
      return 1;
    });
    return cl;
  }

  private static boolean isClientOption(String arg) {
    String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
    return java.util.Set.of("-s", "--server", "-n", "--namespace", "--kubeconfig", "--context", "--token").contains(name)
        || arg.startsWith("-s") && !arg.startsWith("--") || arg.startsWith("-n") && !arg.startsWith("--");
  }

  /** Every subcommand (and theirs) answers {@code -h}/{@code --help} with its usage. */
  private static void addHelpOption(CommandLine sub) {
    CommandLine.Model.CommandSpec spec = sub.getCommandSpec();
    if (spec.findOption("--help") == null) {
      spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help")
          .usageHelp(true).description("Show this help message and exit.").build());
    }
    sub.getSubcommands().values().forEach(Main::addHelpOption);
  }
}
