package io.coxswain.store;

/** A master in the Raft group as this member sees it. */
public record Member(String id, String peerAddress, boolean leader, boolean self, long term,
                     long commitIndex, long appliedIndex) {}
