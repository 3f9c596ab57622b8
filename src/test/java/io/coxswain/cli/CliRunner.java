package io.coxswain.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs the CLI in this JVM with captured stdout and stderr. */
final class CliRunner {
  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private CliRunner() {}

  static Result run(String server, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    int dashes = all.indexOf("--");
    if (server != null) {
      all.add(dashes < 0 ? all.size() : dashes, "--server=" + server);
    }
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(all.toArray(String[]::new));
    return new Result(code, out.toString(), err.toString());
  }
}
