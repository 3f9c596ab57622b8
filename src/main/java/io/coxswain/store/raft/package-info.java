/**
 * The replicated store: {@link io.coxswain.store.raft.RaftKvStore} runs an Apache Ratis server (gRPC on
 * the peer port) whose state machine ({@code KvStateMachine}) applies {@link io.coxswain.store.KvCommand}s
 * to a {@link io.coxswain.store.KvState} kept in MapDB.
 *
 * <pre>{@code
 * // first master: a one-voter group
 * RaftKvStore a = RaftKvStore.start(RaftStoreConfig.bootstrap("m1", dir, "127.0.0.1", 7001, "coxswain"));
 * // another master: starts empty with the group id the first one reports ...
 * RaftKvStore b = RaftKvStore.start(RaftStoreConfig.joining("m2", dir2, "127.0.0.2", 7001, a.groupId()));
 * // ... and a member of the group adds it (one change at a time)
 * a.addMember("m2", "127.0.0.2:7001").join();
 * }</pre>
 */
package io.coxswain.store.raft;
