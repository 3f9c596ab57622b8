package io.coxswain.store;

/** One stored key: its value and the revisions that created it and last modified it. */
public record KeyValue(String key, byte[] value, long createRevision, long modRevision) {}
