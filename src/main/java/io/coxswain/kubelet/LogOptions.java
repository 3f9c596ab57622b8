package io.coxswain.kubelet;

import java.time.Instant;

/**
 * Which part of a log to read.
 *
 * @param tail       only the last N lines, or null for all
 * @param since      only lines after this time, or null
 * @param timestamps prefix each line with its RFC 3339 time
 * @param follow     keep streaming new lines
 */
public record LogOptions(Integer tail, Instant since, boolean timestamps, boolean follow) {
  public static LogOptions all() {
    return new LogOptions(null, null, false, false);
  }

  public LogOptions withFollow(boolean value) {
    return new LogOptions(tail, since, timestamps, value);
  }
}
