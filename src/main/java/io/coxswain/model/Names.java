package io.coxswain.model;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Kubernetes' rules for names, label keys and label values. Each check returns the list of problems (empty
 * when valid), worded as Kubernetes words them, so callers can put them in a field error.
 */
public final class Names {
  private static final String QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
  private static final Pattern QUALIFIED_NAME = Pattern.compile("^" + QUALIFIED_NAME_FMT + "$");
  private static final String LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?";
  private static final Pattern LABEL_VALUE = Pattern.compile("^" + LABEL_VALUE_FMT + "$");
  private static final String DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final Pattern DNS1123_LABEL = Pattern.compile("^" + DNS1123_LABEL_FMT + "$");
  private static final String DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*";
  private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile("^" + DNS1123_SUBDOMAIN_FMT + "$");

  public static final int QUALIFIED_NAME_MAX_LENGTH = 63;
  public static final int LABEL_VALUE_MAX_LENGTH = 63;
  public static final int DNS1123_LABEL_MAX_LENGTH = 63;
  public static final int DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

  private Names() {}

  /** A label or annotation key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
  public static List<String> qualifiedNameErrors(String value) {
    List<String> errors = new ArrayList<>();
    String[] parts = value.split("/", -1);
    String name;
    switch (parts.length) {
      case 1 -> name = parts[0];
      case 2 -> {
        String prefix = parts[0];
        name = parts[1];
        if (prefix.isEmpty()) {
          errors.add("prefix part must be non-empty");
        } else {
          for (String e : dns1123SubdomainErrors(prefix)) {
            errors.add("prefix part " + e);
          }
        }
      }
      default -> {
        errors.add("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and"
            + " end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
            + " validation is '" + QUALIFIED_NAME_FMT + "') with an optional DNS subdomain prefix and '/'"
            + " (e.g. 'example.com/MyName')");
        return errors;
      }
    }
    if (name.isEmpty()) {
      errors.add("name part must be non-empty");
    } else if (name.length() > QUALIFIED_NAME_MAX_LENGTH) {
      errors.add("name part must be no more than " + QUALIFIED_NAME_MAX_LENGTH + " characters");
    }
    if (!QUALIFIED_NAME.matcher(name).matches()) {
      errors.add("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end"
          + " with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
          + " validation is '" + QUALIFIED_NAME_FMT + "')");
    }
    return errors;
  }

  /** A label value: empty, or at most 63 alphanumerics, '-', '_', '.' starting and ending alphanumeric. */
  public static List<String> labelValueErrors(String value) {
    List<String> errors = new ArrayList<>();
    if (value.length() > LABEL_VALUE_MAX_LENGTH) {
      errors.add("must be no more than " + LABEL_VALUE_MAX_LENGTH + " characters");
    }
    if (!LABEL_VALUE.matcher(value).matches()) {
      errors.add("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.',"
          + " and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or"
          + " '12345', regex used for validation is '" + LABEL_VALUE_FMT + "')");
    }
    return errors;
  }

  /** An RFC 1123 label (a namespace or service name). */
  public static List<String> dns1123LabelErrors(String value) {
    List<String> errors = new ArrayList<>();
    if (value.length() > DNS1123_LABEL_MAX_LENGTH) {
      errors.add("must be no more than " + DNS1123_LABEL_MAX_LENGTH + " characters");
    }
    if (!DNS1123_LABEL.matcher(value).matches()) {
      errors.add("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must"
          + " start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for"
          + " validation is '" + DNS1123_LABEL_FMT + "')");
    }
    return errors;
  }

  /** An RFC 1123 subdomain (most object names). */
  public static List<String> dns1123SubdomainErrors(String value) {
    List<String> errors = new ArrayList<>();
    if (value.length() > DNS1123_SUBDOMAIN_MAX_LENGTH) {
      errors.add("must be no more than " + DNS1123_SUBDOMAIN_MAX_LENGTH + " characters");
    }
    if (!DNS1123_SUBDOMAIN.matcher(value).matches()) {
      errors.add("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.',"
          + " and must start and end with an alphanumeric character (e.g. 'example.com', regex used for"
          + " validation is '" + DNS1123_SUBDOMAIN_FMT + "')");
    }
    return errors;
  }
}
