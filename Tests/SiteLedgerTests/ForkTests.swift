import Foundation
import LedgerCore
import Testing

/// Forks are evidence, not failure: two signed entries from one author at one sequence are
/// both kept and reported, and the ledger keeps working (issue 5 §4, Specs/entry-format.md §6).
@Suite("Forks")
struct ForkTests {
    /// A member restored from a backup: the backup and the original each append one entry
    /// at the same sequence. Returns the member's key and both branches' encodings.
    static func forkedMember(_ network: TestNetwork) throws -> (key: Hash32, original: [[UInt8]], restored: [[UInt8]]) {
        let path = try network.join("clinic-f")
        let backup = network.root.path + "/clinic-f-backup"
        let key: Hash32
        do {
            let clinic = try SiteLedger.open(at: path)
            key = clinic.siteKey
            try clinic.append(kind: "anchor", payloads: Ledgers.payloads(2, tag: "shared"))
        }
        try Ledgers.copyFolder(path, to: backup)
        let original: [[UInt8]]
        do {
            let clinic = try SiteLedger.open(at: path)
            try clinic.append(kind: "anchor", payloads: Ledgers.payloads(1, tag: "original"))
            original = try Ledgers.encodings(clinic)
        }
        let restored: [[UInt8]]
        do {
            let clinic = try SiteLedger.open(at: backup)
            try clinic.append(kind: "anchor", payloads: Ledgers.payloads(1, tag: "restored"))
            restored = try Ledgers.encodings(clinic)
        }
        return (key, original, restored)
    }

    @Test("two entries by one author at one sequence arriving in one batch are both kept and reported as a fork")
    func forkInOneBatchIsKeptAndReported() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let member = try Self.forkedMember(network)
        let founder = try network.founder()
        _ = try founder.admit(AdmitPayload(key: member.key, agreementKey: nil, name: "clinic-f", role: .clinic))
        let report = try founder.ingest(member.original + member.restored)
        let left = try Entry.decode(try #require(member.original.last))
        let right = try Entry.decode(try #require(member.restored.last))
        #expect(left.sequence == right.sequence && left.id != right.id)
        #expect(try founder.leafIndex(of: left.id) != nil && founder.leafIndex(of: right.id) != nil, "both kept")
        let fork = try #require(founder.forks.first)
        #expect(founder.forks.count == 1)
        #expect(fork.author == member.key && fork.sequence == left.sequence)
        #expect(fork.entries == [left.id, right.id].sorted())
        #expect(report.forks == founder.forks)
        #expect(founder.statistics().forks == 1)
    }

    @Test("a fork revealed by a later batch is reported, and the ledger keeps appending, ingesting and verifying")
    func forkAcrossBatchesDoesNotHalt() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let member = try Self.forkedMember(network)
        do {
            let founder = try network.founder()
            _ = try founder.admit(AdmitPayload(key: member.key, agreementKey: nil, name: "clinic-f", role: .clinic))
            #expect(try founder.ingest(member.original).forks.isEmpty)
            let second = try founder.ingest(member.restored)
            #expect(second.forks.count == 1 && second.imported == 1, "\(second)")
            try founder.append(kind: "anchor", payloads: Ledgers.payloads(3, tag: "after"))
            #expect(founder.verify().ok, "a fork is evidence, not a fault of this site's log")
        }
        let reopened = try network.founder()
        #expect(reopened.forks.count == 1, "fork evidence is rebuilt on open")
        #expect(reopened.forks.first?.entries.count == 2)
    }
}
