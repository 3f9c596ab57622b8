package io.coxswain.store.raft;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link RaftKvStore} member needs to start.
 *
 * @param memberId this member's id (letters, digits, '-', '_'), unique in the group
 * @param dataDir where the Raft log, the snapshots and the MapDB state live
 * @param bindAddress the address the peer port binds to and that other members dial
 * @param peerPort the Raft (gRPC) port
 * @param initialPeers id -> host:port of the first configuration: just this member to bootstrap a new
 *     group; empty to start a member that waits to be added with {@code addMember} (ignored when the data
 *     dir already holds a group: the configuration in the log wins)
 * @param groupName the group's name, or the UUID {@link RaftKvStore#groupId()} returned on another member
 * @param historyCount the most revisions of watch history kept (must be the same on every member)
 * @param historyAge how old history may get before {@link RaftKvStore#compactHistory()} drops it
 * @param requestTimeout how long a write or a linearizable read may wait for a quorum
 * @param snapshotEvery a snapshot is taken (and the log purged) every this many applied entries
 * @param logSegmentBytes the size of a Raft log segment (the unit of purging)
 * @param commitEvery MapDB commits after this many applied entries (and on a short timer)
 * @param tls mutual TLS on the peer port and for this member's own Raft clients; null: plain gRPC
 */
public record RaftStoreConfig(String memberId, Path dataDir, String bindAddress, int peerPort,
                              Map<String, String> initialPeers, String groupName, int historyCount,
                              Duration historyAge, Duration requestTimeout, long snapshotEvery,
                              long logSegmentBytes, int commitEvery, RaftTls tls) {

  public RaftStoreConfig {
    Objects.requireNonNull(memberId, "memberId");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(groupName, "groupName");
    if (!memberId.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException("member id must be letters, digits, '-' or '_': " + memberId);
    }
    if (peerPort <= 0 || peerPort > 65535) {
      throw new IllegalArgumentException("peer port out of range: " + peerPort);
    }
    if (historyCount < 1 || snapshotEvery < 1 || commitEvery < 1 || logSegmentBytes < 1024) {
      throw new IllegalArgumentException("historyCount, snapshotEvery and commitEvery must be positive, logSegmentBytes at least 1024");
    }
    initialPeers = Map.copyOf(new LinkedHashMap<>(initialPeers));
  }

  /**
   * A Raft log segment's size. Ratis keeps the entries of the open segment and of two closed ones in memory
   * (RaftKvStore), so this bounds what the log holds on the heap: with 8 MB segments a master kept up to ~24 MB
   * of entries there, at idle too (the store bench's leader: byte arrays 38-47 MB after the run, 29-31 MB with
   * 2 MB segments; idle RSS 263-271 against 249-253 MB in alternating runs, creates/s within their spread).
   */
  static final long LOG_SEGMENT_BYTES = 2L << 20;

  /**
   * How many Raft entries of its own writes a member has out at a time ({@link ProposalBatcher}): whatever
   * arrives while they are out waits and goes together as the next entry. One, not four: each entry costs
   * every member its replication, log write and apply whatever it carries, so under load fewer, larger entries
   * cost less per write. Store bench copies without etcd, alternating (64 clients, 3 masters, a machine of 2
   * slow cores): one in flight 200, 243, 294, 267, 313 creates/s and 7.7, 6.0, 5.3, 6.0, 4.6 ms of the three
   * members' CPU per create; four 158, 166, 225, 204, 173 creates/s and 10.4, 10.6, 7.2, 8.5, 10.0 ms; two
   * 214/s, 7.8 ms. Holding a loaded member's next entry back 10 or 20 ms more, for larger batches still, gave
   * nothing beyond the spread (267, 220 and 241 against 255, 214). A lone write still goes out at once.
   */
  static final int PROPOSALS_IN_FLIGHT = 1;

  /** The most transactions one Raft entry of a member's own writes carries. */
  static final int PROPOSAL_BATCH = 256;

  /**
   * The most bytes of encoded transactions one Raft entry of a member's own writes carries; a transaction larger
   * than this goes alone. Well under {@link #MAX_ENTRY_BYTES}: writes that each fit never fail together, and a
   * larger batch would only lengthen each append, which goes ahead of the heartbeats behind it.
   */
  static final int PROPOSAL_BATCH_BYTES = 1 << 20;

  /**
   * The largest Raft entry (Ratis' limit of the entries of one append, which refuses a larger entry when it is
   * proposed). Ratis' log writes through a direct buffer that must be 8 bytes larger; by default 8 MB, allocated
   * zeroed, so resident in every member from its start.
   */
  static final int MAX_ENTRY_BYTES = 4 << 20;

  /**
   * The largest transaction the store takes, encoded ({@link io.coxswain.store.TooLargeException} beyond):
   * room under {@link #MAX_ENTRY_BYTES} for the entry's own framing. The API takes bodies of up to 3 MiB; the
   * object stored from one can be larger (a YAML body's text re-encoded as JSON).
   */
  static final int MAX_TXN_BYTES = MAX_ENTRY_BYTES - (64 << 10);

  /** A member that bootstraps a new one-voter group. */
  public static RaftStoreConfig bootstrap(String memberId, Path dataDir, String bindAddress, int peerPort,
                                          String groupName) {
    return new RaftStoreConfig(memberId, dataDir, bindAddress, peerPort,
        Map.of(memberId, bindAddress + ":" + peerPort), groupName, 10_000, Duration.ofMinutes(5),
        Duration.ofSeconds(5), 10_000, LOG_SEGMENT_BYTES, 4096, null);
  }

  /** A member that starts empty and waits for an existing member to add it. */
  public static RaftStoreConfig joining(String memberId, Path dataDir, String bindAddress, int peerPort,
                                        String groupId) {
    return bootstrap(memberId, dataDir, bindAddress, peerPort, groupId).withInitialPeers(Map.of());
  }

  public String peerAddress() {
    return bindAddress + ":" + peerPort;
  }

  public RaftStoreConfig withInitialPeers(Map<String, String> peers) {
    return new RaftStoreConfig(memberId, dataDir, bindAddress, peerPort, peers, groupName, historyCount,
        historyAge, requestTimeout, snapshotEvery, logSegmentBytes, commitEvery, tls);
  }

  public RaftStoreConfig withHistory(int count, Duration age) {
    return new RaftStoreConfig(memberId, dataDir, bindAddress, peerPort, initialPeers, groupName, count,
        age, requestTimeout, snapshotEvery, logSegmentBytes, commitEvery, tls);
  }

  public RaftStoreConfig withRequestTimeout(Duration timeout) {
    return new RaftStoreConfig(memberId, dataDir, bindAddress, peerPort, initialPeers, groupName,
        historyCount, historyAge, timeout, snapshotEvery, logSegmentBytes, commitEvery, tls);
  }

  public RaftStoreConfig withSnapshots(long every, long segmentBytes) {
    return new RaftStoreConfig(memberId, dataDir, bindAddress, peerPort, initialPeers, groupName,
        historyCount, historyAge, requestTimeout, every, segmentBytes, commitEvery, tls);
  }

  public RaftStoreConfig withCommitEvery(int entries) {
    return new RaftStoreConfig(memberId, dataDir, bindAddress, peerPort, initialPeers, groupName,
        historyCount, historyAge, requestTimeout, snapshotEvery, logSegmentBytes, entries, tls);
  }

  public RaftStoreConfig withTls(RaftTls peerTls) {
    return new RaftStoreConfig(memberId, dataDir, bindAddress, peerPort, initialPeers, groupName,
        historyCount, historyAge, requestTimeout, snapshotEvery, logSegmentBytes, commitEvery, peerTls);
  }
}
