package io.coxswain.api.registry;

/**
 * The options of a delete, from the DeleteOptions body or the query: grace period (null: the object's
 * default), propagation policy (Orphan, Background, Foreground or null), and preconditions (null: none).
 */
public record DeleteRequest(Long gracePeriodSeconds, String propagationPolicy, String preconditionUid,
                            String preconditionResourceVersion) {
  public static final DeleteRequest DEFAULT = new DeleteRequest(null, null, null, null);
}
