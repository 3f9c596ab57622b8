package io.coxswain.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "master", description = "Administer the masters.", subcommands = MasterCommand.Remove.class)
final class MasterCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: remove NAME");
  }

  @Command(name = "remove", description = "Remove a master from the Raft group (DELETE /coxswain/v1/members/NAME).")
  static final class Remove extends ClientCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int execute() {
      api().delete("/coxswain/v1/members/" + Query.encode(name), null);
      out().println("master \"" + name + "\" removed");
      return 0;
    }
  }
}
