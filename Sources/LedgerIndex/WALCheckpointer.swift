import CSQLite
import Dispatch
import Synchronization

/// Checkpoints the derived-state database's WAL on a connection and a thread of its own, so a
/// writer's commit never waits for a checkpoint's two `fsync`s (Specs/site-layout.md §9.9).
///
/// Why: SQLite's automatic checkpoint runs inside the commit that crosses
/// ``SiteIndex/walCheckpointPages``, on the writer: for the serving site's API that is the
/// ledger's queue, and every consult waits while it syncs the WAL and the database file. Here
/// the writer's commit only tells this object how many frames the WAL holds (SQLite's WAL
/// hook, which replaces the automatic checkpoint on that connection); past the threshold a
/// `PASSIVE` checkpoint runs on ``queue`` — it copies the frames no reader needs and never
/// blocks the writer — at most once per ``minimumInterval``. SQLite starts the WAL over at
/// the first write after a checkpoint that copied every frame. Should the checkpoints fall
/// behind (a commit between every checkpoint's start and end, so the WAL never starts over),
/// a commit that leaves more than ``hardLimit`` frames checkpoints on the writer as before:
/// the WAL stays bounded (give or take the commits made while such a checkpoint found the
/// background one running and could not copy everything).
final class WALCheckpointer: @unchecked Sendable {  // `connection` is touched only on `queue`; `running` is a Mutex.
    /// The database file.
    let path: String
    /// WAL frames past which a commit asks for a checkpoint.
    let threshold: Int
    /// The least time between two checkpoints begun here.
    static let minimumInterval = DispatchTimeInterval.milliseconds(20)
    /// WAL frames past which a commit checkpoints on the writer itself.
    let hardLimit: Int
    private let queue = DispatchQueue(label: "careledger.index-checkpoint", qos: .utility)
    private let running = Mutex(false)
    private let completed = Atomic<Int>(0)
    private var connection: OpaquePointer?

    /// A checkpointer of the database at `path`, asked past `threshold` frames; past
    /// `hardLimit` the writer checkpoints itself.
    init(path: String, threshold: Int, hardLimit: Int) {
        self.path = path
        self.threshold = max(1, threshold)
        self.hardLimit = max(1, hardLimit)
    }

    deinit { if let connection { sqlite3_close_v2(connection) } }

    /// Checkpoints run here so far (each may have copied nothing when readers held every frame).
    var checkpoints: Int { completed.load(ordering: .acquiring) }

    /// From the writer's WAL hook after each commit, with the frames the WAL holds: asks for a
    /// checkpoint past the threshold (nothing when one is running or ran less than
    /// ``minimumInterval`` ago: a later commit asks again); past the hard limit, checkpoints
    /// on `writer` itself.
    func committed(frames: Int, writer: OpaquePointer?) {
        if frames > hardLimit, let writer {
            sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            return
        }
        guard frames >= threshold else { return }
        let start = running.withLock { running -> Bool in
            if running { return false }
            running = true
            return true
        }
        guard start else { return }
        queue.async {
            self.checkpoint()
            self.completed.add(1, ordering: .releasing)
            self.queue.asyncAfter(deadline: .now() + Self.minimumInterval) { self.running.withLock { $0 = false } }
        }
    }

    /// Returns once the checkpoint asked for so far has run (for tests and for closing).
    func drain() { queue.sync {} }

    /// On ``queue``: one `PASSIVE` checkpoint. A failure (a busy database, a full disk) is
    /// left for the next commit's request: the WAL keeps the frames meanwhile.
    private func checkpoint() {
        if connection == nil {
            var opened: OpaquePointer?
            guard sqlite3_open_v2(path, &opened, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let opened,
                  careledger_sqlite_no_checkpoint_on_close(opened) == SQLITE_OK, careledger_sqlite_persist_wal(opened) == SQLITE_OK,
                  sqlite3_exec(opened, "PRAGMA synchronous = NORMAL", nil, nil, nil) == SQLITE_OK
            else {
                sqlite3_close_v2(opened)
                return
            }
            connection = opened
        }
        sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }

    /// The WAL hook a writer connection carries instead of SQLite's automatic checkpoint;
    /// its context is an unretained ``WALCheckpointer`` that outlives the hook.
    static let hook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = { context, writer, _, frames in
        guard let context else { return SQLITE_OK }
        Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(frames: Int(frames), writer: writer)
        return SQLITE_OK
    }
}
