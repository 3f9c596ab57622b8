package io.coxswain.store.raft;

import io.coxswain.store.CompactedException;
import io.coxswain.store.KvCodec;
import io.coxswain.store.KvCommand;
import io.coxswain.store.KvState;
import io.coxswain.store.StoreException;
import io.coxswain.store.Watch;
import io.coxswain.store.WatchEvent;
import io.coxswain.store.WatchHub;
import io.coxswain.store.WatchListener;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine: applies committed {@link KvCommand}s to a {@link KvState} whose maps live in
 * MapDB (transactions on). MapDB commits the state together with the last applied index once per batch
 * of entries (by count and on a timer), never per entry; after a restart the entries MapDB already holds
 * are skipped. A snapshot commits MapDB and writes a consistent export file per term and index.
 */
final class KvStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);
  private static final String META_APPLIED_INDEX = "appliedIndex";
  private static final String META_APPLIED_TERM = "appliedTerm";
  private static final byte SNAPSHOT_VERSION = 1;

  private final Path stateDir;
  private final int historyLimit;
  private final int commitEvery;
  private final WatchHub hub;
  private final Consumer<Boolean> leadership;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final ScheduledExecutorService committer;

  private DB db;
  private KvState state;
  private BTreeMap<String, Long> meta;
  private long dbAppliedIndex;
  private long dbAppliedTerm;
  private int uncommitted;
  private volatile RaftPeerId selfId;
  // the newest snapshot, kept here: while there is none, the storage would list its directory on every
  // call, and Ratis asks on every log-appender round and every client request
  private volatile SingleFileSnapshotInfo latestSnapshot;

  /** Told of each client request whose entry this member, as leader, is about to append to its log. */
  private volatile Consumer<RaftClientRequest> appending = r -> { };

  void onAppending(Consumer<RaftClientRequest> listener) {
    appending = listener;
  }

  @Override
  public TransactionContext preAppendTransaction(TransactionContext trx) throws IOException {
    RaftClientRequest request = trx.getClientRequest();
    if (request != null) {
      appending.accept(request);
    }
    return trx;
  }

  KvStateMachine(Path stateDir, int historyLimit, int commitEvery, WatchHub hub, Consumer<Boolean> leadership) {
    this.stateDir = stateDir;
    this.historyLimit = historyLimit;
    this.commitEvery = commitEvery;
    this.hub = hub;
    this.leadership = leadership;
    this.committer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "store-commit-" + stateDir.getFileName());
      t.setDaemon(true);
      return t;
    });
  }

  // ---- lifecycle ----

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    selfId = server.getId();
    storage.init(raftStorage);
    lock.writeLock().lock();
    try {
      openOrRebuildDb(raftStorage);
      SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
      latestSnapshot = snapshot;
      if (snapshot != null) {
        if (snapshot.getIndex() > dbAppliedIndex) {
          importSnapshot(snapshot);
        }
        setLastAppliedTermIndex(snapshot.getTermIndex());
      }
    } finally {
      lock.writeLock().unlock();
    }
    committer.scheduleWithFixedDelay(this::commitIfDirty, 500, 500, TimeUnit.MILLISECONDS);
    getLifeCycle().startAndTransition(() -> {});
  }

  @Override
  public void pause() {
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.RUNNING) {
      lc.transition(LifeCycle.State.PAUSING);
      lc.transition(LifeCycle.State.PAUSED);
    }
  }

  @Override
  public void reinitialize() throws IOException {
    LifeCycle lc = getLifeCycle();
    lock.writeLock().lock();
    try {
      SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
      latestSnapshot = snapshot;
      if (snapshot != null) {
        importSnapshot(snapshot);
        setLastAppliedTermIndex(snapshot.getTermIndex());
      }
    } finally {
      lock.writeLock().unlock();
    }
    hub.endAll(new StoreException("this member's state was replaced by a snapshot"));
    if (lc.getCurrentState() == LifeCycle.State.PAUSED) {
      lc.transition(LifeCycle.State.STARTING);
      lc.transition(LifeCycle.State.RUNNING);
    }
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public SingleFileSnapshotInfo getLatestSnapshot() {
    return latestSnapshot;
  }

  @Override
  public void close() throws IOException {
    LOG.info("applied {} entries in {} ms; {} MapDB commits in {} ms", applies, applyNanos / 1_000_000, commits,
        commitNanos / 1_000_000);
    committer.shutdownNow();
    lock.writeLock().lock();
    try {
      if (db != null && !db.isClosed()) {
        if (uncommitted > 0) {
          commitLocked();
        }
        db.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
    super.close();
  }

  // ---- applying ----

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    long term = entry.getTerm();
    lock.writeLock().lock();
    try {
      if (index <= dbAppliedIndex) {
        // MapDB already holds this entry (replay after a restart)
        updateLastAppliedTermIndex(term, index);
        return CompletableFuture.completedFuture(Message.EMPTY);
      }
      long a0 = System.nanoTime();
      KvCommand command;
      List<KvState.Applied> applied;
      try {
        command = KvCodec.decodeCommand(entry.getStateMachineLogEntry().getLogData().toByteArray());
        applied = state.applyAll(command, term);
      } catch (IllegalArgumentException malformed) {
        markApplied(term, index);
        return CompletableFuture.failedFuture(new StoreException("rejected command: " + malformed.getMessage()));
      }
      markApplied(term, index);
      applyNanos += System.nanoTime() - a0;
      for (KvState.Applied a : applied) {
        hub.publish(a.events());
      }
      byte[] reply = command instanceof KvCommand.BatchCommand
          ? KvCodec.encodeBatchResult(applied)
          : KvCodec.encodeResult(applied.get(0));
      return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
    } finally {
      lock.writeLock().unlock();
    }
  }

  // counters for the close-time log line (written under the write lock)
  private long applyNanos;
  private long commitNanos;
  private long commits;
  private long applies;

  private void markApplied(long term, long index) {
    dbAppliedIndex = index;
    dbAppliedTerm = term;
    updateLastAppliedTermIndex(term, index);
    applies++;
    if (++uncommitted >= commitEvery) {
      commitLocked();
    }
  }

  private void commitIfDirty() {
    lock.writeLock().lock();
    try {
      if (uncommitted > 0 && db != null && !db.isClosed()) {
        commitLocked();
      }
    } catch (RuntimeException e) {
      LOG.warn("MapDB commit failed", e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Commits MapDB with the counters and the applied index (caller holds the write lock). */
  private void commitLocked() {
    long t0 = System.nanoTime();
    state.writeCounters();
    meta.put(META_APPLIED_INDEX, dbAppliedIndex);
    meta.put(META_APPLIED_TERM, dbAppliedTerm);
    db.commit();
    uncommitted = 0;
    commitNanos += System.nanoTime() - t0;
    commits++;
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    // the read barrier: Ratis has already waited for the read index to be applied here
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  // ---- snapshots ----

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last;
    File file;
    long started = System.nanoTime();
    long exported;
    long forced;
    java.security.MessageDigest digest;
    lock.writeLock().lock();
    try {
      last = getLastAppliedTermIndex();
      if (last == null || last.getIndex() < 0) {
        return -1;
      }
      commitLocked();
      file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
      Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
      // the checksum Ratis keeps beside the file is taken as it is written, not by reading it back
      digest = MD5FileUtil.newMD5();
      try (OutputStream os = new BufferedOutputStream(
          new java.security.DigestOutputStream(Files.newOutputStream(tmp), digest), 1 << 16)) {
        DataOutputStream out = new DataOutputStream(os);
        out.writeByte(SNAPSHOT_VERSION);
        out.writeLong(dbAppliedIndex);
        out.writeLong(dbAppliedTerm);
        state.exportTo(out);
        out.flush();
      }
      exported = System.nanoTime();
      try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      forced = System.nanoTime();
    } finally {
      lock.writeLock().unlock();
    }
    MD5Hash md5 = MD5Hash.newInstance(digest.digest());
    MD5FileUtil.saveMD5File(file, md5);
    SingleFileSnapshotInfo taken = new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last);
    storage.updateLatestSnapshot(taken);
    latestSnapshot = storage.getLatestSnapshot();
    long done = System.nanoTime();
    LOG.info("snapshot at {} written to {} ({} KB in {} ms: export {} ms, sync {} ms, checksum {} ms)", last, file,
        file.length() / 1024, (done - started) / 1_000_000, (exported - started) / 1_000_000,
        (forced - exported) / 1_000_000, (done - forced) / 1_000_000);
    return last.getIndex();
  }

  /** Replaces the MapDB state with a snapshot's export (caller holds the write lock). */
  private void importSnapshot(SingleFileSnapshotInfo snapshot) throws IOException {
    Path file = snapshot.getFile().getPath();
    if (db != null && !db.isClosed()) {
      db.close();
    }
    deleteStateFiles();
    openDb();
    try (InputStream is = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      DataInputStream in = new DataInputStream(is);
      byte version = in.readByte();
      if (version != SNAPSHOT_VERSION) {
        throw new IOException("unknown snapshot version " + version + " in " + file);
      }
      long appliedIndex = in.readLong();
      long appliedTerm = in.readLong();
      state.importFrom(in);
      dbAppliedIndex = appliedIndex;
      dbAppliedTerm = appliedTerm;
    }
    commitLocked();
    LOG.info("state loaded from snapshot {} (applied index {})", file, dbAppliedIndex);
  }

  /**
   * Opens the MapDB state; one that cannot be read (its file damaged, by a power cut or a disk) is moved aside
   * and rebuilt: from the latest snapshot and the Raft log after it, which together hold every committed entry,
   * or from the whole log when no snapshot was ever taken. When neither holds everything (the log purged and
   * no snapshot left), the member refuses to start, saying how to restore it.
   */
  private void openOrRebuildDb(RaftStorage raftStorage) throws IOException {
    try {
      openDb();
      return;
    } catch (RuntimeException damaged) {
      if (db != null && !db.isClosed()) {
        try {
          db.close();
        } catch (RuntimeException ignored) {
          // it is being replaced
        }
      }
      db = null;
      if (storage.loadLatestSnapshot() == null && firstLogIndex(raftStorage) > 0) {
        throw new IOException("the store's state in " + stateDir + " cannot be read (" + damaged.getMessage()
            + "), and neither a snapshot nor the Raft log holds every entry: restore the data dir from a snapshot"
            + " ('snapshot restore'), or start this master afresh and join it to the others", damaged);
      }
      Path aside = stateDir.resolveSibling(stateDir.getFileName() + ".damaged-" + System.currentTimeMillis());
      Files.move(stateDir, aside);
      LOG.warn("the store's state in {} cannot be read ({}): moved to {} and rebuilt from {}", stateDir,
          damaged.getMessage(), aside, storage.loadLatestSnapshot() == null ? "the Raft log"
              : "the latest snapshot and the Raft log after it");
    }
    openDb();
  }

  /** The lowest index in this member's Raft log files (0 when the log was never purged, or holds nothing). */
  static long firstLogIndex(RaftStorage raftStorage) throws IOException {
    Path dir = raftStorage.getStorageDir().getCurrentDir().toPath();
    long first = Long.MAX_VALUE;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        java.util.regex.Matcher m = LOG_FILE.matcher(f.getFileName().toString());
        if (m.matches()) {
          first = Math.min(first, Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2)));
        }
      }
    }
    return first == Long.MAX_VALUE ? 0 : first;
  }

  private static final java.util.regex.Pattern LOG_FILE =
      java.util.regex.Pattern.compile("log_(?:(\\d+)-\\d+|inprogress_(\\d+))");

  private void openDb() throws IOException {
    Files.createDirectories(stateDir);
    db = DBMaker.fileDB(stateDir.resolve("kv.db").toFile())
        .transactionEnable()
        .fileMmapEnableIfSupported()
        .make();
    BTreeMap<String, byte[]> keys = openKeys(db);
    BTreeMap<Long, byte[]> history = db.treeMap("history", Serializer.LONG, Serializer.BYTE_ARRAY)
        .valuesOutsideNodesEnable().createOrOpen();
    meta = db.treeMap("meta", Serializer.STRING, Serializer.LONG).createOrOpen();
    state = new KvState(keys, history, meta, historyLimit);
    dbAppliedIndex = meta.getOrDefault(META_APPLIED_INDEX, 0L);
    dbAppliedTerm = meta.getOrDefault(META_APPLIED_TERM, 0L);
    uncommitted = 0;
  }

  /**
   * The map of current keys. A new state stores its keys prefix-compressed (MapDB's STRING_DELTA): a lookup
   * searches each B-tree node's keys as characters, where plain strings made a String of every key of every
   * node on its path (the most allocated objects of a busy master, and about half of a lookup's time). A
   * state created before keeps its plain keys: MapDB opens a map with the serializers its catalog recorded
   * when it was made. A snapshot installed or a wiped member starts anew, in the new format.
   */
  static BTreeMap<String, byte[]> openKeys(DB db) {
    return db.treeMap("keys", Serializer.STRING_DELTA, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable().createOrOpen();
  }

  private void deleteStateFiles() throws IOException {
    if (!Files.isDirectory(stateDir)) {
      return;
    }
    try (Stream<Path> files = Files.list(stateDir)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  // ---- reads (for the store) ----

  <T> T read(Function<KvState, T> reader) {
    lock.readLock().lock();
    try {
      if (state == null) {
        throw new StoreException("store not started");
      }
      return reader.apply(state);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Drops the pages of MapDB's mapped data file from this process's resident memory ({@link MappedPages}); the
   * read lock keeps MapDB from being closed or replaced meanwhile. Returns the bytes of mappings advised, -1
   * when pages cannot be released here.
   */
  long releaseMappedPages() {
    lock.readLock().lock();
    try {
      return db == null || db.isClosed() ? 0 : MappedPages.release(db);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Registers a watch atomically with respect to applies: replay, then live events. */
  Watch watch(String prefix, long afterRevision, WatchListener listener) throws CompactedException {
    lock.readLock().lock();
    try {
      long from = afterRevision == 0 ? state.revision() : afterRevision;
      List<WatchEvent> replay = state.history(prefix, from);
      return hub.register(prefix, from, replay, listener);
    } finally {
      lock.readLock().unlock();
    }
  }

  // ---- events ----

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    RaftPeerId self = selfId;
    leadership.accept(self != null && self.equals(newLeaderId));
  }
}
