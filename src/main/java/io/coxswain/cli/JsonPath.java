package io.coxswain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Kubernetes JSONPath templates as {@code kubectl -o jsonpath=...} evaluates them: literal text, {@code {path}}
 * expressions ({@code .a.b}, {@code ['a']}, {@code [*]}, {@code [n]}, {@code [a:b:c]}, {@code ..name},
 * {@code [?(@.x=="y")]}), {@code {range PATH}...{end}} and string literals {@code {"\n"}}. Missing keys
 * print nothing; several results print space-separated; maps and lists print as compact JSON.
 */
final class JsonPath {
  private sealed interface Node permits Text, Expr, Range {}

  private record Text(String text) implements Node {}

  private record Expr(List<Step> path) implements Node {}

  private record Range(List<Step> path, List<Node> body) implements Node {}

  private sealed interface Step permits Field, Recursive, Wildcard, Index, Slice, Filter, Root, Current {}

  private record Field(List<String> names) implements Step {}

  private record Recursive(String name) implements Step {}

  private record Wildcard() implements Step {}

  private record Index(List<Integer> indexes) implements Step {}

  private record Slice(Integer start, Integer end, int step) implements Step {}

  private record Filter(List<Step> left, String op, List<Step> rightPath, JsonNode rightValue) implements Step {}

  private record Root() implements Step {}

  private record Current() implements Step {}

  private final List<Node> nodes;

  private JsonPath(List<Node> nodes) {
    this.nodes = nodes;
  }

  /** Parses a template; {@code .items[*]} without braces is taken as {@code {.items[*]}} as kubectl does. */
  static JsonPath parse(String template) {
    String t = template;
    if (!t.contains("{") && (t.startsWith(".") || t.startsWith("$"))) {
      t = "{" + t + "}";
    }
    List<List<Node>> stack = new ArrayList<>();
    List<List<Step>> ranges = new ArrayList<>();
    List<Node> current = new ArrayList<>();
    int i = 0;
    StringBuilder text = new StringBuilder();
    while (i < t.length()) {
      char c = t.charAt(i);
      if (c != '{') {
        text.append(c);
        i++;
        continue;
      }
      int close = matching(t, i);
      if (close < 0) {
        throw new IllegalArgumentException("unclosed action in template: " + template);
      }
      if (text.length() > 0) {
        current.add(new Text(text.toString()));
        text.setLength(0);
      }
      String inside = t.substring(i + 1, close).trim();
      i = close + 1;
      if (inside.startsWith("range") && (inside.length() == 5 || " \t.[$@".indexOf(inside.charAt(5)) >= 0)) {
        stack.add(current);
        ranges.add(path(inside.substring(5).trim()));
        current = new ArrayList<>();
      } else if (inside.equals("end")) {
        if (stack.isEmpty()) {
          throw new IllegalArgumentException("{end} without {range} in template: " + template);
        }
        List<Node> body = current;
        current = stack.remove(stack.size() - 1);
        current.add(new Range(ranges.remove(ranges.size() - 1), body));
      } else if (inside.startsWith("\"")) {
        current.add(new Text(unquote(inside)));
      } else {
        current.add(new Expr(path(inside)));
      }
    }
    if (text.length() > 0) {
      current.add(new Text(text.toString()));
    }
    if (!stack.isEmpty()) {
      throw new IllegalArgumentException("{range} without {end} in template: " + template);
    }
    return new JsonPath(current);
  }

  String evaluate(JsonNode root) {
    StringBuilder out = new StringBuilder();
    run(nodes, root, root, out);
    return out.toString();
  }

  private static void run(List<Node> nodes, JsonNode root, JsonNode here, StringBuilder out) {
    for (Node n : nodes) {
      if (n instanceof Text t) {
        out.append(t.text());
      } else if (n instanceof Expr e) {
        List<JsonNode> results = eval(e.path(), root, here);
        for (int i = 0; i < results.size(); i++) {
          if (i > 0) {
            out.append(' ');
          }
          out.append(print(results.get(i)));
        }
      } else if (n instanceof Range r) {
        for (JsonNode v : eval(r.path(), root, here)) {
          if (v.isArray()) {
            for (JsonNode e : v) {
              run(r.body(), root, e, out);
            }
          } else {
            run(r.body(), root, v, out);
          }
        }
      }
    }
  }

