package io.coxswain.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable Kubernetes field selector ({@code metadata.name=x,status.phase!=Failed,spec.nodeName==n}).
 * Which fields a resource supports is the caller's business: see {@link #requirements()}. Values may escape
 * {@code \}, {@code ,} and {@code =} with a backslash, as Kubernetes allows.
 */
public final class FieldSelector {
  /** One term: the field must (or must not) equal the value. */
  public record Requirement(String field, boolean equal, String value) {
    public Requirement {
      Objects.requireNonNull(field);
      Objects.requireNonNull(value);
    }

    /** A missing field counts as the empty string, as in Kubernetes' field sets. */
    public boolean matches(Map<String, String> fields) {
      String have = fields == null ? null : fields.get(field);
      if (have == null) {
        have = "";
      }
      return equal == have.equals(value);
    }

    @Override
    public String toString() {
      return field + (equal ? "=" : "!=") + escape(value);
    }
  }

  private static final FieldSelector EVERYTHING = new FieldSelector(List.of());

  private final List<Requirement> requirements;

  private FieldSelector(List<Requirement> requirements) {
    List<Requirement> sorted = new ArrayList<>(requirements);
    sorted.sort(Comparator.comparing(Requirement::field).thenComparing(Requirement::value));
    this.requirements = Collections.unmodifiableList(sorted);
  }

  public static FieldSelector everything() {
    return EVERYTHING;
  }

  /** One equality per entry. */
  public static FieldSelector fromMap(Map<String, String> fields) {
    List<Requirement> reqs = new ArrayList<>();
    if (fields != null) {
      fields.forEach((k, v) -> reqs.add(new Requirement(k, true, v)));
    }
    return reqs.isEmpty() ? EVERYTHING : new FieldSelector(reqs);
  }

  /** Parses {@code a=b,c!=d,e==f}; an empty or blank string selects everything. */
  public static FieldSelector parse(String text) throws SelectorException {
    if (text == null || text.isBlank()) {
      return EVERYTHING;
    }
    List<Requirement> reqs = new ArrayList<>();
    for (String term : splitTerms(text)) {
      reqs.add(term(text, term));
    }
    return new FieldSelector(reqs);
  }

  private static List<String> splitTerms(String text) {
    List<String> terms = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        current.append(c).append(text.charAt(++i));
      } else if (c == ',') {
        terms.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    terms.add(current.toString());
    return terms;
  }

  private static Requirement term(String whole, String term) throws SelectorException {
    for (int i = 0; i < term.length(); i++) {
      char c = term.charAt(i);
      if (c == '\\') {
        i++;
        continue;
      }
      boolean equal;
      int width;
      if (term.startsWith("!=", i)) {
        equal = false;
        width = 2;
      } else if (term.startsWith("==", i)) {
        equal = true;
        width = 2;
      } else if (c == '=') {
        equal = true;
        width = 1;
      } else {
        continue;
      }
      String field = term.substring(0, i).trim();
      if (field.isEmpty()) {
        break;
      }
      String value = unescape(whole, term.substring(i + width).trim());
      return new Requirement(field, equal, value);
    }
    throw new SelectorException("invalid selector: '" + whole + "'; can't understand '" + term + "'");
  }

  private static String unescape(String whole, String value) throws SelectorException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\') {
        if (i + 1 >= value.length() || "\\,=".indexOf(value.charAt(i + 1)) < 0) {
          throw new SelectorException("invalid field selector: '" + whole + "': invalid escape sequence in value '"
              + value + "'");
        }
        sb.append(value.charAt(++i));
      } else if (c == ',' || c == '=') {
        throw new SelectorException("invalid field selector: '" + whole + "': unescaped '" + c + "' in value '"
            + value + "'");
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  static String escape(String value) {
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=");
  }

  public boolean matches(Map<String, String> fields) {
    for (Requirement r : requirements) {
      if (!r.matches(fields)) {
        return false;
      }
    }
    return true;
  }

  public boolean isEverything() {
    return requirements.isEmpty();
  }

  /** The terms, sorted by field. */
  public List<Requirement> requirements() {
    return requirements;
  }

  /** The value this selector requires for a field by equality, or null (how a registry picks an index). */
  public String requiredValue(String field) {
    for (Requirement r : requirements) {
      if (r.equal() && r.field().equals(field)) {
        return r.value();
      }
    }
    return null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FieldSelector other && other.requirements.equals(requirements);
  }

  @Override
  public int hashCode() {
    return requirements.hashCode();
  }

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
}
