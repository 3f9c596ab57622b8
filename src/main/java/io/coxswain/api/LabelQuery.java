package io.coxswain.api;

import io.coxswain.model.LabelSelector;
import io.coxswain.model.SelectorException;
import java.util.Map;

/** The labelSelector query parameter: {@link LabelSelector} with parse failures as 400 BadRequest. */
public final class LabelQuery {
  public static final LabelQuery EVERYTHING = new LabelQuery(LabelSelector.everything());

  private final LabelSelector selector;

  private LabelQuery(LabelSelector selector) {
    this.selector = selector;
  }

  public static LabelQuery parse(String text) {
    if (text == null || text.isBlank()) {
      return EVERYTHING;
    }
    try {
      return new LabelQuery(LabelSelector.parse(text));
    } catch (SelectorException e) {
      throw ApiException.badRequest("unable to parse requirement: " + e.getMessage());
    }
  }

  public boolean isEmpty() {
    return selector.isEverything();
  }

  public boolean matches(Map<String, String> labels) {
    return selector.matches(labels == null ? Map.of() : labels);
  }
}
