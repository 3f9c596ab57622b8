package io.coxswain.api.table;

/** A condition of a table row, as Kubernetes marks finished pods: type Completed, status True. */
public record RowCondition(String type, String status, String reason, String message) {}
