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

  /** Whether a quantity is written with a binary suffix (Ki, Mi...), the format its canonical form keeps. */
  static boolean binary(String q) {
    return q.trim().matches(".*[KMGTPE]i$");
  }

  /** A quantity in the canonical form the API prints it in: 2000m is 2, 1024Ki is 1Mi, 1500 stays 1500. */
  static String canonical(String q) {
    try {
      return format(parse(q), binary(q));
    } catch (RuntimeException e) {
      return q;
    }
  }

  /** The shortest exact form with the largest suffix of the format's family that leaves a whole number. */
  static String format(BigDecimal value, boolean binary) {
    if (value.signum() == 0) {
      return "0";
    }
    BigDecimal v = value.stripTrailingZeros();
    if (binary && v.scale() <= 0) {
      String[] suffixes = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
      for (int i = 0; i < suffixes.length; i++) {
        BigDecimal unit = BigDecimal.valueOf(1024).pow(suffixes.length - i);
        BigDecimal[] qr = v.divideAndRemainder(unit);
        if (qr[1].signum() == 0 && qr[0].signum() != 0) {
          return qr[0].toPlainString() + suffixes[i];
        }
      }
      return v.toPlainString();
    }
    String[] suffixes = {"E", "P", "T", "G", "M", "k", "", "m", "u", "n"};
    for (int i = 0; i < suffixes.length; i++) {
      int exponent = 18 - 3 * i;
      BigDecimal scaled = v.movePointLeft(exponent).stripTrailingZeros();
      if (scaled.scale() <= 0 && scaled.abs().compareTo(BigDecimal.ONE) >= 0) {
        return scaled.toPlainString() + suffixes[i];
      }
    }
    return v.movePointRight(9).setScale(0, RoundingMode.CEILING).toPlainString() + "n";
  }
}
