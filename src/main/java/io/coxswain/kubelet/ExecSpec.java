package io.coxswain.kubelet;

import java.util.List;

/** A command to run inside a running container. */
public record ExecSpec(List<String> command, boolean stdin, boolean tty) {
  public ExecSpec {
    if (command == null || command.isEmpty()) {
      throw new IllegalArgumentException("exec needs a command");
    }
    command = List.copyOf(command);
  }
}
