package io.coxswain.model;

import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * An immutable Kubernetes label selector: a conjunction of requirements on labels. Built from the string
 * syntax ({@code a=b,c!=d,e in (x,y),f notin (z),g,!h,n>3}), from a map (a replication controller's
 * selector) or from a {@code metav1.LabelSelector} (matchLabels and matchExpressions).
 */
public final class LabelSelector {
  /** The requirement operators of the string and structured forms. */
  public enum Operator {
    EQUALS("="), DOUBLE_EQUALS("=="), NOT_EQUALS("!="), IN("in"), NOT_IN("notin"), EXISTS(""),
    DOES_NOT_EXIST("!"), GREATER_THAN(">"), LESS_THAN("<");

    private final String symbol;

    Operator(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }
  }

  /** One requirement: key, operator and the (sorted, deduplicated) values. */
  public record Requirement(String key, Operator operator, List<String> values) {
    public Requirement {
      Objects.requireNonNull(key);
      Objects.requireNonNull(operator);
      values = List.copyOf(new TreeSet<>(values));
    }

    public boolean matches(Map<String, String> labels) {
      String value = labels == null ? null : labels.get(key);
      return switch (operator) {
        case EQUALS, DOUBLE_EQUALS, IN -> value != null && values.contains(value);
        case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
        case EXISTS -> value != null;
        case DOES_NOT_EXIST -> value == null;
        case GREATER_THAN, LESS_THAN -> {
          if (value == null) {
            yield false;
          }
          long have;
          try {
            have = Long.parseLong(value);
          } catch (NumberFormatException e) {
            yield false;
          }
          long bound = Long.parseLong(values.get(0));
          yield operator == Operator.GREATER_THAN ? have > bound : have < bound;
        }
      };
    }

    @Override
    public String toString() {
      return switch (operator) {
        case EXISTS -> key;
        case DOES_NOT_EXIST -> "!" + key;
        case IN, NOT_IN -> key + " " + operator.symbol + " (" + String.join(",", values) + ")";
        default -> key + operator.symbol + values.get(0);
      };
    }
  }

  private static final String PREFIX = "unable to parse requirement: ";
  private static final LabelSelector EVERYTHING = new LabelSelector(List.of(), false);
  private static final LabelSelector NOTHING = new LabelSelector(List.of(), true);

  private final List<Requirement> requirements;
  private final boolean nothing;

  private LabelSelector(List<Requirement> requirements, boolean nothing) {
    List<Requirement> sorted = new ArrayList<>(requirements);
    sorted.sort(Comparator.comparing(Requirement::key).thenComparing(r -> r.operator().ordinal()));
    this.requirements = Collections.unmodifiableList(sorted);
    this.nothing = nothing;
  }

  /** The selector that matches every label set (an empty string or empty map). */
  public static LabelSelector everything() {
    return EVERYTHING;
  }

  /** The selector that matches nothing (a null structured selector). */
  public static LabelSelector nothing() {
    return NOTHING;
  }

  /** Equality requirements for each entry; an empty or null map matches everything. Keys are not validated. */
  public static LabelSelector fromMap(Map<String, String> selector) {
    if (selector == null || selector.isEmpty()) {
      return EVERYTHING;
    }
    List<Requirement> reqs = new ArrayList<>();
    selector.forEach((k, v) -> reqs.add(new Requirement(k, Operator.EQUALS, List.of(v))));
    return new LabelSelector(reqs, false);
  }

