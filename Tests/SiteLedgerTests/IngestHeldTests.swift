import Foundation
import LedgerCore
import Testing

/// Ingest skips what the site holds (Specs/static-log.md §11.3): an entry at or past its
/// author's next sequence is new without a look-up; one below it is looked up by id.
@Suite("Ingest: entries held already")
struct IngestHeldTests {
    @Test("entries held already are counted as such in the same process and after a reopen, and only the new ones past their author's chain are stored")
    func heldEntriesAreFoundNewOnesStored() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let path = try network.join("clinic-h")
        let first: [[UInt8]], key: Hash32
        do {
            let clinic = try SiteLedger.open(at: path)
            key = clinic.siteKey
            try clinic.append(kind: "anchor", payloads: Ledgers.payloads(40, tag: "first"))
            first = try Ledgers.encodings(clinic)
        }
        do {
            let founder = try network.founder()
            _ = try founder.admit(AdmitPayload(key: key, agreementKey: nil, name: "clinic-h", role: .clinic))
            let countBefore = founder.entryCount
            let report = try founder.ingest(first)
            // The clinic's log starts with the network's genesis, which the founder holds.
            #expect(report.imported == first.count - 1 && report.alreadyHad == 1, "\(report)")
            let again = try founder.ingest(first)
            #expect(again.imported == 0 && again.alreadyHad == first.count, "\(again)")
            #expect(founder.entryCount == countBefore + first.count - 1)
        }
        let second: [[UInt8]]
        do {
            let clinic = try SiteLedger.open(at: path)
            try clinic.append(kind: "anchor", payloads: Ledgers.payloads(3, tag: "second"))
            second = try Ledgers.encodings(clinic)
        }
        let founder = try network.founder()
        let countBefore = founder.entryCount
        // Reopened: the chains come from the log, and the held entries are still found.
        let report = try founder.ingest(second.reversed())
        #expect(report.imported == 3 && report.alreadyHad == first.count, "\(report)")
        #expect(founder.entryCount == countBefore + 3)
        #expect(founder.verify().ok)
    }
}
