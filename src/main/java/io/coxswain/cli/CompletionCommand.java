package io.coxswain.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "completion", description = {
    "Print a shell completion script: source <(java -jar node.jar completion bash)",
    "(zsh: the same script, run through bashcompinit)."})
final class CompletionCommand implements Callable<Integer> {
  @Parameters(paramLabel = "bash|zsh")
  String shell;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    String script = AutoComplete.bash("coxswain", spec.root().commandLine());
    switch (shell) {
      case "bash" -> spec.commandLine().getOut().print(script);
      case "zsh" -> spec.commandLine().getOut().print(
          "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + script);
      default -> {
        spec.commandLine().getErr().println("error: Unsupported shell type \"" + shell + "\".");
        return 1;
      }
    }
    spec.commandLine().getOut().flush();
    return 0;
  }
}
