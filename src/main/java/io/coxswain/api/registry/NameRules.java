package io.coxswain.api.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The name formats Kubernetes accepts (RFC 1123 labels and subdomains, RFC 1035 labels, qualified names,
 * label values, IANA service names). Each check returns the problems found, empty when the value is fine.
 */
public final class NameRules {
  private static final String LABEL_1123 = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final Pattern DNS1123_LABEL = Pattern.compile(LABEL_1123);
  private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(LABEL_1123 + "(\\." + LABEL_1123 + ")*");
  private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern QUALIFIED_NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern IANA_SVC_NAME = Pattern.compile("[-a-z0-9]+");
  private static final Pattern HAS_LETTER = Pattern.compile(".*[a-z].*");
  private static final Pattern ENV_VAR_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
  private static final Pattern C_IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public static final int LABEL_MAX = 63;
  public static final int SUBDOMAIN_MAX = 253;

  private NameRules() {}

  public static List<String> dns1123Label(String value) {
    List<String> out = new ArrayList<>();
    if (value.length() > LABEL_MAX) {
      out.add(tooLong(LABEL_MAX));
    }
    if (!DNS1123_LABEL.matcher(value).matches()) {
      out.add("a lowercase RFC 1123 label: lower case letters, digits and '-', starting and ending with a letter"
          + " or digit (e.g. 'my-name' or '123-abc'; regex '" + LABEL_1123 + "')");
    }
    return out;
  }

  public static List<String> dns1123Subdomain(String value) {
    List<String> out = new ArrayList<>();
    if (value.length() > SUBDOMAIN_MAX) {
      out.add(tooLong(SUBDOMAIN_MAX));
    }
    if (!DNS1123_SUBDOMAIN.matcher(value).matches()) {
      out.add("a lowercase RFC 1123 subdomain: lower case letters, digits, '-' and '.', starting and ending with"
          + " a letter or digit (e.g. 'example.com'; regex '" + DNS1123_SUBDOMAIN.pattern() + "')");
    }
    return out;
  }

  public static List<String> dns1035Label(String value) {
    List<String> out = new ArrayList<>();
    if (value.length() > LABEL_MAX) {
      out.add(tooLong(LABEL_MAX));
    }
    if (!DNS1035_LABEL.matcher(value).matches()) {
      out.add("a DNS-1035 label: lower case letters, digits and '-', starting with a letter and ending with a"
          + " letter or digit (e.g. 'my-name' or 'abc-123'; regex '" + DNS1035_LABEL.pattern() + "')");
    }
    return out;
  }

  /** A label or annotation key: an optional DNS subdomain prefix and '/', then a name of up to 63 characters. */
  public static List<String> qualifiedName(String value) {
    List<String> out = new ArrayList<>();
    String name = value;
    int slash = value.indexOf('/');
    if (slash >= 0) {
      String[] parts = value.split("/", -1);
      if (parts.length != 2) {
        out.add("a qualified name has at most one '/': an optional DNS subdomain prefix, then a name"
            + " (e.g. 'MyName', 'my.name' or 'example.com/MyName')");
        return out;
      }
      String prefix = parts[0];
      name = parts[1];
      if (prefix.isEmpty()) {
        out.add("prefix part must be non-empty");
      } else {
        for (String p : dns1123Subdomain(prefix)) {
          out.add("prefix part " + p);
        }
      }
    }
    if (name.isEmpty()) {
      out.add("name part must be non-empty");
    } else if (name.length() > LABEL_MAX) {
      out.add("name part " + tooLong(LABEL_MAX));
    }
    if (!name.isEmpty() && !QUALIFIED_NAME_PART.matcher(name).matches()) {
      out.add("name part must consist of letters, digits, '-', '_' or '.', and must start and end with a letter"
          + " or digit (e.g. 'MyName', 'my.name' or '123-abc'; regex '" + QUALIFIED_NAME_PART.pattern() + "')");
    }
    return out;
  }

  public static List<String> labelValue(String value) {
    List<String> out = new ArrayList<>();
    if (value.length() > LABEL_MAX) {
      out.add(tooLong(LABEL_MAX));
    }
    if (!LABEL_VALUE.matcher(value).matches()) {
      out.add("a valid label must be empty or consist of letters, digits, '-', '_' or '.', and must start and"
          + " end with a letter or digit (e.g. 'MyValue' or 'my_value'; regex '" + LABEL_VALUE.pattern() + "')");
    }
    return out;
  }

  /** An IANA service name (port names): up to 15 lower case letters, digits and single '-', with a letter. */
  public static List<String> ianaServiceName(String value) {
    List<String> out = new ArrayList<>();
    if (value.length() > 15) {
      out.add(tooLong(15));
    }
    if (!IANA_SVC_NAME.matcher(value).matches()) {
      out.add("must contain only lower case letters, digits and '-'");
    }
    if (value.contains("--")) {
      out.add("must not contain consecutive hyphens");
    }
    if (!HAS_LETTER.matcher(value).matches()) {
      out.add("must contain at least one letter (a-z)");
    }
    if (value.startsWith("-") || value.endsWith("-")) {
      out.add("must not begin or end with a hyphen");
    }
    return out;
  }

  public static List<String> envVarName(String value) {
    List<String> out = new ArrayList<>();
    if (!ENV_VAR_NAME.matcher(value).matches()) {
      out.add("a valid environment variable name must consist of letters, digits, '_', '-' or '.', and must not"
          + " start with a digit (e.g. 'my.env-name' or 'MY_ENV.NAME'; regex '" + ENV_VAR_NAME.pattern() + "')");
    }
    return out;
  }

  public static List<String> cIdentifier(String value) {
    List<String> out = new ArrayList<>();
    if (!C_IDENTIFIER.matcher(value).matches()) {
      out.add("a valid C identifier must start with a letter or '_' followed by letters, digits or '_'");
    }
    return out;
  }

  public static List<String> portNumber(int port) {
    return port >= 1 && port <= 65535 ? List.of() : List.of("must be between 1 and 65535, inclusive");
  }

  /** An IPv4 or IPv6 address literal (no host names). */
  public static boolean isIp(String value) {
    if (value == null || value.isEmpty()) {
      return false;
    }
    if (value.indexOf(':') >= 0) {
      if (!value.matches("[0-9A-Fa-f:.]+")) {
        return false;
      }
      try {
        return java.net.InetAddress.getByName(value) instanceof java.net.Inet6Address;
      } catch (java.net.UnknownHostException e) {
        return false;
      }
    }
    String[] parts = value.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
        return false;
      }
      if (p.length() > 1 && p.charAt(0) == '0') {
        return false;
      }
      if (Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  /** A CIDR such as 10.244.0.0/24. */
  public static boolean isCidr(String value) {
    if (value == null) {
      return false;
    }
    int slash = value.indexOf('/');
    if (slash < 0) {
      return false;
    }
    String ip = value.substring(0, slash);
    String bits = value.substring(slash + 1);
    if (!isIp(ip) || bits.isEmpty() || !bits.chars().allMatch(Character::isDigit) || bits.length() > 3) {
      return false;
    }
    int n = Integer.parseInt(bits);
    return n <= (ip.indexOf(':') >= 0 ? 128 : 32);
  }

  static String tooLong(int max) {
    return "must be no more than " + max + " characters";
  }
}
