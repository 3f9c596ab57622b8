package io.coxswain.kubelet;

import java.util.Locale;

/** A container's imagePullPolicy. */
public enum PullPolicy {
  ALWAYS, IF_NOT_PRESENT, NEVER;

  /**
   * Parses the Kubernetes spelling (Always, IfNotPresent, Never); when absent, Kubernetes' default: Always
   * for an image tagged {@code :latest} or untagged, IfNotPresent otherwise.
   */
  public static PullPolicy of(String value, String image) {
    if (value == null || value.isBlank()) {
      return isLatest(image) ? ALWAYS : IF_NOT_PRESENT;
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "always" -> ALWAYS;
      case "ifnotpresent" -> IF_NOT_PRESENT;
      case "never" -> NEVER;
      default -> throw new IllegalArgumentException("unknown imagePullPolicy: " + value);
    };
  }

  static boolean isLatest(String image) {
    if (image == null || image.contains("@")) {
      return false;
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    return colon <= slash || image.substring(colon + 1).equals("latest");
  }
}
