package io.coxswain.cli;

import picocli.CommandLine;

/** The version the jar was built as. */
public final class VersionInfo implements CommandLine.IVersionProvider {
  public static String version() {
    String v = VersionInfo.class.getPackage().getImplementationVersion();
    return v == null ? "0.0.0-dev" : v;
  }

  @Override
  public String[] getVersion() {
    return new String[] {"Coxswain " + version() + " (Kubernetes API v1.32 compatible)"};
  }
}
