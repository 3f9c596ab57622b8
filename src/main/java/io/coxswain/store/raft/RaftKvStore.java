package io.coxswain.store.raft;

import io.coxswain.store.CompactedException;
import io.coxswain.store.KeyValue;
import io.coxswain.store.KvCodec;
import io.coxswain.store.KvCommand;
import io.coxswain.store.KvState;
import io.coxswain.store.Member;
import io.coxswain.store.Membership;
import io.coxswain.store.RangeResult;
import io.coxswain.store.Store;
import io.coxswain.store.StoreException;
import io.coxswain.store.TooLargeException;
import io.coxswain.store.Txn;
import io.coxswain.store.TxnResult;
import io.coxswain.store.UnavailableException;
import io.coxswain.store.Watch;
import io.coxswain.store.WatchHub;
import io.coxswain.store.WatchListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated store: an Apache Ratis server (gRPC on the peer port) whose state machine keeps the
 * key-value state in MapDB, plus one async Raft client for writes and read barriers. Every member applies
 * every entry, so watches are served from this member's own applied stream and its MapDB history.
 *
 * <p>Start with {@link #start(RaftStoreConfig)}: a bootstrap member ({@link RaftStoreConfig#bootstrap})
 * forms a one-voter group; a joining member ({@link RaftStoreConfig#joining}) starts empty and waits until
 * a member of the group calls {@link #addMember}.
 */
public final class RaftKvStore implements Store, Membership {
  private static final Logger LOG = LoggerFactory.getLogger(RaftKvStore.class);

  private final RaftStoreConfig config;
  private final RaftPeerId selfId;
  private final RaftGroupId groupId;
  private final RaftServer server;
  private final KvStateMachine stateMachine;
  private final WatchHub hub;
  private final AtomicReference<RaftClient> client = new AtomicReference<>();
  private final ExecutorService admin;
  private final ExecutorService notifier;
  /** Hands the leader's own writes to its server and takes their replies (see {@link #proposeLocally}). */
  private final ExecutorService proposer;
  private final ClientId localClientId = ClientId.randomId();
  private final AtomicLong localCallIds = new AtomicLong();
  private final AtomicLong sentOnToClient = new AtomicLong();
  /**
   * Call ids of this member's own writes whose outcome it has (none is sent again: a write turned away goes
   * on through the client under a call id of its own). The next own write names them, and the server drops
   * their replies from its retry cache, as Ratis' client does for the calls it has answers to; otherwise
   * each reply (a batch's results, with the objects' previous values) stayed there for the cache's minute
   * (in the scheduler benchmark the leader's live heap at its last full collections: 239-243 MB with the
   * calls named, 312-346 MB without).
   */
  private final Queue<Long> repliedLocally = new ConcurrentLinkedQueue<>();
  /** Takes the answers of read barriers (see {@link #readIndexBarrier}). */
  private final ExecutorService reads;
  private final ClientId localReadClientId = ClientId.randomId();
  private final AtomicLong localReadCallIds = new AtomicLong();
  /** The call ids of this member's own writes that its server put in its log and that have no reply yet. */
  private final Set<Long> appendedLocally = ConcurrentHashMap.newKeySet();
  private final List<Consumer<Boolean>> leadershipListeners = new CopyOnWriteArrayList<>();
  private final ReadBarrier barrier;
  private final ProposalBatcher batcher;
  private final Clock clock;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean leader;
  /** The term {@link #leader} was last told in (on the notifier thread; -1 when not leading). */
  private long notifiedTerm = -1;

  private RaftKvStore(RaftStoreConfig config, Clock clock) throws IOException {
    this.config = config;
    this.clock = clock;
    this.selfId = RaftPeerId.valueOf(config.memberId());
    this.groupId = RaftGroupId.valueOf(groupUuid(config.groupName()));
    this.hub = new WatchHub("store-" + config.memberId(), 10_000);
    this.notifier = Executors.newSingleThreadExecutor(daemon("store-leadership-" + config.memberId()));
    this.admin = Executors.newSingleThreadExecutor(daemon("store-admin-" + config.memberId()));
    this.proposer = Executors.newSingleThreadExecutor(daemon("store-propose-" + config.memberId()));
    this.reads = Executors.newCachedThreadPool(daemon("store-read-" + config.memberId()));
    this.stateMachine = new KvStateMachine(config.dataDir().resolve("state"), config.historyCount(),
        config.commitEvery(), hub, this::onLeadership);
    stateMachine.onAppending(r -> {
      if (r.getClientId().equals(localClientId)) {
        appendedLocally.add(r.getCallId());
      }
    });

    Files.createDirectories(config.dataDir().resolve("raft"));
    RaftProperties props = serverProperties(config);
    List<RaftPeer> peers = new ArrayList<>();
    config.initialPeers().forEach((id, address) ->
        peers.add(RaftPeer.newBuilder().setId(id).setAddress(address).build()));
    RaftGroup group = peers.isEmpty() ? RaftGroup.valueOf(groupId) : RaftGroup.valueOf(groupId, peers);
    this.server = RaftServer.newBuilder()
        .setServerId(selfId)
        .setGroup(group)
        .setProperties(props)
        .setStateMachine(stateMachine)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .setParameters(tlsParameters(config))
        .build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      try {
        server.close();
      } catch (IOException | RuntimeException ignored) {
        // already failing
      }
      hub.close();
      admin.shutdownNow();
      proposer.shutdownNow();
      reads.shutdownNow();
      notifier.shutdownNow();
      throw e;
    }

    this.client.set(newClient(clientPeers(), config));
    this.batcher = new ProposalBatcher(this::propose, RaftStoreConfig.PROPOSALS_IN_FLIGHT, RaftStoreConfig.PROPOSAL_BATCH,
        RaftStoreConfig.PROPOSAL_BATCH_BYTES);
    // a read-index barrier on this member (the server's read option is LINEARIZABLE); the unordered form,
    // since an ordered read-only request addressed to one server stalls the client's ordered stream
    this.barrier = new ReadBarrier(this::readIndexBarrier);
  }

  /** Starts this member (blocking: binds the peer port and opens the data dir). */
  public static RaftKvStore start(RaftStoreConfig config) throws IOException {
    quietRatisLogs();
    return new RaftKvStore(config, Clock.systemUTC());
  }

  private static RaftProperties serverProperties(RaftStoreConfig config) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setHost(p, config.bindAddress());
    GrpcConfigKeys.Server.setPort(p, config.peerPort());
    RaftServerConfigKeys.setStorageDir(p, List.of(config.dataDir().resolve("raft").toFile()));
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
    RaftServerConfigKeys.Read.setTimeout(p, TimeDuration.valueOf(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    // each member a little later than every: members that snapshot at the same index stall together, and the
    // group with them (each snapshot holds its member's applying for a while)
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotEvery()
        + java.util.concurrent.ThreadLocalRandom.current().nextLong(config.snapshotEvery() / 2 + 1));
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    // closing commits MapDB with its applied index; a restart replays the log after the last snapshot and
    // skips what MapDB holds, so no snapshot export is needed on the way down
    RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
    // a power cut in the middle of a write leaves the open segment with a torn last entry: it was never
    // flushed, so never acknowledged nor counted towards a commit, and it is dropped on the next start (with a
    // warning) rather than refusing to start; Ratis still refuses a closed segment that is short of entries
    RaftServerConfigKeys.Log.setCorruptionPolicy(p, RaftServerConfigKeys.Log.CorruptionPolicy.WARN_AND_RETURN);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(p, 1);
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(config.logSegmentBytes()));
    // entries stay in memory while their segment is open and until two closed ones are cached
    // (Ratis' default: six, up to 200 MB): under a stream of writes each lived for seconds, long enough to be
    // promoted to the old generation and die there, so the collector ran full collections for them. An
    // entry a lagging member still needs after its eviction is read back from the log files.
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
    // an entry's limit, and the log's write buffer 8 bytes above it (as Ratis requires): 4 MB less resident
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(RaftStoreConfig.MAX_ENTRY_BYTES));
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(RaftStoreConfig.MAX_ENTRY_BYTES + 8L));
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf(Math.max(1L << 20, 2 * config.logSegmentBytes())));
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
    // a member paused for long (a VM suspended or migrated, a debugger, SIGSTOP) would by default shut its
    // Raft server down on waking after a minute, leaving a master that answers but can never read or write
    // again; woken, it steps down if it led (after 10 s) and catches up like any member that was away
    RaftServerConfigKeys.setCloseThreshold(p, TimeDuration.valueOf(3650, TimeUnit.DAYS));
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(150, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
    return p;
  }

  private static RaftClient newClient(List<RaftPeer> peers, RaftStoreConfig config) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    long timeout = config.requestTimeout().toMillis();
    // a slow but live leader is not retried (a retry only adds load); fast failures (not leader, refused) are
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(timeout, TimeUnit.MILLISECONDS));
    int attempts = (int) Math.max(3, timeout / 100);
    ClientId id = ClientId.randomId();
    Parameters tls = tlsParameters(config);
    return RaftClient.newBuilder()
        .setClientId(id)
        .setRaftGroup(RaftGroup.valueOf(RaftGroupId.valueOf(groupUuid(config.groupName())), peers))
        .setProperties(p)
        .setParameters(tls)
        .setClientRpc(new DetachedResetRpc(new GrpcFactory(tls).newRaftClientRpc(id, p)))
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(attempts,
            TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .build();
  }

  /** gRPC with mutual TLS when the config asks for it (server, client and admin services alike). */
  private static Parameters tlsParameters(RaftStoreConfig config) {
    Parameters p = new Parameters();
    if (config.tls() != null) {
      GrpcConfigKeys.TLS.setConf(p, new GrpcTlsConfig(config.tls().keys(), config.tls().trust(), true));
    }
    return p;
  }

  static UUID groupUuid(String name) {
    try {
      return UUID.fromString(name);
    } catch (IllegalArgumentException notUuid) {
      return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }
  }

  // ---- Store ----

  @Override
  public CompletableFuture<Optional<KeyValue>> get(String key, Consistency consistency) {
    return read(consistency, () -> stateMachine.read(s -> s.get(key)));
  }

  @Override
  public CompletableFuture<RangeResult> range(String prefix, String startAfter, int limit, Consistency consistency) {
    return read(consistency, () -> stateMachine.read(s -> s.range(prefix, startAfter, limit)));
  }

  @Override
  public CompletableFuture<RangeResult> rangeAt(String prefix, String startAfter, int limit, long revision) {
    // a member that has applied the revision answers from its own state; one behind catches up first
    Consistency c = stateMachine.read(KvState::revision) >= revision ? Consistency.LOCAL : Consistency.LINEARIZABLE;
    return read(c, () -> stateMachine.read(s -> s.rangeAt(prefix, startAfter, limit, revision)));
  }

  private <T> CompletableFuture<T> read(Consistency consistency, java.util.function.Supplier<T> local) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(new UnavailableException("store closed"));
    }
    if (consistency == Consistency.LOCAL) {
      try {
        return CompletableFuture.completedFuture(local.get());
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return bounded(barrier.next(), "linearizable read").thenApply(ignored -> local.get());
  }

  @Override
  public CompletableFuture<TxnResult> txn(Txn txn) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(new UnavailableException("store closed"));
    }
    KvCommand.TxnCommand command = new KvCommand.TxnCommand(txn, clock.millis());
    int bytes = KvCodec.encodedSize(command);
    if (bytes > RaftStoreConfig.MAX_TXN_BYTES) {
      return CompletableFuture.failedFuture(new TooLargeException("the write is " + bytes
          + " bytes encoded; the store takes at most " + RaftStoreConfig.MAX_TXN_BYTES + " in one transaction"));
    }
    return batcher.submit(command);
  }

  /** Proposes dropping watch history older than {@code cutoffMillis}; completes with the compacted revision. */
  public CompletableFuture<Long> compactHistory(long cutoffMillis) {
    return propose(new KvCommand.CompactCommand(cutoffMillis)).thenApply(KvCodec::decodeCompactResult);
  }

  /** Proposes dropping watch history older than the configured history age (call it on the leader). */
  public CompletableFuture<Long> compactHistory() {
    return compactHistory(clock.millis() - config.historyAge().toMillis());
  }

  private CompletableFuture<byte[]> propose(KvCommand command) {
    return propose(command, leader);
  }

  /** {@link #txn} handed to this member's own server whether it leads or not (tests: the hand-over's fallback). */
  CompletableFuture<TxnResult> txnThroughOwnServer(Txn txn) {
    return propose(new KvCommand.TxnCommand(txn, clock.millis()), true).thenApply(KvCodec::decodeTxnResult);
  }

  /**
   * Why this member's Raft server stopped though the store was not closed (a failure of its log's disk, say),
   * or null while it runs: the store can then never read or write again.
   */
  public String serverFailure() {
    if (closed.get()) {
      return null;
    }
    org.apache.ratis.util.LifeCycle.State s = server.getLifeCycleState();
    if (s.isClosingOrClosed() || s == org.apache.ratis.util.LifeCycle.State.EXCEPTION) {
      return "its Raft server is " + s.name().toLowerCase(java.util.Locale.ROOT);
    }
    // the group's member alone stops when applying fails (its state's disk full, say)
    org.apache.ratis.util.LifeCycle.State d;
    try {
      d = server.getDivision(groupId).getInfo().getLifeCycleState();
    } catch (IOException e) {
      return s == org.apache.ratis.util.LifeCycle.State.RUNNING ? "its Raft group member is gone: " + e.getMessage()
          : null;
    }
    return d.isClosingOrClosed() || d == org.apache.ratis.util.LifeCycle.State.EXCEPTION
        ? "its Raft group member is " + d.name().toLowerCase(java.util.Locale.ROOT) + " (see the errors above)" : null;
  }

  /** Closes this member's Raft server alone, as a failure in it would (tests). */
  void closeServerOnly() throws IOException {
    server.close();
  }

  /** Asks this member, leading, to step down (tests: a leader elected again with no other between). */
  void stepDown() throws IOException {
    RaftClientReply reply = client.get().admin().transferLeadership(null, selfId, config.requestTimeout().toMillis());
    if (!reply.isSuccess()) {
      throw reply.getException() != null ? reply.getException() : new IOException("step-down refused");
    }
  }

  /** The replies this member's Raft server keeps for clients that may send a call again (tests). */
  long retryCacheSize() throws IOException {
    return server.getDivision(groupId).getRetryCache().getStatistics().size();
  }

  /** Writes handed to this member's own server, and how many of them it turned away to the client. */
  long[] ownServerWrites() {
    return new long[] {localCallIds.get(), sentOnToClient.get()};
  }

  private CompletableFuture<byte[]> propose(KvCommand command, boolean toOwnServer) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(new UnavailableException("store closed"));
    }
    Message message = Message.valueOf(ByteString.copyFrom(KvCodec.encodeCommand(command)));
    CompletableFuture<RaftClientReply> sent = toOwnServer ? proposeLocally(message) : proposeViaClient(message);
    return bounded(sent.thenApply(RaftKvStore::checkReply), "write")
        .thenApply(reply -> reply.getMessage().getContent().toByteArray());
  }

  private CompletableFuture<RaftClientReply> proposeViaClient(Message message) {
    RaftClient c = client.get();
    try {
      return renewIfClosed(c, c.async().send(message));
    } catch (RuntimeException e) {
      renewIfClosed(c, CompletableFuture.failedFuture(e));
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * On the leader, a write is handed to this member's own Raft server, not sent to it through the client's
   * gRPC stream: no encoding, RPC and decoding of every entry on the way to itself and back, and no
   * dependence on that connection (whose reset, when another member came back, could hold the writes queued
   * behind it). The hand-over and the reply run on a thread of their own: the server appends under its lock,
   * and completes the reply on the thread that applied the entry, which must not wait for the callers.
   *
   * <p>A request the server turned away before appending it (it is no longer the leader, or not ready yet
   * after an election, or its queue of pending writes is full) goes through the client instead, which finds
   * the leader and retries. Whether it was appended is known from the state machine, which is told of each
   * entry just before it goes into the log: one that was, when its leader stepped down, may still be committed
   * by the next leader, so it is not sent again (that could apply it twice) but fails as unavailable with its
   * outcome unknown, as a write that timed out does. Anything else is the write's outcome as through the
   * client.
   */
  private CompletableFuture<RaftClientReply> proposeLocally(Message message) {
    RaftClientRequest request = ownServerRequest(localClientId, localCallIds.incrementAndGet(), message,
        RaftClientRequest.writeRequestType(), drain(repliedLocally));
    CompletableFuture<RaftClientReply> handed;
    try {
      handed = CompletableFuture.supplyAsync(() -> {
        try {
          return server.submitClientRequestAsync(request);
        } catch (IOException e) {
          throw new CompletionException(e);
        }
      }, proposer).thenCompose(f -> f);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new UnavailableException("store closed"));
    }
    long callId = request.getCallId();
    return handed.handleAsync((reply, error) -> {
      repliedLocally.add(callId);
      boolean appended = appendedLocally.remove(callId);
      Throwable failure = error != null ? unwrap(error) : reply.getException();
      if (failure == null) {
        return CompletableFuture.completedFuture(reply);
      }
      if (!appended && (turnedAway(failure) || error != null && failure instanceof IOException
          && !(failure instanceof StateMachineException))) {
        sentOnToClient.incrementAndGet();
        return proposeViaClient(message);
      }
      if (appended && failure instanceof NotLeaderException) {
        // in the log of a leader that lost its place: the next leader may commit it or drop it
        return CompletableFuture.<RaftClientReply>failedFuture(new UnavailableException(
            "write: the leader stepped down before it committed (its outcome is unknown)", failure));
      }
      return error != null ? CompletableFuture.<RaftClientReply>failedFuture(error)
          : CompletableFuture.completedFuture(reply);
    }, proposer).thenCompose(f -> f);
  }

  /**
   * A linearizable read's barrier: this member's server gets the read index (from its own leader state, or
   * asking the leader when it follows) and answers once it has applied that far. Handed to the server directly,
   * not sent to it through the client's RPC; a failure there is asked again through the client, which retries
   * (the unordered form, since an ordered read-only request addressed to one server stalls the client's ordered
   * stream). The answer is taken on a thread of its own: the reads waiting for it run their lookups there, not
   * on the server's applying thread.
   */
  private CompletableFuture<RaftClientReply> readIndexBarrier() {
    RaftClientRequest request = ownServerRequest(localReadClientId, localReadCallIds.incrementAndGet(),
        Message.EMPTY, RaftClientRequest.readRequestType(), List.of());
    CompletableFuture<RaftClientReply> handed;
    try {
      handed = server.submitClientRequestAsync(request);
    } catch (IOException | RuntimeException e) {
      handed = CompletableFuture.failedFuture(e);
    }
    // once the store is closed, the executor refuses the answer and the barrier fails with that
    return handed.handleAsync((reply, error) -> {
      if (error == null && reply.isSuccess()) {
        return CompletableFuture.completedFuture(reply);
      }
      RaftClient c = client.get();
      return renewIfClosed(c, c.async().sendReadOnlyUnordered(Message.EMPTY, selfId)
          .thenApply(RaftKvStore::checkReply));
    }, reads).thenCompose(f -> f);
  }

  /** What {@code ids} holds now, taken out of it. */
  private static List<Long> drain(Queue<Long> ids) {
    List<Long> out = new ArrayList<>();
    for (Long id = ids.poll(); id != null; id = ids.poll()) {
      out.add(id);
    }
    return out;
  }

  /**
   * A request addressed to this member's own server, bounded by the store's request timeout, naming the calls
   * of the same client whose replies the server need not keep any more.
   */
  private RaftClientRequest ownServerRequest(ClientId clientId, long callId, Message message,
                                             RaftClientRequest.Type type, List<Long> repliedCallIds) {
    return RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(selfId)
        .setGroupId(groupId)
        .setCallId(callId)
        .setMessage(message)
        .setType(type)
        .setTimeoutMs(config.requestTimeout().toMillis())
        .setRepliedCallIds(repliedCallIds)
        .build();
  }

  /** A server's answer for a request it turns away before appending it: another member may take it. */
  static boolean turnedAway(Throwable e) {
    return e instanceof NotLeaderException || e instanceof LeaderNotReadyException
        || e instanceof LeaderSteppingDownException || e instanceof ResourceUnavailableException;
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The members a client addresses: the current configuration and this member. */
  private List<RaftPeer> clientPeers() throws IOException {
    List<RaftPeer> known = new ArrayList<>(currentPeers());
    if (known.stream().noneMatch(p -> p.getId().equals(selfId))) {
      known.add(RaftPeer.newBuilder().setId(selfId).setAddress(config.peerAddress()).build());
    }
    return known;
  }

  /**
   * Ratis closes an async client's ordered stream for good once a request exhausted its retries (for
   * example while a dead leader is being replaced); every later request then fails with
   * AlreadyClosedException. When a call fails so, the client it used is replaced by a new one.
   */
  private <T> CompletableFuture<T> renewIfClosed(RaftClient used, CompletableFuture<T> call) {
    call.whenComplete((v, e) -> {
      Throwable t = e;
      while (t != null && !(t instanceof AlreadyClosedException)) {
        t = t.getCause();
      }
      if (t != null && !closed.get()) {
        try {
          admin.execute(() -> renew(used));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
          LOG.debug("store closing: the closed Raft client is not replaced");
        }
      }
    });
    return call;
  }

  private void renew(RaftClient used) {
    if (client.get() != used || closed.get()) {
      return;
    }
    try {
      RaftClient fresh = newClient(clientPeers(), config);
      if (client.compareAndSet(used, fresh)) {
        LOG.info("the Raft client was closed after failed retries; using a new one");
        used.close();
      } else {
        fresh.close();
      }
    } catch (IOException | RuntimeException ex) {
      LOG.warn("replacing the closed Raft client", ex);
    }
  }

  private static RaftClientReply checkReply(RaftClientReply reply) {
    if (!reply.isSuccess()) {
      throw new CompletionException(reply.getException());
    }
    return reply;
  }

  /** Bounds a Raft call by the request timeout and maps its failures to store exceptions. */
  private <T> CompletableFuture<T> bounded(CompletableFuture<T> call, String what) {
    CompletableFuture<T> out = new CompletableFuture<>();
    call.orTimeout(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
      if (e == null) {
        out.complete(v);
      } else {
        out.completeExceptionally(mapFailure(what, e));
      }
    });
    return out;
  }

  private Throwable mapFailure(String what, Throwable e) {
    Throwable cause = unwrap(e);
    if (cause instanceof StoreException) {
      return cause;
    }
    if (cause instanceof StateMachineException sme) {
      return new StoreException(what + " rejected: " + sme.getMessage(), sme);
    }
    return unavailable(what, cause);
  }

  private UnavailableException unavailable(String what, Throwable cause) {
    if (cause instanceof TimeoutException) {
      return new UnavailableException(what + " got no quorum within " + config.requestTimeout().toMillis()
          + " ms (its outcome is unknown)", cause);
    }
    if (cause instanceof java.util.concurrent.RejectedExecutionException || cause instanceof AlreadyClosedException) {
      // the store, or the Raft member under it, is stopping: its executors refuse work
      return new UnavailableException(what + " failed: the store is stopping", cause);
    }
    return new UnavailableException(what + " failed: " + cause, cause);
  }

  @Override
  public Watch watch(String prefix, long afterRevision, WatchListener listener) throws CompactedException {
    if (closed.get()) {
      throw new UnavailableException("store closed");
    }
    return stateMachine.watch(prefix, afterRevision, listener);
  }

  @Override
  public long revision() {
    return stateMachine.read(KvState::revision);
  }

  /**
   * Lets go of the resident pages of the store's mapped data file (for a member gone quiet: the next reads map
   * them again from the page cache). Returns the bytes of mappings advised, -1 when that cannot be done here.
   */
  public long releaseMappedPages() {
    return closed.get() ? 0 : stateMachine.releaseMappedPages();
  }

  @Override
  public long compactedRevision() {
    return stateMachine.read(KvState::compactedRevision);
  }

  @Override
  public boolean isLeader() {
    try {
      return !closed.get() && server.getDivision(groupId).getInfo().isLeader();
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public long leaderTerm() {
    try {
      var info = server.getDivision(groupId).getInfo();
      return !closed.get() && info.isLeader() ? info.getCurrentTerm() : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  private final java.util.concurrent.atomic.AtomicLong leaderChanges = new java.util.concurrent.atomic.AtomicLong();

  /** How this member sees its Raft group now, for its meters. */
  public record RaftStatus(boolean hasLeader, boolean isLeader, long term, long commitIndex, long appliedIndex,
                           int voters, long leaderChanges) {}

  /** This member's view of its group (all false and -1 once closed or before the group is there). */
  public RaftStatus raftStatus() {
    try {
      if (!closed.get()) {
        RaftServer.Division division = server.getDivision(groupId);
        var info = division.getInfo();
        return new RaftStatus(info.getLeaderId() != null, info.isLeader(), info.getCurrentTerm(),
            division.getRaftLog().getLastCommittedIndex(), info.getLastAppliedIndex(),
            division.getRaftConf().getCurrentPeers().size(), leaderChanges.get());
      }
    } catch (IOException e) {
      // no group (yet): as closed
    }
    return new RaftStatus(false, false, -1, -1, -1, 0, leaderChanges.get());
  }

  /** How many keys start with {@code prefix} in this member's copy (its values are not read). */
  public long countKeys(String prefix) {
    return closed.get() ? 0 : stateMachine.read(s -> s.count(prefix));
  }

  @Override
  public void addLeadershipListener(Consumer<Boolean> listener) {
    leadershipListeners.add(listener);
    // read on the notifier, where it is written: a change told meanwhile is not followed by the older state
    notifier.execute(() -> listener.accept(leader));
  }

  /**
   * Tells the listeners of a change of leader. Ratis tells of each leader elected, not of a leader stepping
   * down: a leader that stepped down (it lost its followers' heartbeats, or met a higher term) and was then
   * elected again, with no other leader between, is told of only as leader again. Its listeners are then told
   * false and true in turn, since the components they run act for the term they started in (their writes are
   * fenced by it) and must start again for the new one.
   */
  private void onLeadership(boolean isLeader) {
    if (closed.get()) {
      return;
    }
    leaderChanges.incrementAndGet();
    notifier.execute(() -> {
      long term = isLeader ? leaderTerm() : -1;
      if (isLeader && term < 0) {
        return; // no longer leading by now: the next election is told in its turn
      }
      if (leader == isLeader && (!isLeader || term == notifiedTerm)) {
        return;
      }
      if (leader && isLeader) {
        LOG.info("elected again in term {} (led in term {}): leader components start again", term, notifiedTerm);
        tell(false);
      }
      leader = isLeader;
      notifiedTerm = term;
      tell(isLeader);
    });
  }

  private void tell(boolean isLeader) {
    for (Consumer<Boolean> l : leadershipListeners) {
      try {
        l.accept(isLeader);
      } catch (RuntimeException e) {
        LOG.warn("leadership listener failed", e);
      }
    }
  }

  // ---- Membership ----

  @Override
  public String groupId() {
    return groupId.getUuid().toString();
  }

  /** This member's id. */
  public String memberId() {
    return config.memberId();
  }

  /**
   * The voters as this member sees them: the leader, the current term, each member's commit index as
   * reported to this member (-1 when unknown), and the applied index of this member only (-1 for others).
   */
  @Override
  public CompletableFuture<List<Member>> members() {
    return CompletableFuture.supplyAsync(() -> {
      try {
        RaftServer.Division division = server.getDivision(groupId);
        var info = division.getInfo();
        RaftPeerId leaderId = info.getLeaderId();
        Map<String, Long> commits = new HashMap<>();
        for (CommitInfoProto c : division.getCommitInfos()) {
          commits.put(RaftPeerId.valueOf(c.getServer().getId()).toString(), c.getCommitIndex());
        }
        List<Member> out = new ArrayList<>();
        for (RaftPeer p : division.getRaftConf().getCurrentPeers()) {
          boolean self = p.getId().equals(selfId);
          out.add(new Member(p.getId().toString(), p.getAddress(), p.getId().equals(leaderId), self,
              info.getCurrentTerm(), commits.getOrDefault(p.getId().toString(), -1L),
              self ? info.getLastAppliedIndex() : -1));
        }
        return out;
      } catch (IOException e) {
        throw new CompletionException(new UnavailableException("no group " + groupId, e));
      }
    }, admin);
  }

  private Collection<RaftPeer> currentPeers() throws IOException {
    return server.getDivision(groupId).getRaftConf().getCurrentPeers();
  }

  @Override
  public CompletableFuture<Void> addMember(String id, String peerAddress) {
    RaftPeer peer = RaftPeer.newBuilder().setId(id).setAddress(peerAddress).build();
    return changeConfiguration(SetConfigurationRequest.Mode.ADD, List.of(peer), "add member " + id);
  }

  @Override
  public CompletableFuture<Void> removeMember(String id) {
    return CompletableFuture.supplyAsync(() -> {
      try (RaftClient adminClient = newClient(new ArrayList<>(currentPeers()), config)) {
        List<RaftPeer> remaining = new ArrayList<>();
        boolean found = false;
        for (RaftPeer p : currentPeers()) {
          if (p.getId().toString().equals(id)) {
            found = true;
          } else {
            remaining.add(p);
          }
        }
        if (!found) {
          throw new StoreException("no member " + id + " in the group");
        }
        RaftClientReply reply = adminClient.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
            .setServersInNewConf(remaining).setMode(SetConfigurationRequest.Mode.SET_UNCONDITIONALLY).build());
        checkReply(reply);
        return null;
      } catch (IOException | RuntimeException e) {
        throw new CompletionException(mapFailure("remove member " + id, e));
      }
    }, admin);
  }

  private CompletableFuture<Void> changeConfiguration(SetConfigurationRequest.Mode mode, List<RaftPeer> peers,
                                                      String what) {
    return CompletableFuture.supplyAsync(() -> {
      try (RaftClient adminClient = newClient(new ArrayList<>(currentPeers()), config)) {
        RaftClientReply reply = adminClient.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
            .setServersInNewConf(peers).setMode(mode).build());
        checkReply(reply);
        return null;
      } catch (IOException | RuntimeException e) {
        throw new CompletionException(mapFailure(what, e));
      }
    }, admin);
  }

  /** Asks this member to take a snapshot now (and purge its log up to it); completes with its index. */
  public CompletableFuture<Long> takeSnapshot() {
    return CompletableFuture.supplyAsync(() -> {
      try (RaftClient adminClient = newClient(new ArrayList<>(currentPeers()), config)) {
        RaftClientReply reply = adminClient.getSnapshotManagementApi(selfId).create(true,
            config.requestTimeout().toMillis() * 4);
        checkReply(reply);
        return reply.getLogIndex();
      } catch (IOException | RuntimeException e) {
        throw new CompletionException(mapFailure("snapshot", e));
      }
    }, admin);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      client.get().close();
    } catch (IOException e) {
      LOG.warn("closing the Raft client", e);
    }
    try {
      server.close();
    } catch (IOException e) {
      LOG.warn("closing the Raft server", e);
    }
    hub.close();
    admin.shutdownNow();
    proposer.shutdownNow();
    reads.shutdownNow();
    if (leader) {
      leader = false;
      for (Consumer<Boolean> l : leadershipListeners) {
        notifier.execute(() -> l.accept(false));
      }
    }
    notifier.shutdown();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Ratis is very chatty at INFO; keep its loggers at WARN when Logback is the backend. */
  private static void quietRatisLogs() {
    org.slf4j.Logger ratis = LoggerFactory.getLogger("org.apache.ratis");
    if (ratis instanceof ch.qos.logback.classic.Logger logback && logback.getLevel() == null) {
      logback.setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }
}
