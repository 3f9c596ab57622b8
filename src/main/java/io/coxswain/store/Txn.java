package io.coxswain.store;

import java.util.List;

/**
 * Compares, then the success operations if all compares hold, else the failure operations. Applied
 * atomically; when the applied branch holds at least one operation the store revision grows by exactly
 * one and every written key gets that revision as its modRevision.
 */
public record Txn(List<Compare> compares, List<Op> success, List<Op> failure) {
  public Txn {
    compares = List.copyOf(compares);
    success = List.copyOf(success);
    failure = List.copyOf(failure);
  }

  public static Txn of(List<Compare> compares, List<Op> success) {
    return new Txn(compares, success, List.of());
  }
}
