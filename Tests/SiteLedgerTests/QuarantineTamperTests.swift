import Foundation
import LedgerCore
import LedgerStorage
import Testing

/// The quarantine folder is on the same disk as everything else: what it holds must be
/// checked again before anything in it is trusted.
@Suite("Tampering with the quarantine")
struct QuarantineTamperTests {
    @Test("an entry with a forged signature planted in the quarantine folder is never released into the trusted log")
    func plantedForgeryIsNotReleased() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let forged: Entry
        do {
            let founder = try network.founder()
            let last = try founder.entry(at: founder.entryCount - 1)
            let content = try EntryContent(
                networkID: founder.networkID, author: founder.siteKey, sequence: last.sequence + 1, links: [last.id],
                timestamp: HybridTimestamp(wallMillis: last.timestamp.wallMillis + 1, counter: 0),
                kind: "anchor", payload: Array("{\"planted\":true}".utf8))
            forged = try Entry(content: content, signature: [UInt8](repeating: 0x42, count: 64))
            #expect(!forged.isSignatureValid())
        }
        do {
            let quarantine = try SegmentLog(directory: SiteLayout(root: network.founderPath).quarantine)
            defer { quarantine.close() }
            _ = try quarantine.append([(key: forged.id.bytes, value: forged.encoded)])
        }
        let founder = try network.founder()
        _ = try founder.releaseQuarantine()
        _ = try founder.append(kind: "anchor", payloads: Ledgers.payloads(1, tag: "after"))
        let released = try founder.leafIndex(of: forged.id) != nil
        #expect(!released, "a forgery entered the trusted log")
        #expect(!founder.quarantined.contains { $0.entry.id == forged.id }, "a forgery is listed as a signature-verified quarantined entry")
        // verify() does catch it afterwards, naming the entry.
        let report = founder.verify()
        if released {
            #expect(report.faults.contains { $0.entryID == forged.id }, "\(report.faults)")
        }
    }
}
