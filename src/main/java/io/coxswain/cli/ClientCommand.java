package io.coxswain.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A client subcommand: connection options, output streams, and the rule that a failure is one line on
 * stderr and a non-zero exit (a stack trace only with -v).
 */
abstract class ClientCommand implements Callable<Integer> {
  @Mixin
  ConnectionOptions connection;

  @Spec
  CommandSpec spec;

  private ApiConnection api;

  @Override
  public final Integer call() {
    try {
      int code = execute();
      out().flush();
      return code;
    } catch (CliException e) {
      return fail(e.getMessage(), e, e.exitCode());
    } catch (ApiError e) {
      return fail(e.getMessage(), e, 1);
    } catch (RuntimeException e) {
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return fail("error: " + m.lines().findFirst().orElse(m), e, 1);
    } catch (Exception e) {
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return fail("error: " + m.lines().findFirst().orElse(m), e, 1);
    }
  }

  private int fail(String line, Exception e, int code) {
    out().flush();
    PrintWriter err = err();
    err.println(line);
    if (connection != null && connection.verbosity > 0 && !(e instanceof CliException) && !(e instanceof ApiError)) {
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      err.print(trace);
    }
    err.flush();
    return code;
  }

  protected abstract int execute() throws Exception;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  ApiConnection api() {
    if (api == null) {
      api = connection.connect(err());
    }
    return api;
  }

  String namespace() {
    return connection.namespace();
  }

  /** Colour and progress bars only on a terminal. */
  static boolean onTerminal() {
    String term = System.getenv("TERM");
    return System.console() != null && term != null && !term.equals("dumb");
  }
}
