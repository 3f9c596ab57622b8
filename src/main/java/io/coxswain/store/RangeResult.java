package io.coxswain.store;

import java.util.List;

/**
 * The answer to a range read: the matching pairs, the store revision the read saw, and whether more keys
 * follow the last one returned (then the next page starts after {@code items.get(last).key()}).
 */
public record RangeResult(List<KeyValue> items, long revision, boolean more) {}
