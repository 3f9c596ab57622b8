package io.coxswain.api;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed label selector string (equality and set-based): {@code a=b,c!=d,e in (x,y),f notin (z),g,!h}.
 * Parsing failures are 400 BadRequest.
 */
public final class LabelQuery {
  enum Op { EQ, NEQ, IN, NOTIN, EXISTS, NOTEXISTS }

  record Requirement(String key, Op op, Set<String> values) {
    boolean matches(Map<String, String> labels) {
      String v = labels.get(key);
      return switch (op) {
        case EQ, IN -> v != null && values.contains(v);
        case NEQ, NOTIN -> v == null || !values.contains(v);
        case EXISTS -> v != null;
        case NOTEXISTS -> v == null;
      };
    }
  }

  private final List<Requirement> requirements;

  private LabelQuery(List<Requirement> requirements) {
    this.requirements = List.copyOf(requirements);
  }

  public static final LabelQuery EVERYTHING = new LabelQuery(List.of());

  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  public boolean matches(Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    for (Requirement r : requirements) {
      if (!r.matches(l)) {
        return false;
      }
    }
    return true;
  }

  public static LabelQuery parse(String text) {
    if (text == null || text.isBlank()) {
      return EVERYTHING;
    }
    List<Requirement> out = new ArrayList<>();
    for (String part : splitTopLevel(text)) {
      String p = part.trim();
      if (p.isEmpty()) {
        throw bad(text, "empty requirement");
      }
      out.add(parseOne(p, text));
    }
    return new LabelQuery(out);
  }

  private static List<String> splitTopLevel(String text) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(text.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(text.substring(start));
    return parts;
  }

  private static Requirement parseOne(String p, String whole) {
    if (p.startsWith("!")) {
      return new Requirement(key(p.substring(1).trim(), whole), Op.NOTEXISTS, Set.of());
    }
    int ne = p.indexOf("!=");
    if (ne > 0) {
      return new Requirement(key(p.substring(0, ne).trim(), whole), Op.NEQ, Set.of(value(p.substring(ne + 2).trim(), whole)));
    }
    int eq2 = p.indexOf("==");
    if (eq2 > 0) {
      return new Requirement(key(p.substring(0, eq2).trim(), whole), Op.EQ, Set.of(value(p.substring(eq2 + 2).trim(), whole)));
    }
    int eq = p.indexOf('=');
    if (eq > 0) {
      return new Requirement(key(p.substring(0, eq).trim(), whole), Op.EQ, Set.of(value(p.substring(eq + 1).trim(), whole)));
    }
    String[] words = p.split("\\s+", 2);
    if (words.length == 2) {
      String rest = words[1].trim();
      Op op;
      if (rest.startsWith("notin")) {
        op = Op.NOTIN;
        rest = rest.substring(5).trim();
      } else if (rest.startsWith("in")) {
        op = Op.IN;
        rest = rest.substring(2).trim();
      } else {
        throw bad(whole, "expected 'in' or 'notin' after " + words[0]);
      }
      if (!rest.startsWith("(") || !rest.endsWith(")")) {
        throw bad(whole, "expected a parenthesised value list");
      }
      Set<String> values = new LinkedHashSet<>();
      for (String v : rest.substring(1, rest.length() - 1).split(",")) {
        values.add(value(v.trim(), whole));
      }
      return new Requirement(key(words[0], whole), op, values);
    }
    return new Requirement(key(p, whole), Op.EXISTS, Set.of());
  }

  private static final java.util.regex.Pattern KEY =
      java.util.regex.Pattern.compile("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final java.util.regex.Pattern VALUE =
      java.util.regex.Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");

  private static String key(String k, String whole) {
    if (!KEY.matcher(k).matches() || k.length() > 316) {
      throw bad(whole, "invalid label key \"" + k + "\"");
    }
    return k;
  }

  private static String value(String v, String whole) {
    if (!VALUE.matcher(v).matches() || v.length() > 63) {
      throw bad(whole, "invalid label value \"" + v + "\"");
    }
    return v;
  }

  private static ApiException bad(String whole, String why) {
    return ApiException.badRequest("unable to parse requirement: " + why + " in label selector \"" + whole + "\"");
  }
}
