import Foundation
import LedgerCore
import LedgerSite
import LedgerTrials
import Logging
import TestSupport

/// Custody events and recorded entries built by hand, for the verifier's tests.
enum Custody {
    static let day: Int64 = 86_400_000
    static let start: Int64 = 1_780_000_000_000

    /// A custody event of trial `T1`, lot `L1`, at `site` on day `day`.
    static func event(
        _ step: CustodyStep, at site: String, day: Int64, serials: [String] = [], quantity: Int? = nil,
        to destination: String? = nil, from source: String? = nil
    ) -> CustodyEventPayload {
        CustodyEventPayload(
            trial: "T1", lot: "L1", eventTime: start + day * Self.day, bizStep: step, readPoint: site,
            serials: serials, quantity: quantity, source: source, destination: destination
        ).withEventHashID()
    }

    /// The events as recorded entries: the entry id is the SHA-256 of the canonical payload
    /// (stands in for the ledger's id, which is as global).
    static func recorded(_ events: [CustodyEventPayload]) throws -> [RecordedCustodyEvent] {
        try events.map { RecordedCustodyEvent(entryId: Hash32.sha256(try $0.encoded()), author: .zero, payload: $0) }
    }

    /// Depot commissions serials s1…s6, ships s1-s3 to clinic-a and s4-s6 to clinic-b; both receive.
    static var supplyChain: [CustodyEventPayload] {
        [
            event(.commissioning, at: "depot", day: 0, serials: ["s1", "s2", "s3", "s4", "s5", "s6"]),
            event(.shipping, at: "depot", day: 1, serials: ["s1", "s2", "s3"], to: "clinic-a"),
            event(.shipping, at: "depot", day: 1, serials: ["s4", "s5", "s6"], to: "clinic-b"),
            event(.receiving, at: "clinic-a", day: 2, serials: ["s1", "s2", "s3"], from: "depot"),
            event(.receiving, at: "clinic-b", day: 3, serials: ["s4", "s5", "s6"], from: "depot"),
        ]
    }
}

/// One founded site in a temporary folder.
struct OneSite {
    let folder: TemporaryDirectory
    let ledger: SiteLedger

    init(name: String = "central") throws {
        folder = try TemporaryDirectory(prefix: "careledger-trials-test")
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        ledger = try SiteLedger.foundNetwork(at: folder.path + "/" + name, siteName: name, networkName: "test", logger: quiet)
    }

    /// How many entries the site holds.
    var entryCount: Int { ledger.statistics().entries }
}
