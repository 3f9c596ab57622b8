package io.coxswain.api;

import java.util.Locale;

/** Content negotiation: which body format a request carries and which one its Accept header wants. */
public final class MediaTypes {
  private MediaTypes() {}

  public static final String JSON = "application/json";
  public static final String YAML = "application/yaml";

  /** What to answer with: YAML or JSON, and whether as a meta.k8s.io Table. */
  public record Answer(boolean yaml, boolean table) {}

  /** The bare media type of a Content-Type header, lower case, without parameters; JSON when absent. */
  public static String bare(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return JSON;
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }

  public static boolean isYaml(String bare) {
    return bare.equals(YAML) || bare.equals("application/x-yaml") || bare.equals("text/yaml");
  }

  /**
   * Picks the first acceptable entry of an Accept header: application/json (as=Table when asked), YAML,
   * or a wildcard. Entries asking for other forms (aggregated discovery, protobuf) are skipped, so such
   * clients fall back to plain JSON. Null when nothing is acceptable.
   */
  public static Answer negotiate(String accept, boolean tableAllowed) {
    if (accept == null || accept.isBlank()) {
      return new Answer(false, false);
    }
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      String as = null;
      String group = null;
      for (int i = 1; i < parts.length; i++) {
        String[] kv = parts[i].trim().split("=", 2);
        if (kv.length == 2) {
          String k = kv[0].trim();
          String v = kv[1].trim();
          if (k.equals("as")) {
            as = v;
          } else if (k.equals("g")) {
            group = v;
          }
        }
      }
      if (type.equals(JSON)) {
        if (as == null) {
          return new Answer(false, false);
        }
        if (as.equals("Table") && "meta.k8s.io".equals(group) && tableAllowed) {
          return new Answer(false, true);
        }
        continue;
      }
      if (isYaml(type) && as == null) {
        return new Answer(true, false);
      }
      if ((type.equals("*/*") || type.equals("application/*")) && as == null) {
        return new Answer(false, false);
      }
    }
    return null;
  }
}
