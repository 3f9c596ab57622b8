package io.coxswain.model;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes resource quantities ({@code 100m}, {@code 0.5}, {@code 128Mi}, {@code 1G}, {@code 1e3}) as exact
 * decimals, whole units or milli-units. Like Kubernetes, conversions to whole or milli units round up, and a
 * value beyond a long is clamped to {@code Long.MAX_VALUE} (or MIN_VALUE).
 */
public final class Quantities {
  private static final Pattern FORMAT = Pattern.compile(
      "^([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$");
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);

  private Quantities() {}

  /**
   * Values parsed lately: a cluster's pods repeat a handful of quantities ({@code 100m}, {@code 128Mi}), which
   * the scheduler and the kubelets read for every pod on every pass. Emptied when it grows past its bound.
   */
  private static final int PARSED_LIMIT = 1024;
  private static final java.util.concurrent.ConcurrentHashMap<String, BigDecimal> PARSED =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The exact value of a quantity string; throws IllegalArgumentException with Kubernetes' wording if invalid. */
  public static BigDecimal parse(String text) {
    BigDecimal known = text == null ? null : PARSED.get(text);
    if (known != null) {
      return known;
    }
    BigDecimal value = parseText(text);
    if (PARSED.size() >= PARSED_LIMIT) {
      PARSED.clear();
    }
    PARSED.put(text, value);
    return value;
  }

  private static BigDecimal parseText(String text) {
    String error = error(text);
    if (error != null) {
      throw new IllegalArgumentException(error);
    }
    Matcher m = FORMAT.matcher(text.trim());
    m.matches();
    BigDecimal number = new BigDecimal(m.group(1).endsWith(".") ? m.group(1) + "0" : m.group(1));
    String suffix = m.group(2);
    if (suffix == null || suffix.isEmpty()) {
      return number;
    }
    return switch (suffix) {
      case "Ki" -> number.multiply(BigDecimal.valueOf(1L << 10));
      case "Mi" -> number.multiply(BigDecimal.valueOf(1L << 20));
      case "Gi" -> number.multiply(BigDecimal.valueOf(1L << 30));
      case "Ti" -> number.multiply(BigDecimal.valueOf(1L << 40));
      case "Pi" -> number.multiply(BigDecimal.valueOf(1L << 50));
      case "Ei" -> number.multiply(BigDecimal.valueOf(1L << 60));
      case "n" -> number.scaleByPowerOfTen(-9);
      case "u" -> number.scaleByPowerOfTen(-6);
      case "m" -> number.scaleByPowerOfTen(-3);
      case "k" -> number.scaleByPowerOfTen(3);
      case "M" -> number.scaleByPowerOfTen(6);
      case "G" -> number.scaleByPowerOfTen(9);
      case "T" -> number.scaleByPowerOfTen(12);
      case "P" -> number.scaleByPowerOfTen(15);
      case "E" -> number.scaleByPowerOfTen(18);
      default -> {
        int exponent;
        try {
          exponent = Integer.parseInt(suffix.substring(1));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("quantity exponent out of range: " + text);
        }
        if (Math.abs(exponent) > 100) {
          throw new IllegalArgumentException("quantity exponent out of range: " + text);
        }
        yield number.scaleByPowerOfTen(exponent);
      }
    };
  }

  /** Null when the text is a valid quantity, else the problem as Kubernetes words it. */
  public static String error(String text) {
    if (text == null || text.isBlank()) {
      return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    }
    if (!FORMAT.matcher(text.trim()).matches()) {
      return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    }
    return null;
  }

  /** The quantity in whole units (bytes for memory, cores for cpu, a count for pods), rounded up. */
  public static long value(String text) {
    return clamp(parse(text).setScale(0, RoundingMode.CEILING).toBigInteger());
  }

  /** The quantity in thousandths (millicores for cpu), rounded up. */
  public static long milliValue(String text) {
    return clamp(parse(text).scaleByPowerOfTen(3).setScale(0, RoundingMode.CEILING).toBigInteger());
  }

  /** The fabric8 quantity's text: fabric8 may hold the number and the suffix apart. */
  public static String text(Quantity quantity) {
    String amount = quantity.getAmount() == null ? "" : quantity.getAmount();
    String format = quantity.getFormat() == null ? "" : quantity.getFormat();
    return amount + format;
  }

  public static long value(Quantity quantity) {
    return value(text(quantity));
  }

  public static long milliValue(Quantity quantity) {
    return milliValue(text(quantity));
  }

  private static long clamp(BigInteger v) {
    if (v.compareTo(LONG_MAX) > 0) {
      return Long.MAX_VALUE;
    }
    if (v.compareTo(LONG_MIN) < 0) {
      return Long.MIN_VALUE;
    }
    return v.longValue();
  }
}
