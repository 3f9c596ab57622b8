package io.coxswain.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Go's text/tabwriter (blank padding, minwidth 0, no flags), which kubectl prints its tables and
 * describe output through: a tab ends a cell; a column's width is set per block of consecutive lines
 * that have a cell in it; the text after a line's last tab is not a cell and is not padded.
 */
final class TabWriter {
  private TabWriter() {}

  static String format(String text, int padding) {
    List<String[]> lines = new ArrayList<>();
    String[] raw = text.split("\n", -1);
    int count = text.endsWith("\n") ? raw.length - 1 : raw.length;
    for (int i = 0; i < count; i++) {
      lines.add(raw[i].split("\t", -1));
    }
    StringBuilder out = new StringBuilder();
    List<Integer> widths = new ArrayList<>();
    format(lines, 0, lines.size(), widths, padding, out);
    if (!text.endsWith("\n") && out.length() > 0) {
      out.setLength(out.length() - 1);
    }
    return out.toString();
  }

  private static int width(String s) {
    return s.codePointCount(0, s.length());
  }

  private static void format(List<String[]> lines, int line0, int line1, List<Integer> widths, int padding, StringBuilder out) {
    int column = widths.size();
    for (int at = line0; at < line1; at++) {
      if (column >= lines.get(at).length - 1) {
        continue;
      }
      write(lines, line0, at, widths, out);
      line0 = at;
      int width = 0;
      for (; at < line1; at++) {
        String[] line = lines.get(at);
        if (column >= line.length - 1) {
          break;
        }
        width = Math.max(width, width(line[column]) + padding);
      }
      widths.add(width);
      format(lines, line0, at, widths, padding, out);
      widths.remove(widths.size() - 1);
      line0 = at;
      at--;
    }
    write(lines, line0, line1, widths, out);
  }

  private static void write(List<String[]> lines, int from, int to, List<Integer> widths, StringBuilder out) {
    for (int i = from; i < to; i++) {
      String[] cells = lines.get(i);
      for (int j = 0; j < cells.length; j++) {
        out.append(cells[j]);
        if (j < cells.length - 1 && j < widths.size()) {
          out.append(" ".repeat(Math.max(0, widths.get(j) - width(cells[j]))));
        }
      }
      out.append('\n');
    }
  }
}
