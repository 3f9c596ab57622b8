package io.coxswain.cli;

import java.io.PrintWriter;

/** A one-line progress bar redrawn in place on a terminal; silent when output is not a terminal. */
final class Progress {
  private final PrintWriter out;
  private final boolean enabled;
  private final String label;
  private final int total;
  private boolean drawn;

  Progress(PrintWriter out, boolean enabled, String label, int total) {
    this.out = out;
    this.enabled = enabled;
    this.label = label;
    this.total = Math.max(1, total);
  }

  static String bar(String label, int done, int total, int width) {
    int filled = (int) Math.round((double) width * Math.min(done, total) / Math.max(1, total));
    return label + " [" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + done + "/" + total;
  }

  void update(int done) {
    update(done, label);
  }

  void update(int done, String text) {
    if (!enabled) {
      return;
    }
    out.print("\r\033[2K" + bar(text, done, total, 30));
    out.flush();
    drawn = true;
  }

  void done() {
    if (enabled && drawn) {
      out.print("\r\033[2K");
      out.flush();
      drawn = false;
    }
  }
}
