import CSQLite
import Foundation
import GRDB
import LedgerConsent
import LedgerCore
import Synchronization

/// A site's derived-state database: `index.sqlite` in the data folder, SQLite in WAL mode
/// (Specs/site-layout.md §9).
///
/// A cache of what the log implies — entries by kind and author, author chains and forks,
/// charter entries, the consent index, access decisions, counters — kept current by the
/// ledger on every commit (``apply(_:voided:)``) and rebuilt from the log whenever it is missing,
/// damaged, of another schema or does not match the log. One writer at a time across
/// processes (SQLite's write lock, taken at the start of each transaction, waited for up to
/// 10 s); readers read a consistent state beside it.
///
/// The `-wal` file stays in place between processes (Specs/site-layout.md §9.9): no connection
/// checkpoints or deletes it when it closes, so a command that only reads writes and syncs
/// nothing, and the next opener finds the WAL it needs. Writers checkpoint as they commit,
/// every ``walCheckpointPages`` pages, which bounds the WAL and what an opener replays of it.
public final class SiteIndex: DerivedStateIndex, Sendable {
    /// The schema this build writes; another value means a rebuild.
    public static let schemaVersion = 6
    /// The database file.
    public let path: String
    let pool: DatabasePool
    /// Whether this process wrote the database through this instance (§9.9 rule 6).
    let wrote = Mutex(false)
    /// The mark this instance's last committed ``apply(_:voided:)`` wrote; nil before one and after a
    /// reset or erase (``markCommittedHere``).
    let committedMark = Mutex<Int?>(nil)

    /// Decisions whose payloads are known to decode, by payload bytes, while
    /// ``applying(knownDecisions:_:)`` runs (empty otherwise).
    let knownDecisions = Mutex<[PayloadKey: AccessDecision]>([:])
    /// Consent versions whose payloads were decoded ahead, by payload bytes, while
    /// ``applying(decoded:_:)`` runs (empty otherwise).
    let knownConsentVersions = Mutex<[PayloadKey: ConsentVersionContent]>([:])

    /// What this instance's last committed ``apply(_:voided:)`` set the mark to (no database read).
    public var markCommittedHere: Int? { committedMark.withLock { $0 } }

