package io.coxswain.api.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One committed change of a resource as a watch sees it: {@code type} ADDED, MODIFIED or DELETED;
 * {@code object} the new object (for DELETED the last state), {@code previous} the object before (null on
 * ADDED); both carry {@code metadata.resourceVersion} = {@code revision} (previous: its own).
 */
public record Change(String type, ObjectNode object, ObjectNode previous, long revision) {}