  static String print(JsonNode v) {
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isContainerNode()) {
      return CliJson.compactSorted(v);
    }
    return v.asText();
  }

  private static List<JsonNode> eval(List<Step> path, JsonNode root, JsonNode here) {
    List<JsonNode> cur = new ArrayList<>(List.of(here));
    for (Step s : path) {
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode n : cur) {
        apply(s, n, root, next);
      }
      cur = next;
    }
    return cur;
  }

  private static void apply(Step s, JsonNode n, JsonNode root, List<JsonNode> next) {
    if (s instanceof Root) {
      next.add(root);
    } else if (s instanceof Current) {
      next.add(n);
    } else if (s instanceof Field f) {
      for (String name : f.names()) {
        if (n.isObject() && n.has(name)) {
          next.add(n.get(name));
        }
      }
    } else if (s instanceof Wildcard) {
      if (n.isContainerNode()) {
        n.elements().forEachRemaining(next::add);
      }
    } else if (s instanceof Recursive r) {
      descend(n, r.name(), next);
    } else if (s instanceof Index x) {
      if (n.isArray()) {
        for (int i : x.indexes()) {
          int k = i < 0 ? n.size() + i : i;
          if (k >= 0 && k < n.size()) {
            next.add(n.get(k));
          }
        }
      }
    } else if (s instanceof Slice sl) {
      if (n.isArray()) {
        int size = n.size();
        int start = sl.start() == null ? 0 : clamp(sl.start() < 0 ? size + sl.start() : sl.start(), size);
        int end = sl.end() == null ? size : clamp(sl.end() < 0 ? size + sl.end() : sl.end(), size);
        for (int i = start; i < end; i += Math.max(1, sl.step())) {
          next.add(n.get(i));
        }
      }
    } else if (s instanceof Filter f) {
      Iterator<JsonNode> it = n.isArray() ? n.elements() : List.of(n).iterator();
      while (it.hasNext()) {
        JsonNode e = it.next();
        if (matches(f, e, root)) {
          next.add(e);
        }
      }
    }
  }

  private static int clamp(int v, int size) {
    return Math.max(0, Math.min(size, v));
  }

  private static void descend(JsonNode n, String name, List<JsonNode> out) {
    if (n.isObject()) {
      if (name.equals("*")) {
        n.elements().forEachRemaining(out::add);
      } else if (n.has(name)) {
        out.add(n.get(name));
      }
    } else if (n.isArray() && name.equals("*")) {
      n.elements().forEachRemaining(out::add);
    }
    if (n.isContainerNode()) {
      n.elements().forEachRemaining(c -> descend(c, name, out));
    }
  }

  private static boolean matches(Filter f, JsonNode element, JsonNode root) {
    List<JsonNode> left = eval(f.left(), root, element);
    if (f.op() == null) {
      return !left.isEmpty() && !left.get(0).isNull() && !(left.get(0).isBoolean() && !left.get(0).asBoolean());
    }
    List<JsonNode> right = f.rightPath() != null ? eval(f.rightPath(), root, element) : List.of(f.rightValue());
    if (left.isEmpty() || right.isEmpty()) {
      return false;
    }
    JsonNode l = left.get(0);
    JsonNode r = right.get(0);
    if (l.isNumber() && r.isNumber() || numeric(l) && numeric(r) && (l.isNumber() || r.isNumber())) {
      int c = new BigDecimal(l.asText()).compareTo(new BigDecimal(r.asText()));
      return switch (f.op()) {
        case "==" -> c == 0;
        case "!=" -> c != 0;
        case "<" -> c < 0;
        case ">" -> c > 0;
        case "<=" -> c <= 0;
        default -> c >= 0;
      };
    }
    String ls = print(l);
    String rs = print(r);
    int c = ls.compareTo(rs);
    return switch (f.op()) {
      case "==" -> ls.equals(rs);
      case "!=" -> !ls.equals(rs);
      case "<" -> c < 0;
      case ">" -> c > 0;
      case "<=" -> c <= 0;
      default -> c >= 0;
    };
  }

  private static boolean numeric(JsonNode n) {
    if (n.isNumber()) {
      return true;
    }
    try {
      new BigDecimal(n.asText());
      return n.isTextual();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The index of the '}' that closes the '{' at {@code open}, skipping quoted text. */
  private static int matching(String t, int open) {
    char quote = 0;
    for (int i = open + 1; i < t.length(); i++) {
      char c = t.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '}') {
        return i;
      }
    }
    return -1;
  }

  private static String unquote(String q) {
    if (q.length() < 2 || q.charAt(q.length() - 1) != q.charAt(0)) {
      throw new IllegalArgumentException("unterminated string " + q);
    }
    String s = q.substring(1, q.length() - 1);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char e = s.charAt(++i);
        b.append(switch (e) {
          case 'n' -> '\n';
          case 't' -> '\t';
          case 'r' -> '\r';
          default -> e;
        });
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static List<Step> path(String p) {
    List<Step> steps = new ArrayList<>();
    int i = 0;
    String s = p.trim();
    if (s.startsWith("$")) {
      steps.add(new Root());
      i = 1;
    } else if (s.startsWith("@")) {
      steps.add(new Current());
      i = 1;
    }
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '.') {
        if (i + 1 < s.length() && s.charAt(i + 1) == '.') {
          int[] end = new int[1];
          String name = identifier(s, i + 2, end);
          steps.add(new Recursive(name.isEmpty() ? "*" : name));
          i = end[0];
        } else if (i + 1 < s.length() && s.charAt(i + 1) == '*') {
          steps.add(new Wildcard());
          i += 2;
        } else {
          int[] end = new int[1];
          String name = identifier(s, i + 1, end);
          if (!name.isEmpty()) {
            steps.add(new Field(List.of(name)));
          }
          i = end[0];
        }
      } else if (c == '[') {
        int close = closingBracket(s, i);
        if (close < 0) {
          throw new IllegalArgumentException("unclosed [ in " + p);
        }
        steps.add(bracket(s.substring(i + 1, close).trim(), p));
        i = close + 1;
      } else if (Character.isWhitespace(c)) {
        i++;
      } else {
        int[] end = new int[1];
        String name = identifier(s, i, end);
        if (name.isEmpty()) {
          throw new IllegalArgumentException("unrecognized character '" + c + "' in " + p);
        }
        steps.add(new Field(List.of(name)));
        i = end[0];
      }
    }
    return steps;
  }

  private static String identifier(String s, int from, int[] end) {
    StringBuilder b = new StringBuilder();
    int i = from;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        b.append(s.charAt(i + 1));
        i += 2;
        continue;
      }
      if (c == '.' || c == '[' || Character.isWhitespace(c) || "=!<>)".indexOf(c) >= 0) {
        break;
      }
      b.append(c);
      i++;
    }
    end[0] = i;
    return b.toString();
  }

  private static int closingBracket(String s, int open) {
    int depth = 0;
    char quote = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[') {
        depth++;
      } else if (c == ']' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  private static Step bracket(String in, String p) {
    if (in.equals("*")) {
      return new Wildcard();
    }
    if (in.startsWith("?")) {
      String f = in.substring(1).trim();
      if (!f.startsWith("(") || !f.endsWith(")")) {
        throw new IllegalArgumentException("a filter is [?(...)] in " + p);
      }
      f = f.substring(1, f.length() - 1).trim();
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(==|!=|<=|>=|<|>)").matcher(f);
      int at = -1;
      char quote = 0;
      for (int k = 0; k < f.length() && at < 0; k++) {
        char c = f.charAt(k);
        if (quote != 0) {
          if (c == quote) {
            quote = 0;
          }
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (m.find(k) && m.start() == k) {
          at = k;
        }
      }
      if (at < 0) {
        return new Filter(path(f), null, null, null);
      }
      m.find(at);
      String op = m.group(1);
      String right = f.substring(m.end()).trim();
      List<Step> left = path(f.substring(0, at).trim());
      if (right.startsWith("@") || right.startsWith("$")) {
        return new Filter(left, op, path(right), null);
      }
      return new Filter(left, op, null, literal(right));
    }
    if (in.startsWith("'") || in.startsWith("\"")) {
      List<String> names = new ArrayList<>();
      for (String part : in.split(",")) {
        names.add(unquote(part.trim()));
      }
      return new Field(names);
    }
    if (in.contains(":")) {
      String[] parts = in.split(":", -1);
      return new Slice(intOrNull(parts[0]), intOrNull(parts[1]), parts.length > 2 && !parts[2].isBlank()
          ? Integer.parseInt(parts[2].trim()) : 1);
    }
    List<Integer> idx = new ArrayList<>();
    for (String part : in.split(",")) {
      try {
        idx.add(Integer.parseInt(part.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid array index " + part.trim() + " in " + p);
      }
    }
    return new Index(idx);
  }

  private static Integer intOrNull(String s) {
    return s.isBlank() ? null : Integer.parseInt(s.trim());
  }

  private static JsonNode literal(String s) {
    if (s.startsWith("'") || s.startsWith("\"")) {
      return com.fasterxml.jackson.databind.node.TextNode.valueOf(unquote(s));
    }
    if (s.equals("true") || s.equals("false")) {
      return com.fasterxml.jackson.databind.node.BooleanNode.valueOf(Boolean.parseBoolean(s));
    }
    try {
      return com.fasterxml.jackson.databind.node.DecimalNode.valueOf(new BigDecimal(s));
    } catch (NumberFormatException e) {
      return com.fasterxml.jackson.databind.node.TextNode.valueOf(s);
    }
  }
}
