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
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      line.getErr().println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      return 1;
    });
    cl.setParameterExceptionHandler((ex, args) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("error: " + ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
      return 2;
    });
    return cl;
  }
}
