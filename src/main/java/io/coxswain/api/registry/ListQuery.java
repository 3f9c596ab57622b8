package io.coxswain.api.registry;

import io.coxswain.api.ObjectFilter;

/**
 * What a list asks for: a filter, a page size (0: all), a continue token (or null), and the
 * resourceVersion / resourceVersionMatch pair ({@code rv} null when unset).
 */
public record ListQuery(ObjectFilter filter, int limit, String continueToken, String resourceVersion,
                        String resourceVersionMatch) {
  public static final ListQuery ALL = new ListQuery(ObjectFilter.EVERYTHING, 0, null, null, null);
}
