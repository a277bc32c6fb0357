import ArgumentParser
import Foundation
import LedgerStorage

/// `careledger-bench storage [--entries N] [--json]`: the segment log beside SQLite (issue 2 item 6).
///
/// Both stores get the same records (about 400-byte consent/audit JSON with hex hashes, keyed
/// by SHA-256) in batches of 1,000, each batch durable before the next (the segment log's
/// `fdatasync` per batch; SQLite's WAL commit with `synchronous=FULL`). It reports entries/s,
/// MB/s, bytes on disk, the time to reopen, the time to read everything back, and the ratios.
struct StorageBenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Append, size, reopen and read-back of the segment log beside SQLite (WAL, synchronous=FULL).")

    @Option(help: "Records to append.")
    var entries: Int = 1_000_000

    @Option(help: "Records per durable batch.")
    var batch: Int = 1_000

    @Option(help: "Folder to work in (default: a fresh folder under the temporary directory; removed afterwards).")
    var dir: String?

    @Option(help: "Rounds of reopen and read-back per store, alternating; the best of each is reported.")
    var rounds: Int = 5

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    func run() throws {
        let base = dir ?? FileManager.default.temporaryDirectory.path + "/careledger-bench-storage-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.removeItem(atPath: base)
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: base) } }

        var generator = StorageBenchmarkRecords()
        let records = (0..<entries).map { generator.next(ordinal: $0) }
        let rawBytes = records.reduce(0) { $0 + $1.value.count }
        log("records: \(entries) of \(rawBytes / max(entries, 1)) bytes on average (\(mb(rawBytes)) MB raw), batches of \(batch), in \(base)")

        var ours = try appendSegmentLog(records, at: base + "/careledger")
        var theirs = try appendSQLite(records, at: base + "/sqlite")
        // Reopen and read-back alternate between the stores and keep each one's best round,
        // so a burst of load from other processes does not decide the comparison.
        for round in 0..<max(1, rounds) {
            let oursRound = try readSegmentLog(records, at: base + "/careledger", lookups: round == 0)
            let theirsRound = try readSQLite(records, at: base + "/sqlite")
            ours.keepBest(oursRound)
            theirs.keepBest(theirsRound)
        }
        let report = StorageBenchmarkReport(entries: entries, batch: batch, rawBytes: rawBytes, rounds: max(1, rounds), ours: ours, sqlite: theirs)
        print(report.table())
        if json { print(report.jsonLine()) }
    }

    private func appendSegmentLog(_ records: [(key: [UInt8], value: [UInt8])], at path: String) throws -> StorageFigures {
        var figures = StorageFigures()
        let log = try SegmentLog(directory: path)
        let start = Clock.now
        for first in stride(from: 0, to: records.count, by: batch) {
            try log.append(Array(records[first..<min(first + batch, records.count)]))
        }
        figures.appendSeconds = seconds(since: start)
        let statistics = try log.statistics()
        figures.bytesOnDisk = Int(statistics.bytesOnDisk)
        figures.detail = "\(statistics.segments) segments, \(statistics.sealedSegments) sealed"
        log.close()
        return figures
    }

    private func readSegmentLog(_ records: [(key: [UInt8], value: [UInt8])], at path: String, lookups: Bool) throws -> StorageFigures {
        var figures = StorageFigures()
        let reopenStart = Clock.now
        let log = try SegmentLog(directory: path)
        let count = log.recordCount
        figures.reopenSeconds = seconds(since: reopenStart)
        defer { log.close() }
        guard count == UInt64(records.count) else { throw ValidationError("reopened log has \(count) records") }
        let scanStart = Clock.now
        var rows = 0
        var check: UInt64 = 0
        try log.scan { record in
            rows += 1
            if let first = record.value.first, let last = record.value.last { check &+= UInt64(first) &+ UInt64(last) }
            check &+= UInt64(record.key.first ?? 0)
            return true
        }
        figures.scanSeconds = seconds(since: scanStart)
        figures.check = check
        guard rows == records.count else { throw ValidationError("read back \(rows) of \(records.count) records") }
        if lookups {
            let probeStart = Clock.now
            let step = max(1, records.count / 1000)
            for ordinal in stride(from: 0, to: records.count, by: step) {
                guard try log.location(forKey: records[ordinal].key)?.ordinal == UInt64(ordinal) else {
                    throw ValidationError("key lookup of record \(ordinal) failed")
                }
            }
            figures.lookupMicros = seconds(since: probeStart) * 1e6 / Double((records.count + step - 1) / step)
        }
        return figures
    }

    private func appendSQLite(_ records: [(key: [UInt8], value: [UInt8])], at path: String) throws -> StorageFigures {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var figures = StorageFigures()
        let database = try StorageBenchmarkSQLite(path: path + "/records.sqlite")
        try database.createSchema()
        let insert = try database.prepare("INSERT INTO records (key, value) VALUES (?, ?)")
        let start = Clock.now
        for first in stride(from: 0, to: records.count, by: batch) {
            try database.insert(records[first..<min(first + batch, records.count)], statement: insert)
        }
        figures.appendSeconds = seconds(since: start)
        database.finalize(insert)
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        figures.bytesOnDisk = folderSize(path)
        figures.detail = "WAL, synchronous=FULL, unique key index"
        return figures
    }

    private func readSQLite(_ records: [(key: [UInt8], value: [UInt8])], at path: String) throws -> StorageFigures {
        var figures = StorageFigures()
        let reopenStart = Clock.now
        let database = try StorageBenchmarkSQLite(path: path + "/records.sqlite")
        let last = try database.lastOrdinal()
        figures.reopenSeconds = seconds(since: reopenStart)
        guard last == Int64(records.count) else { throw ValidationError("SQLite holds \(last) rows") }
        let scanStart = Clock.now
        let scan = try database.scanAll()
        figures.scanSeconds = seconds(since: scanStart)
        figures.check = scan.check
        guard scan.rows == records.count else { throw ValidationError("SQLite read back \(scan.rows) rows") }
        return figures
    }

    private func folderSize(_ path: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.reduce(0) { total, name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + name)
            return total + ((attributes?[.size] as? NSNumber)?.intValue ?? 0)
        }
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// What one store measured.
struct StorageFigures {
    var appendSeconds = 0.0
    var bytesOnDisk = 0
    var reopenSeconds = 0.0
    var scanSeconds = 0.0
    var lookupMicros = 0.0
    var check: UInt64 = 0
    var detail = ""

    /// Keeps the faster reopen and read-back of this and `round` (append figures stay).
    mutating func keepBest(_ round: StorageFigures) {
        reopenSeconds = reopenSeconds == 0 ? round.reopenSeconds : min(reopenSeconds, round.reopenSeconds)
        scanSeconds = scanSeconds == 0 ? round.scanSeconds : min(scanSeconds, round.scanSeconds)
        if round.lookupMicros > 0 { lookupMicros = round.lookupMicros }
        check = round.check
    }
}

typealias Clock = ContinuousClock

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func mb(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }
