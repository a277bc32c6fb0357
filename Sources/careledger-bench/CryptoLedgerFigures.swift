import ArgumentParser
import Dispatch
import Foundation
import LedgerConsent
import LedgerCore

/// The crypto benchmark's ledger-level figures: the same payloads through a real site
/// ledger on disk, so the efficiency the issue asks of bulk `append` and `verify` is also
/// measured with storage, Merkle tree and signed tree heads in the way, not only for the
/// in-memory batch.
struct CryptoLedgerFigures {
    /// Entries per second of the bulk `SiteLedger.append` (one group commit per batch, the
    /// next batch signed while one is made durable), as `careledger append` runs it.
    var appendPerSecond: Double
    /// Entries per second of `SiteLedger.verify` over the whole ledger.
    var verifyPerSecond: Double
    /// Entries the ledger held when verified (the founder's genesis entries included).
    var entriesVerified: Int

    /// Appends `payloads` to a new site ledger in a temporary folder, `batch` per group
    /// commit (as `careledger append --batch`), then verifies it.
    ///
    /// - Throws: when the ledger cannot be created or appended to, or verify finds a fault
    ///   (the benchmark is then broken, not slow).
    static func measure(payloads: [[UInt8]], batch: Int) throws -> CryptoLedgerFigures {
        let root = FileManager.default.temporaryDirectory.path + "/careledger-bench-crypto-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try SiteLedger.foundNetwork(at: root + "/site", siteName: "bench", networkName: "bench")
        let appendStart = DispatchTime.now()
        try ledger.append(kind: ConsentVersionPayload.kind, payloads: payloads, batchSize: batch)
        let appendSeconds = CryptoBenchmark.seconds(appendStart, DispatchTime.now())
        let verifyStart = DispatchTime.now()
        let report = ledger.verify()
        let verifySeconds = CryptoBenchmark.seconds(verifyStart, DispatchTime.now())
        guard report.ok else {
            throw ValidationError("verify found \(report.faults.count) fault(s) in the benchmark's own ledger")
        }
        return CryptoLedgerFigures(
            appendPerSecond: Double(payloads.count) / appendSeconds,
            verifyPerSecond: Double(report.entriesChecked) / verifySeconds,
            entriesVerified: report.entriesChecked)
    }
}
