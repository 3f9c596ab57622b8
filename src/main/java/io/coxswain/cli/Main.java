package io.coxswain.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point: {@code --role=...} runs a node; a subcommand is the client. */
public final class Main {
  private Main() {}

  private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  public static void main(String[] args) {
    // With two cores or fewer the JDK's common pool has parallelism 1, and CompletableFuture's *Async methods
    // given no executor then start a new thread for every task. Ratis completes its log writes so: a busy
    // follower started about fifty threads a second. A pool of up to eight workers reuses its threads instead,
    // and leaves room for tasks that block (libraries' tasks may; with one thread each, they never waited).
    // Set before anything loads CompletableFuture, which reads the parallelism once.
    commonPool(System.getProperties(), Runtime.getRuntime().availableProcessors());
    int code;
    if (isNodeRun(args)) {
      code = runNode(args, System.err);
    } else {
      CommandLine one = args.length > 0 ? oneCommand(args[0]) : null;
      code = one != null ? one.execute(java.util.Arrays.copyOfRange(args, 1, args.length))
          : commandLine().execute(args);
    }
    if (code != 0 || !NodeCommand.RUNNING.get()) {
      System.exit(code);
    }
  }

  /** Gives the common pool up to eight workers on a machine of two cores or fewer, unless the property is set. */
  static void commonPool(java.util.Properties props, int cpus) {
    if (props.getProperty(COMMON_POOL_PARALLELISM) == null && cpus <= 2) {
      props.setProperty(COMMON_POOL_PARALLELISM, "8");
    }
  }

  /**
   * A node run: options only (a client command comes first, and some have a {@code --role} of their own, as
   * {@code token create --role master}), {@code --role} among them, and neither help nor the version asked.
   */
  static boolean isNodeRun(String[] args) {
    if (args.length == 0 || !args[0].startsWith("-")) {
      return false;
    }
    boolean role = false;
    for (String a : args) {
      if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
        return false;
      }
      role |= a.equals("--role") || a.startsWith("--role=");
    }
    return role;
  }

  /**
   * Runs a node with its flags read by {@link NodeFlags} (not by picocli, whose classes would stay loaded in the
   * node). Errors are the one line the whole command line would print. Returns the exit code.
   */
  static int runNode(String[] args, java.io.PrintStream err) {
    NodeCommand node;
    try {
      node = NodeFlags.parse(args);
    } catch (NodeFlags.BadFlag e) {
      boolean clientOption = e.getMessage().startsWith("Unknown option")
          && java.util.Arrays.stream(args).anyMatch(Main::isClientOption);
      err.println("error: " + e.getMessage() + (clientOption ? CLIENT_OPTION_HINT : "") + " (see 'coxswain --help')");
      return 1;
    }
    try {
      return node.call();
    } catch (Exception e) {
      err.println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return 1;
    }
  }

  private static final String CLIENT_OPTION_HINT =
      "; client options go after the command, e.g. coxswain get pods --server=https://HOST:6443";

  public static CommandLine commandLine() {
    return configured(new CommandLine(new NodeCommand()));
  }

  /**
   * The client command {@code name} alone (null when it is not one), named as in the whole tree: building
   * picocli's model of every command took about 0.4 s of each CLI run, building one takes a few
   * milliseconds. {@code completion} needs the whole tree and is never built alone.
   */
  static CommandLine oneCommand(String name) {
    if (name.startsWith("-") || name.equals("completion") || name.equals("help")) {
      return null;
    }
    Command top = NodeCommand.class.getAnnotation(Command.class);
    // first the class named after the command (get: GetCommand), so that one annotation is read, not all
    String simpleName = className(name);
    for (Class<?> c : top.subcommands()) {
      if (c.getSimpleName().equals(simpleName)) {
        CommandLine cl = named(top, c, name);
        if (cl != null) {
          return cl;
        }
      }
    }
    for (Class<?> c : top.subcommands()) {
      CommandLine cl = named(top, c, name);
      if (cl != null) {
        return cl;
      }
    }
    return null;
  }

  /** {@code rolling-update} → {@code RollingUpdateCommand}. */
  static String className(String commandName) {
    StringBuilder b = new StringBuilder();
    boolean upper = true;
    for (char ch : commandName.toCharArray()) {
      if (ch == '-') {
        upper = true;
      } else {
        b.append(upper ? Character.toUpperCase(ch) : ch);
        upper = false;
      }
    }
    return b.append("Command").toString();
  }

  /** The command line of subcommand class {@code c} when it is called {@code name} (or has it as an alias). */
  private static CommandLine named(Command top, Class<?> c, String name) {
    Command sub = c.getAnnotation(Command.class);
    if (sub != null && (sub.name().equals(name) || java.util.Arrays.asList(sub.aliases()).contains(name))) {
      CommandLine cl = new CommandLine(c);
      cl.setCommandName(top.name() + " " + sub.name());
      addHelpOption(cl);
      return configured(cl);
    }
    return null;
  }

  private static CommandLine configured(CommandLine cl) {
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setAllowSubcommandsAsOptionParameters(true);
    if (cl.getCommand() instanceof NodeCommand) {
      cl.getSubcommands().values().forEach(Main::addHelpOption);
    }
    cl.setExecutionExceptionHandler(new OneLineExecutionError());
    cl.setParameterExceptionHandler(new OneLineUsageError());
    return cl;
  }

  /*
   * The two handlers are classes, not lambdas: picocli's interfaces are of an old class-file version that a
   * class-data sharing archive leaves out, and a lambda implementing one could not be archived either (its
   * method handles were built at every start).
   */

  /** An exception out of a command: one line. */
  private static final class OneLineExecutionError implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine line, CommandLine.ParseResult parsed) {
      line.getErr().println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      return 1;
    }
  }

  /** Bad usage: one line naming the help to read, exit 1 as kubectl's. */
  private static final class OneLineUsageError implements CommandLine.IParameterExceptionHandler {
    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
      CommandLine c = ex.getCommandLine();
      String hint = "";
      if (c.getParent() == null && ex instanceof CommandLine.UnmatchedArgumentException u
          && u.getUnmatched().stream().anyMatch(Main::isClientOption)) {
        hint = CLIENT_OPTION_HINT;
      }
      c.getErr().println("error: " + ex.getMessage() + hint + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
      return 1;
    }
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
