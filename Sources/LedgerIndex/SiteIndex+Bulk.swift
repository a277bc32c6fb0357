import GRDB

extension SiteIndex {
    /// The writer's page cache during ``withBulkApply(_:)``, in KiB (SQLite's default is 2,000).
    public static let bulkCacheKiB = 32 << 10
    /// The WAL size, in pages, at which the writer checkpoints during ``withBulkApply(_:)``
    /// (``walCheckpointPages`` otherwise).
    public static let bulkCheckpointPages = 4096

    /// Runs `body` — a long run of large ``apply(_:voided:)`` batches, as a catch-up from a
    /// mirror makes (Specs/static-log.md §11.3) — with the writer's page cache at
    /// ``bulkCacheKiB`` and its automatic checkpoint at ``bulkCheckpointPages``, then puts both
    /// back and checkpoints.
    ///
    /// Why: at 10^6 entries the index is larger than the log and most of its rows land at
    /// random places (consents and decisions by patient), so with the default 2 MB cache each
    /// batch read its B-tree pages back from the file, and with a checkpoint after every batch
    /// each page it dirtied was written twice per batch (to the WAL, then to the database).
    /// A larger cache keeps the trees' upper levels and hot leaves in memory, and a later
    /// checkpoint writes a page rewritten by several batches once. Nothing about durability
    /// changes: every batch is still one transaction in the WAL, and a kill leaves a WAL that
    /// the next open replays (the index is a cache of the log either way, §9).
    /// - Throws: the database's errors setting the pragmas; what `body` throws.
    public func withBulkApply<T>(_ body: () throws -> T) throws -> T {
        let previousCache = try pool.writeWithoutTransaction { db -> Int in
            let previous = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            try db.execute(sql: "PRAGMA cache_size = -\(Self.bulkCacheKiB)")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.bulkCheckpointPages)")
            return previous
        }
        defer {
            // Best effort: the pragmas are this connection's only, and a failed checkpoint
            // leaves the WAL for the next one.
            try? pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.walCheckpointPages)")
                try db.execute(sql: "PRAGMA cache_size = \(previousCache)")
                _ = try? db.checkpoint(.passive)
            }
        }
        return try body()
    }

    /// Runs `body` (which applies entries through this index) with payloads decoded ahead:
    /// ``apply(_:voided:)`` takes a consent version's or an access decision's content from
    /// `decoded` instead of parsing its payload again.
    public func applying<T>(decoded: DecodedPayloads, _ body: () throws -> T) rethrows -> T {
        knownDecisions.withLock { $0 = decoded.decisions }
        knownConsentVersions.withLock { $0 = decoded.consentVersions }
        defer {
            knownDecisions.withLock { $0 = [:] }
            knownConsentVersions.withLock { $0 = [:] }
        }
        return try body()
    }
}
