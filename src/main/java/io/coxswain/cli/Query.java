package io.coxswain.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A URL query string built parameter by parameter. */
final class Query {
  private final List<String> parts = new ArrayList<>();

  Query add(String key, Object value) {
    if (value != null && !String.valueOf(value).isEmpty()) {
      parts.add(encode(key) + "=" + encode(String.valueOf(value)));
    }
    return this;
  }

  String on(String path) {
    return parts.isEmpty() ? path : path + (path.contains("?") ? "&" : "?") + String.join("&", parts);
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
