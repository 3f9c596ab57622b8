package io.coxswain.client;

/** What a list or watch asks for; null fields are left out of the request. */
public record ListOptions(String labelSelector, String fieldSelector, Integer limit, String continueToken,
                          String resourceVersion, Integer timeoutSeconds, boolean allowBookmarks) {
  public static final ListOptions ALL = new ListOptions(null, null, null, null, null, null, false);

  public static ListOptions labels(String selector) {
    return new ListOptions(selector, null, null, null, null, null, false);
  }

  public static ListOptions fields(String selector) {
    return new ListOptions(null, selector, null, null, null, null, false);
  }

  public ListOptions withResourceVersion(String rv) {
    return new ListOptions(labelSelector, fieldSelector, limit, continueToken, rv, timeoutSeconds, allowBookmarks);
  }

  public ListOptions withContinue(String token) {
    return new ListOptions(labelSelector, fieldSelector, limit, token, resourceVersion, timeoutSeconds, allowBookmarks);
  }

  public ListOptions withLimit(int n) {
    return new ListOptions(labelSelector, fieldSelector, n, continueToken, resourceVersion, timeoutSeconds, allowBookmarks);
  }

  public ListOptions withBookmarks() {
    return new ListOptions(labelSelector, fieldSelector, limit, continueToken, resourceVersion, timeoutSeconds, true);
  }

  /** The query string, starting with '?', or empty. */
  public String query(boolean watch) {
    StringBuilder b = new StringBuilder();
    add(b, "labelSelector", labelSelector);
    add(b, "fieldSelector", fieldSelector);
    add(b, "limit", limit == null ? null : limit.toString());
    add(b, "continue", continueToken);
    add(b, "resourceVersion", resourceVersion);
    add(b, "timeoutSeconds", timeoutSeconds == null ? null : timeoutSeconds.toString());
    if (watch) {
      add(b, "watch", "true");
      if (allowBookmarks) {
        add(b, "allowWatchBookmarks", "true");
      }
    }
    return b.toString();
  }

  private static void add(StringBuilder b, String name, String value) {
    if (value == null || value.isEmpty()) {
      return;
    }
    b.append(b.length() == 0 ? '?' : '&').append(name).append('=')
        .append(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
  }
}
