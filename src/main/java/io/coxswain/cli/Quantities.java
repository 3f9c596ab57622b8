package io.coxswain.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Kubernetes resource quantities (250m, 1.5, 128Mi, 1G, 1e3) as numbers, and back as kubectl top prints them. */
final class Quantities {
  private Quantities() {}

  static BigDecimal parse(String q) {
    String s = q.trim();
    String[][] suffixes = {
        {"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"}, {"Pi", "1125899906842624"},
        {"Ei", "1152921504606846976"}, {"n", "0.000000001"}, {"u", "0.000001"}, {"m", "0.001"}, {"k", "1000"},
        {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}, {"P", "1000000000000000"}, {"E", "1000000000000000000"}};
    for (String[] sx : suffixes) {
      if (s.endsWith(sx[0]) && s.length() > sx[0].length()) {
        return new BigDecimal(s.substring(0, s.length() - sx[0].length())).multiply(new BigDecimal(sx[1]));
      }
    }
    try {
      return new BigDecimal(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': " + q);
    }
  }

  static String millicores(BigDecimal cores) {
    return cores.multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).toPlainString() + "m";
  }

  static String mebibytes(BigDecimal bytes) {
    return bytes.divide(BigDecimal.valueOf(1048576), 0, RoundingMode.DOWN).toPlainString() + "Mi";
  }
}
