package io.coxswain.api.table;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Labels and lists as the printers write them: {@code a=b,c=d} sorted by key, {@code <none>} when empty. */
public final class LabelText {
  private LabelText() {}

  public static String format(Map<String, String> labels) {
    if (labels == null || labels.isEmpty()) {
      return "<none>";
    }
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(e.getKey()).append('=').append(e.getValue());
    }
    return b.toString();
  }

  static String join(List<String> values) {
    return String.join(",", values);
  }
}
