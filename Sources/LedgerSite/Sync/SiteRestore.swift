import Foundation
import LedgerCore

/// One sync that brought back this site's own entries (`history/restore.jsonl`): the site
/// was restored from a backup, and peers returned what it had signed and lost.
public struct RestoreRun: Codable, Sendable, Equatable {
    /// The history file that keeps one line per such sync.
    public static let historyFile = "restore.jsonl"

    /// When, RFC 3339 UTC.
    public var time: String
    /// The bundle file or the TCP peer that brought them.
    public var source: String
    /// This site's own entries recovered.
    public var recovered: Int

    /// Creates a record.
    public init(time: String, source: String, recovered: Int) {
        self.time = time
        self.source = source
        self.recovered = recovered
    }
}

/// What `status` and the sync output say about a restore.
public struct RestoreSummary: Encodable, Sendable, Equatable {
    /// This site's own entries recovered from peers, in all.
    public let recovered: Int
    /// This site's own positions written twice (forks kept as evidence).
    public let reusedPositions: Int
    /// When entries last came back, RFC 3339.
    public let lastRecovered: String?

    /// The line for people.
    public var line: String {
        "restored from a backup: \(recovered) of this site's own entries recovered from peers; \(reusedPositions) position\(reusedPositions == 1 ? "" : "s") re-used (forks kept as evidence)"
    }
}

extension SiteLedger {
    /// Records that a sync through `source` brought back `recovered` of this site's own entries.
    /// - Throws: what appending the history line throws.
    public func recordRestore(recovered: Int, from source: String) throws {
        try appendHistory(RestoreRun(time: RFC3339.string(from: Date()), source: source, recovered: recovered),
                          to: RestoreRun.historyFile)
    }

    /// The restore this site went through, or nil when none of its own entries ever came back.
    public func restoreSummary() -> RestoreSummary? {
        let runs = readHistory(RestoreRun.self, from: RestoreRun.historyFile)
        guard !runs.isEmpty else { return nil }
        return RestoreSummary(recovered: runs.reduce(0) { $0 + $1.recovered }, reusedPositions: reusedOwnPositions,
                              lastRecovered: runs.last?.time)
    }
}
