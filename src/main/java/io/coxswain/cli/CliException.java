package io.coxswain.cli;

/** A failure the CLI reports as one line on stderr (already worded as kubectl words it) and an exit code. */
final class CliException extends RuntimeException {
  private final int exitCode;

  CliException(String line) {
    this(line, 1);
  }

  CliException(String line, int exitCode) {
    super(line);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }

  /** The kubectl wording of a usage error: {@code error: ...}. */
  static CliException usage(String message) {
    return new CliException("error: " + message);
  }
}
