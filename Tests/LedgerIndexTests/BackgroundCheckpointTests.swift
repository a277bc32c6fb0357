import Foundation
import GRDB
@testable import LedgerIndex
import Testing
import TestSupport

/// A serving writer's WAL checkpoints moved off its commits (Specs/site-layout.md §9.9).
@Suite("Background WAL checkpoints")
struct BackgroundCheckpointTests {
    /// The WAL's length in frames of 4 KiB pages (SQLite never shrinks it below what it reached
    /// since its last restart cut, so this is the most it held).
    static func walFrames(_ path: String) -> Int {
        let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
        return max(0, size - 32) / (4096 + 24)
    }

    /// `count` commits of one row each, on the index's writer connection.
    static func commit(_ count: Int, to index: SiteIndex) throws {
        try index.pool.write { db in try db.execute(sql: "CREATE TABLE IF NOT EXISTS scratch(n INTEGER PRIMARY KEY, pad BLOB)") }
        for n in 0..<count {
            try index.pool.write { db in
                try db.execute(sql: "INSERT INTO scratch(n, pad) VALUES (?, zeroblob(3000))", arguments: [n])
            }
        }
    }

    static func rows(_ path: String) throws -> Int {
        try DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM scratch") ?? -1 }
    }

    @Test("with background checkpoints the writer's commits never checkpoint below the hard limit: the WAL keeps every frame")
    func commitsLeaveCheckpointsToTheCheckpointer() throws {
        let folder = try TemporaryDirectory(prefix: "bg-checkpoint")
        defer { folder.remove() }
        let path = folder.path + "/index.sqlite"
        do {
            let index = try SiteIndex(path: path)
            // Never asked (and never at the hard limit): the commits alone decide the WAL's length.
            index.checkpointInBackground(threshold: 1 << 20, hardLimit: 1 << 20)
            try Self.commit(300, to: index)
            #expect(Self.walFrames(path) >= 300, "SQLite's automatic checkpoint (every \(SiteIndex.walCheckpointPages) frames) still ran")
            #expect(index.backgroundCheckpoints == 0)
        }
        #expect(try Self.rows(path) == 300)
    }

    @Test("a commit past the hard limit checkpoints on the writer, so the WAL starts over and stays within the limit")
    func theHardLimitBoundsTheWAL() throws {
        let folder = try TemporaryDirectory(prefix: "bg-checkpoint")
        defer { folder.remove() }
        let path = folder.path + "/index.sqlite"
        let limit = 64
        do {
            let index = try SiteIndex(path: path)
            // The checkpointer is never asked: only the writer's own checkpoint acts.
            index.checkpointInBackground(threshold: 1 << 20, hardLimit: limit)
            try Self.commit(400, to: index)
            #expect(index.backgroundCheckpoints == 0)
            // The limit plus the commit that crossed it (one row: a few frames).
            #expect(Self.walFrames(path) <= limit + 8, "WAL of \(Self.walFrames(path)) frames")
        }
        #expect(try Self.rows(path) == 400)
    }

    @Test("past the threshold the checkpointer runs on its own connection, and every committed row survives")
    func theCheckpointerRuns() throws {
        let folder = try TemporaryDirectory(prefix: "bg-checkpoint")
        defer { folder.remove() }
        let path = folder.path + "/index.sqlite"
        do {
            let index = try SiteIndex(path: path)
            index.checkpointInBackground(threshold: 16, hardLimit: 1 << 20)
            try Self.commit(400, to: index)
            #expect(index.backgroundCheckpoints >= 1)
        }
        #expect(try Self.rows(path) == 400)
    }
}