  /**
   * The structured {@code metav1.LabelSelector}: null matches nothing, empty matches everything, otherwise
   * matchLabels and matchExpressions all hold.
   */
  public static LabelSelector fromLabelSelector(io.fabric8.kubernetes.api.model.LabelSelector selector)
      throws SelectorException {
    if (selector == null) {
      return NOTHING;
    }
    List<Requirement> reqs = new ArrayList<>();
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        reqs.add(requirement(e.getKey(), Operator.EQUALS, List.of(e.getValue() == null ? "" : e.getValue())));
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement expr : selector.getMatchExpressions()) {
        String op = expr.getOperator();
        List<String> values = expr.getValues() == null ? List.of() : expr.getValues();
        Operator operator;
        if (op == null) {
          throw new SelectorException("\"\" is not a valid label selector operator");
        }
        switch (op) {
          case "In" -> operator = Operator.IN;
          case "NotIn" -> operator = Operator.NOT_IN;
          case "Exists" -> operator = Operator.EXISTS;
          case "DoesNotExist" -> operator = Operator.DOES_NOT_EXIST;
          default -> throw new SelectorException("\"" + op + "\" is not a valid label selector operator");
        }
        reqs.add(requirement(expr.getKey() == null ? "" : expr.getKey(), operator, values));
      }
    }
    return reqs.isEmpty() ? EVERYTHING : new LabelSelector(reqs, false);
  }

  /** Parses the string syntax; an empty or blank string matches everything. */
  public static LabelSelector parse(String text) throws SelectorException {
    if (text == null || text.isBlank()) {
      return EVERYTHING;
    }
    return new LabelSelector(new Parser(text).parse(), false);
  }

  /** Builds one requirement with Kubernetes' validation of key, operator arity and values. */
  public static Requirement requirement(String key, Operator operator, List<String> values)
      throws SelectorException {
    List<String> keyErrors = Names.qualifiedNameErrors(key);
    if (!keyErrors.isEmpty()) {
      throw new SelectorException("unable to parse requirement: key: Invalid value: \"" + key + "\": "
          + String.join("; ", keyErrors));
    }
    switch (operator) {
      case IN, NOT_IN -> {
        if (values.isEmpty()) {
          throw new SelectorException("unable to parse requirement: values: Invalid value: []: for 'in', 'notin'"
              + " operators, values set can't be empty");
        }
      }
      case EQUALS, DOUBLE_EQUALS, NOT_EQUALS -> {
        if (values.size() != 1) {
          throw new SelectorException("unable to parse requirement: values: Invalid value: " + values
              + ": exact-match compatibility requires one single value");
        }
      }
      case EXISTS, DOES_NOT_EXIST -> {
        if (!values.isEmpty()) {
          throw new SelectorException("unable to parse requirement: values: Invalid value: " + values
              + ": values set must be empty for exists and does not exist");
        }
      }
      case GREATER_THAN, LESS_THAN -> {
        if (values.size() != 1) {
          throw new SelectorException("unable to parse requirement: values: Invalid value: " + values
              + ": for 'Gt', 'Lt' operators, exactly one value is required");
        }
        try {
          Long.parseLong(values.get(0));
        } catch (NumberFormatException e) {
          throw new SelectorException("unable to parse requirement: values[0]: Invalid value: \"" + values.get(0)
              + "\": for 'Gt', 'Lt' operators, the value must be an integer");
        }
        return new Requirement(key, operator, values);
      }
      default -> { }
    }
    for (int i = 0; i < values.size(); i++) {
      List<String> errors = Names.labelValueErrors(values.get(i));
      if (!errors.isEmpty()) {
        throw new SelectorException("unable to parse requirement: values[" + i + "][" + key + "]: Invalid value: \""
            + values.get(i) + "\": " + String.join("; ", errors));
      }
    }
    return new Requirement(key, operator, values);
  }

  public boolean matches(Map<String, String> labels) {
    if (nothing) {
      return false;
    }
    for (Requirement r : requirements) {
      if (!r.matches(labels)) {
        return false;
      }
    }
    return true;
  }

  /** True when this selector matches every label set. */
  public boolean isEverything() {
    return !nothing && requirements.isEmpty();
  }

  /** True when this selector matches no label set. */
  public boolean isNothing() {
    return nothing;
  }

  /** The requirements, sorted by key. */
  public List<Requirement> requirements() {
    return requirements;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelSelector other && other.nothing == nothing && other.requirements.equals(requirements);
  }

  @Override
  public int hashCode() {
    return Objects.hash(nothing, requirements);
  }

  /** The canonical string form (requirements sorted by key), parseable again; "" for everything. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Requirement r : requirements) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(r);
    }
    return sb.toString();
  }

  /** A small hand-written lexer and recursive-descent parser for the string syntax. */
  private static final class Parser {
    private enum Kind { IDENT, IN, NOTIN, COMMA, EQ, DEQ, NEQ, BANG, OPEN, CLOSE, GT, LT, END }

    private record Token(Kind kind, String text) {}

    private final List<Token> tokens = new ArrayList<>();
    private int pos;

    Parser(String text) {
      int i = 0;
      int n = text.length();
      while (i < n) {
        char c = text.charAt(i);
        if (Character.isWhitespace(c)) {
          i++;
        } else if (c == ',') {
          tokens.add(new Token(Kind.COMMA, ","));
          i++;
        } else if (c == '(') {
          tokens.add(new Token(Kind.OPEN, "("));
          i++;
        } else if (c == ')') {
          tokens.add(new Token(Kind.CLOSE, ")"));
          i++;
        } else if (c == '>') {
          tokens.add(new Token(Kind.GT, ">"));
          i++;
        } else if (c == '<') {
          tokens.add(new Token(Kind.LT, "<"));
          i++;
        } else if (c == '=') {
          if (i + 1 < n && text.charAt(i + 1) == '=') {
            tokens.add(new Token(Kind.DEQ, "=="));
            i += 2;
          } else {
            tokens.add(new Token(Kind.EQ, "="));
            i++;
          }
        } else if (c == '!') {
          if (i + 1 < n && text.charAt(i + 1) == '=') {
            tokens.add(new Token(Kind.NEQ, "!="));
            i += 2;
          } else {
            tokens.add(new Token(Kind.BANG, "!"));
            i++;
          }
        } else {
          int start = i;
          while (i < n && !Character.isWhitespace(text.charAt(i)) && ",()<>=!".indexOf(text.charAt(i)) < 0) {
            i++;
          }
          String word = text.substring(start, i);
          Kind kind = switch (word) {
            case "in" -> Kind.IN;
            case "notin" -> Kind.NOTIN;
            default -> Kind.IDENT;
          };
          tokens.add(new Token(kind, word));
        }
      }
      tokens.add(new Token(Kind.END, ""));
    }

    private Token peek() {
      return tokens.get(pos);
    }

    private Token next() {
      return tokens.get(pos++);
    }

    /** The literal Kubernetes shows for a token (the end of the string shows as nothing). */
    private static String shown(Token t) {
      return t.kind == Kind.END ? "" : t.text;
    }

    /** An identifier, where the keywords in and notin also count (as keys and values). */
    private static boolean identifier(Token t) {
      return t.kind == Kind.IDENT || t.kind == Kind.IN || t.kind == Kind.NOTIN;
    }

    List<Requirement> parse() throws SelectorException {
      List<Requirement> reqs = new ArrayList<>();
      while (true) {
        Token first = peek();
        if (first.kind == Kind.END) {
          return reqs;
        }
        if (!identifier(first) && first.kind != Kind.BANG) {
          throw new SelectorException("found '" + shown(first) + "', expected: !, identifier, or 'end of string'");
        }
        try {
          reqs.add(requirement());
        } catch (SelectorException e) {
          if (e.getMessage().startsWith(PREFIX)) {
            throw e;
          }
          throw new SelectorException(PREFIX + e.getMessage());
        }
        Token t = next();
        if (t.kind == Kind.END) {
          return reqs;
        }
        if (t.kind != Kind.COMMA) {
          throw new SelectorException("found '" + shown(t) + "', expected: ',' or 'end of string'");
        }
        Token after = peek();
        if (!identifier(after) && after.kind != Kind.BANG) {
          throw new SelectorException("found '" + shown(after) + "', expected: identifier after ','");
        }
      }
    }

    private Requirement requirement() throws SelectorException {
      boolean negated = false;
      if (peek().kind == Kind.BANG) {
        next();
        negated = true;
      }
      Token key = next();
      if (!identifier(key)) {
        throw new SelectorException("found '" + shown(key) + "', expected: identifier");
      }
      Kind after = peek().kind;
      if (negated) {
        return LabelSelector.requirement(key.text, Operator.DOES_NOT_EXIST, List.of());
      }
      if (after == Kind.COMMA || after == Kind.END) {
        return LabelSelector.requirement(key.text, Operator.EXISTS, List.of());
      }
      Token op = next();
      Operator operator = switch (op.kind) {
        case EQ -> Operator.EQUALS;
        case DEQ -> Operator.DOUBLE_EQUALS;
        case NEQ -> Operator.NOT_EQUALS;
        case IN -> Operator.IN;
        case NOTIN -> Operator.NOT_IN;
        case GT -> Operator.GREATER_THAN;
        case LT -> Operator.LESS_THAN;
        default -> throw new SelectorException("found '" + shown(op) + "', expected: in, notin, =, ==, !=, gt, lt");
      };
      List<String> values;
      if (operator == Operator.IN || operator == Operator.NOT_IN) {
        values = valueList();
      } else {
        values = List.of(singleValue());
      }
      return LabelSelector.requirement(key.text, operator, values);
    }

    private String singleValue() throws SelectorException {
      Token t = peek();
      if (t.kind == Kind.COMMA || t.kind == Kind.END) {
        return "";
      }
      next();
      if (identifier(t)) {
        return t.text;
      }
      throw new SelectorException("found '" + shown(t) + "', expected: identifier");
    }

    /** {@code (a,b)}; empty items are empty strings, so {@code ()} is the set holding "" as in Kubernetes. */
    private List<String> valueList() throws SelectorException {
      Token open = next();
      if (open.kind != Kind.OPEN) {
        throw new SelectorException("found '" + shown(open) + "', expected: '('");
      }
      List<String> values = new ArrayList<>();
      while (true) {
        Token t = peek();
        if (identifier(t)) {
          next();
          values.add(t.text);
          t = peek();
          if (t.kind != Kind.COMMA && t.kind != Kind.CLOSE) {
            throw new SelectorException("found '" + shown(t) + "', expected: ',' or ')'");
          }
        } else if (t.kind == Kind.COMMA || t.kind == Kind.CLOSE) {
          values.add("");
        } else {
          throw new SelectorException("found '" + shown(t) + "', expected: ',', or identifier");
        }
        next();
        if (t.kind == Kind.CLOSE) {
          return values;
        }
      }
    }
  }
}
