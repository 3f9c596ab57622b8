package io.coxswain.store;

import java.util.List;

/**
 * Whether the compares held, the store revision after the transaction (the new modRevision of every key
 * written), and per key: on success the previous pair of each operation's key (null where absent), on
 * failure the current pair of each compared key (null where absent), in the order given.
 */
public record TxnResult(boolean succeeded, long revision, List<KeyValue> previous) {}