    /// Opens (creating if needed) the database at `path`.
    /// - Throws: GRDB's `DatabaseError` when the file is not a database.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "careledger.index"
        configuration.maximumReaderCount = 2
        configuration.prepareDatabase { db in
            // A cache: losing the last commits on power loss only costs a catch-up from the log.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try Self.keepWAL(db)
        }
        pool = try DatabasePool(path: path, configuration: configuration)
    }

    deinit {
        if let made = checkpointer.withLock({ $0 }) {
            // The hook's context is `made`, unretained: give the writer its automatic checkpoint back first.
            try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.walCheckpointPages)") }
            made.drain()
        }
        restartLargeWAL()
    }

    /// The checkpointer that took this instance's WAL checkpoints off its commits, once
    /// ``checkpointInBackground()`` made it.
    let checkpointer = Mutex<WALCheckpointer?>(nil)

    /// Moves this instance's WAL checkpoints off its writer's commits, onto a connection and a
    /// thread of their own (`PASSIVE`, ``WALCheckpointer``; Specs/site-layout.md §9.9): for a
    /// long-running writer whose commits others wait for (the serving site's API). Does
    /// nothing the second time.
    /// - Parameters:
    ///   - threshold: WAL frames past which a commit asks for a checkpoint.
    ///   - hardLimit: WAL frames past which a commit checkpoints on the writer, as before.
    public func checkpointInBackground(threshold: Int = SiteIndex.walCheckpointPages, hardLimit: Int = 8 * SiteIndex.walCheckpointPages) {
        checkpointer.withLock { current in
            guard current == nil else { return }
            let made = WALCheckpointer(path: path, threshold: threshold, hardLimit: hardLimit)
            pool.writeWithoutTransaction { db in
                _ = sqlite3_wal_hook(db.sqliteConnection, WALCheckpointer.hook, Unmanaged.passUnretained(made).toOpaque())
            }
            current = made
        }
    }

    /// Checkpoints the background checkpointer ran so far (0 without one); waits for the one
    /// running, so a test reads a settled count.
    package var backgroundCheckpoints: Int {
        guard let made = checkpointer.withLock({ $0 }) else { return 0 }
        made.drain()
        return made.checkpoints
    }

    /// A WAL file larger than this when a process that wrote closes the database is
    /// checkpointed and restarted small (§9.9 rule 6).
    static let walRestartBytes = 2 << 20

    /// After this process's writes left a large WAL (a big transaction: an import, a long
    /// `append --jsonl`, a reindex), checkpoints it, truncates it and commits one tiny
    /// transaction, so that the next process neither replays megabytes of frames at its open
    /// nor has to create the WAL (Specs/site-layout.md §9.9 rule 6). Gives up after 100 ms
    /// when another process's readers hold the WAL: a later writer's close does it.
    private func restartLargeWAL() {
        guard wrote.withLock({ $0 }),
              let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int,
              size > Self.walRestartBytes else { return }
        try? pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA busy_timeout = 100")
            try db.checkpoint(.truncate)
            try db.inTransaction {
                try db.execute(sql: "CREATE TABLE careledger_wal_restart(x INTEGER); DROP TABLE careledger_wal_restart")
                return .commit
            }
        }
    }

    /// WAL pages after which a committing writer checkpoints (SQLite's default is 1000): the
    /// most an opener replays of the WAL into its shared-memory index is about this many pages
    /// plus the last transaction (Specs/site-layout.md §9.9).
    public static let walCheckpointPages = 256

    /// The WAL file is kept after its last commit once this many bytes have been checkpointed
    /// out of it; a larger one (a reindex's big transactions) is cut back to this size.
    static let walSizeLimit = 4 << 20

    /// Settings of every connection that keep the WAL between processes (§9.9): no
    /// checkpoint and no deletion of the WAL when the last connection closes, so a reader
    /// process never writes or syncs, and GRDB never has to create the WAL again (which is a
    /// write transaction and two syncs at every open that finds no WAL).
    private static func keepWAL(_ db: Database) throws {
        guard let connection = db.sqliteConnection,
              careledger_sqlite_no_checkpoint_on_close(connection) == 0, careledger_sqlite_persist_wal(connection) == 0
        else { throw DatabaseError(message: "cannot keep the derived-state database's WAL between connections") }
        try db.execute(sql: "PRAGMA wal_autocheckpoint = \(walCheckpointPages)")
        try db.execute(sql: "PRAGMA journal_size_limit = \(walSizeLimit)")
    }

    /// The opener a site passes to `SiteLedger.open`: the site's `index.sqlite`, deleted and
    /// created again when it is not a database or is corrupt (it is a cache; the log is the
    /// truth). Any other failure (a full or failing disk) is thrown: the site then opens
    /// without it, replaying its log, and the file is left for a later open.
    public static let opener: DerivedStateIndexOpener = { layout in
        // A `-wal` or `-shm` without its database (someone deleted only `index.sqlite`) belongs
        // to the deleted database: SQLite would replay that WAL into the new file.
        if !FileManager.default.fileExists(atPath: layout.index) { removeFiles(at: layout.index) }
        do {
            return try SiteIndex(path: layout.index)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB {
            removeFiles(at: layout.index)
            return try SiteIndex(path: layout.index)
        }
    }

    /// Deletes the database and its `-wal` and `-shm` files.
    public static func removeFiles(at path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// The high-water mark: log records applied (0 for an empty or new database).
    public func appliedSize() throws -> Int {
        try read { db in try Self.meta(db, "applied_size") ?? 0 }
    }

    /// Drops every table and creates schema ``schemaVersion`` empty, in one transaction.
    /// A database SQLite reports damaged is erased first (Specs/site-layout.md §9.7).
    public func reset() throws {
        do {
            try recreateSchema()
        } catch where Self.isDamage(error) {
            try erase()
            try recreateSchema()
        }
    }

    private func recreateSchema() throws {
        wrote.withLock { $0 = true }
        committedMark.withLock { $0 = nil }
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                for table in Self.tables { try db.execute(sql: "DROP TABLE IF EXISTS \(table)") }
                for statement in Self.schema { try db.execute(sql: statement) }
                try Self.setMeta(db, "schema", Self.schemaVersion)
                try Self.setMeta(db, "applied_size", 0)
                return .commit
            }
        }
    }

    /// The summary an open needs (Specs/site-layout.md §9.3), read in one transaction; nil
    /// for a database without this build's schema.
    public func state() throws -> DerivedState? {
        try read { db -> DerivedState? in
            guard try db.tableExists("meta"), try (Self.meta(db, "schema") as Int?) == Self.schemaVersion,
                  let size: Int = try Self.meta(db, "applied_size") else { return nil }
            let last = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'last_entry_id'").flatMap { Hash32(bytes: [UInt8]($0)) }
            var authors: [AuthorChainState] = []
            for row in try Row.fetchAll(db, sql: "SELECT author, next_sequence FROM authors") {
                let author: Data = row["author"]
                guard let key = Hash32(bytes: [UInt8](author)) else { continue }
                let heads = try Data.fetchAll(db, sql: "SELECT id FROM heads WHERE author = ? ORDER BY id", arguments: [author])
                    .compactMap { Hash32(bytes: [UInt8]($0)) }
                authors.append(AuthorChainState(author: key, heads: heads, nextSequence: UInt64(row["next_sequence"] as Int64)))
            }
            var forks: [ForkEvidence] = []
            for row in try Row.fetchAll(db, sql: "SELECT author, sequence FROM forks ORDER BY found") {
                let author: Data = row["author"], sequence: Int64 = row["sequence"]
                guard let key = Hash32(bytes: [UInt8](author)) else { continue }
                let ids = try Data.fetchAll(db, sql: "SELECT id FROM entries WHERE author = ? AND sequence = ?", arguments: [author, sequence])
                    .compactMap { Hash32(bytes: [UInt8]($0)) }.sorted()
                forks.append(ForkEvidence(author: key, sequence: UInt64(sequence), entries: ids))
            }
            let charter = try Int.fetchAll(db, sql: Self.charterOrdinalsQuery)
            var latest: HybridTimestamp?
            if let wall: Int64 = try Self.meta(db, "latest_wall"), let counter: Int64 = try Self.meta(db, "latest_counter") {
                latest = HybridTimestamp(wallMillis: UInt64(wall), counter: UInt32(truncatingIfNeeded: counter))
            }
            return DerivedState(appliedSize: size, lastEntryID: last, authors: authors, forks: forks, charterOrdinals: charter, latestTimestamp: latest)
        }
    }

    /// The ids of `author`'s entries at `sequence`.
    public func entryIDs(author: Hash32, sequence: UInt64) throws -> [Hash32] {
        try read { db in
            try Data.fetchAll(db, sql: "SELECT id FROM entries WHERE author = ? AND sequence = ?",
                              arguments: [Data(author.bytes), Int64(sequence)]).compactMap { Hash32(bytes: [UInt8]($0)) }
        }
    }

    /// The ordinals of charter entries, in log order (the kinds are constants of this build).
    static let charterOrdinalsQuery =
        "SELECT ordinal FROM entries WHERE kind IN (" + CharterEntryKinds.all.sorted().map { "'" + $0 + "'" }.joined(separator: ",") + ") ORDER BY ordinal"

    static func meta<T: DatabaseValueConvertible>(_ db: Database, _ key: String) throws -> T? {
        guard try db.tableExists("meta") else { return nil }
        // Cached: every commit and most API requests read the applied size.
        return try T.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = ?"), arguments: [key])
    }

    static func setMeta(_ db: Database, _ key: String, _ value: some DatabaseValueConvertible) throws {
        try db.cachedStatement(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .execute(arguments: [key, value])
    }
}
