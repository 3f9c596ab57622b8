package io.coxswain.store;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The masters of the Raft group: who is in it, and changing it one member at a time. */
public interface Membership {
  CompletableFuture<List<Member>> members();

  /** Adds a voter (its server must already run with an empty group of the same id). */
  CompletableFuture<Void> addMember(String id, String peerAddress);

  CompletableFuture<Void> removeMember(String id);

  /** The Raft group id this member belongs to, for a joining master. */
  String groupId();
}
