import Foundation
import LedgerCore
import Testing

/// `ingest` is all or nothing: one bad entry rejects the batch and changes nothing at all,
/// in memory or on disk.
@Suite("Ingest is all or nothing")
struct IngestAtomicityTests {
    /// Everything observable about a site, to compare before and after a rejected batch.
    struct State: Equatable {
        var count: Int
        var statistics: LedgerStatistics
        var quarantined: [Hash32]
        var forks: [ForkEvidence]
        var files: [String: Data]

        init(_ ledger: SiteLedger) {
            count = ledger.entryCount
            statistics = ledger.statistics()
            quarantined = ledger.quarantined.map(\.entry.id)
            forks = ledger.forks
            files = Ledgers.snapshot(ledger.layout.root)
        }
    }

    /// A founder, a member's valid entries (admitted) and an unknown site's valid entries.
    static func setting(_ network: TestNetwork) throws -> (member: [[UInt8]], stranger: [[UInt8]]) {
        let memberPath = try network.join("member")
        let strangerPath = try network.join("stranger")
        let memberKey = try Ledgers.keys(of: memberPath).signingPublicKey
        let member: [[UInt8]], stranger: [[UInt8]]
        do {
            let site = try SiteLedger.open(at: memberPath)
            try site.append(kind: "anchor", payloads: Ledgers.payloads(5, tag: "m"))
            member = try Ledgers.encodings(site)
        }
        do {
            let site = try SiteLedger.open(at: strangerPath)
            try site.append(kind: "anchor", payloads: Ledgers.payloads(2, tag: "s"))
            stranger = try Ledgers.encodings(site)
        }
        let founder = try network.founder()
        _ = try founder.admit(AdmitPayload(key: memberKey, agreementKey: nil, name: "member", role: .clinic))
        return (member, stranger)
    }

    static func expectRejected(_ founder: SiteLedger, _ batch: [[UInt8]], code: CoreError.Code) {
        let before = State(founder)
        #expect {
            _ = try founder.ingest(batch)
        } throws: { error in
            (error as? CoreError)?.code == code
        }
        let after = State(founder)
        #expect(after.count == before.count)
        #expect(after.statistics == before.statistics)
        #expect(after.quarantined == before.quarantined)
        #expect(after.files == before.files, "no byte of the data folder changed")
    }

    @Test("a batch with one forged signature is rejected and changes nothing, not even the quarantine")
    func forgedSignatureRejectsTheBatch() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let entries = try Self.setting(network)
        let founder = try network.founder()
        var forged = entries.member
        forged[3][forged[3].count - 1] ^= 0x01
        // Valid trusted entries, valid quarantine candidates, and one forgery in the middle.
        Self.expectRejected(founder, entries.stranger + forged, code: .badSignature)
        #expect(founder.verify().ok)
        // The same batch without the forgery goes through.
        let report = try founder.ingest(entries.stranger + entries.member)
        #expect(report.imported == 6 && report.quarantined == 3, "\(report)")
    }

    @Test("a batch with one entry of another network is rejected and changes nothing")
    func wrongNetworkRejectsTheBatch() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let entries = try Self.setting(network)
        let elsewhere = network.root.path + "/elsewhere"
        let foreign: [[UInt8]]
        do {
            let other = try SiteLedger.foundNetwork(at: elsewhere, siteName: "x", networkName: "other")
            try other.append(kind: "anchor", payloads: Ledgers.payloads(1, tag: "x"))
            foreign = try Ledgers.encodings(other)
        }
        let founder = try network.founder()
        Self.expectRejected(founder, entries.member + [foreign[1]] + entries.stranger, code: .wrongNetwork)
    }

    @Test("a batch with one undecodable entry is rejected and changes nothing")
    func undecodableEntryRejectsTheBatch() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let entries = try Self.setting(network)
        let founder = try network.founder()
        let truncated = Array(entries.member[2].dropLast(1))
        let before = State(founder)
        #expect(throws: CoreError.self) { _ = try founder.ingest(entries.member + [truncated]) }
        #expect(State(founder) == before)
    }

    @Test("entries verified apart (as a catch-up verifies the next batch while it stores this one) are stored as ingest stores them, and a forgery never gets a verified value")
    func verifiedApartIngestsTheSame() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let entries = try Self.setting(network)
        var forged = entries.member
        forged[3][forged[3].count - 1] ^= 0x01
        #expect { _ = try SiteLedger.verifyForIngest(forged, parallelism: 1) } throws: { ($0 as? CoreError)?.code == .badSignature }
        var verified = try SiteLedger.verifyForIngest(entries.stranger, parallelism: 1)
        verified.append(try SiteLedger.verifyForIngest(entries.member))
        #expect(verified.count == entries.stranger.count + entries.member.count)
        let founder = try network.founder()
        let report = try founder.ingest(verified: verified)
        #expect(report.imported == 6 && report.quarantined == 3, "\(report)")
        #expect(founder.verify().ok)
    }
}

