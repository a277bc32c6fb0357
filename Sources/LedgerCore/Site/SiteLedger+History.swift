import Foundation

/// One past `verify` run, kept for `status` and `report` (history/verify.jsonl).
public struct VerifyRun: Codable, Sendable, Equatable {
    /// When it ran, RFC 3339 UTC.
    public var time: String
    /// Whether it found no fault.
    public var ok: Bool
    /// Entries checked.
    public var entries: Int
    /// Faults found.
    public var faults: Int
}

extension SiteLedger {
    /// Appends a verify run to the site's history.
    public func recordVerifyRun(_ report: VerifyReport) throws {
        let run = VerifyRun(time: RFC3339.string(from: Date()), ok: report.ok, entries: report.entriesChecked, faults: report.faults.count)
        try appendHistory(run, to: "verify.jsonl")
    }

    /// Past verify runs, oldest first.
    public func verifyRuns() -> [VerifyRun] { readHistory(VerifyRun.self, from: "verify.jsonl") }

    /// Appends one JSON line to a history file.
    ///
    /// History is operational, not ledger data: a snapshot reader (`report`) records its run
    /// too. Every appender, writer or snapshot, holds `history/LOCK` for the one append, so
    /// two processes never write the same end of a file (Specs/site-layout.md §8).
    /// - Throws: `CoreError` `.notPermitted` when the site was opened read-only for verification.
    public func appendHistory<T: Encodable>(_ value: T, to name: String) throws {
        if !isSnapshot { try requireWritable() }
        try files.makeDirectory(layout.history)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = Array(try encoder.encode(value)) + [0x0a]
        try files.withExclusiveLock(layout.history + "/LOCK", timeout: .seconds(10)) {
            try files.append(line, to: layout.history + "/" + name)
        }
    }

    /// Every decodable line of a history file, oldest first.
    public func readHistory<T: Decodable>(_ type: T.Type, from name: String) -> [T] {
        guard let data = try? files.contents(of: layout.history + "/" + name, limit: 1 << 30) else { return [] }
        return data.split(separator: 0x0a).compactMap { try? JSONDecoder().decode(T.self, from: Data($0)) }
    }
}
