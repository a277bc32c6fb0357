import Foundation
import LedgerCore
import Testing

/// Records hashed once (a catch-up hashes each to check it against the published tiles) are
/// ingested with their leaf hashes: the site's Merkle tree takes them instead of hashing each
/// entry again, and ends exactly as hashing every stored entry leaves it
/// (Specs/static-log.md §11.3).
@Suite("Ingest of hashed records")
struct IngestLeafHashTests {
    @Test("HashedRecords holds each record's RFC 9162 leaf hash, SHA-256(0x00 || record)")
    func leavesAreTheRecordsLeaves() {
        let records: [[UInt8]] = [[], [0x00], Array("consent".utf8), Array(repeating: 0xAB, count: 1000)]
        let hashed = HashedRecords(records)
        #expect(hashed.records == records)
        #expect(hashed.count == 4)
        #expect(hashed.leaves == records.map { Hash32.sha256([0x00] + $0) })
        // RFC 9162 / RFC 6962 test vector: the leaf hash of the empty string.
        #expect(hashed.leaves[0].hex == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    }

    @Test("a batch ingested from hashed records (shuffled, releasing quarantined entries) leaves the log, the Merkle tree and the head that plain records leave")
    func hashedIngestMatchesPlainIngest() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let entries = try IngestAtomicityTests.setting(network)
        // The member's log: the genesis, its profile, five anchors. The anchors wait in
        // quarantine for their predecessor, the profile.
        #expect(entries.member.count == 7)
        do {
            let founder = try network.founder()
            let held = try founder.ingest(Array(entries.member[2...]))
            #expect(held.quarantined == 5)
        }
        let hashedPath = network.root.path + "/hashed", plainPath = network.root.path + "/plain"
        try Ledgers.copyFolder(network.founderPath, to: hashedPath)
        try Ledgers.copyFolder(network.founderPath, to: plainPath)
        let batch = entries.stranger + [entries.member[1], entries.member[0]]

        let hashedSite = try SiteLedger.open(at: hashedPath)
        let hashedReport = try hashedSite.ingest(verified: SiteLedger.verifyForIngest(HashedRecords(batch), parallelism: 1))
        let plainSite = try SiteLedger.open(at: plainPath)
        let plainReport = try plainSite.ingest(verified: SiteLedger.verifyForIngest(batch, parallelism: 1))

        // The profile stored, the anchors released, the stranger's three held, both genesis entries held already.
        #expect(hashedReport.imported == 1 && hashedReport.released == 5 && hashedReport.quarantined == 3 && hashedReport.alreadyHad == 2)
        #expect(hashedReport == plainReport)
        #expect(try Ledgers.encodings(hashedSite) == Ledgers.encodings(plainSite))
        let hashedHead = try hashedSite.signTreeHead(), plainHead = try plainSite.signTreeHead()
        #expect(hashedHead.treeSize == plainHead.treeSize && hashedHead.rootHash == plainHead.rootHash)
        let merkle = { (path: String) in Ledgers.snapshot(path).filter { $0.key.hasPrefix("merkle/") } }
        #expect(!merkle(hashedPath).isEmpty)
        #expect(merkle(hashedPath) == merkle(plainPath), "the same leaf and node files, byte for byte")
        // Every stored leaf is the hash of its log record, and the root the tree rebuilt from the log.
        let report = hashedSite.verify()
        #expect(report.ok, "\(report.faults)")
    }

    @Test("verified batches appended together keep each entry's leaf hash with it, hashed or not")
    func appendedBatchesKeepTheirLeaves() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let entries = try IngestAtomicityTests.setting(network)
        var verified = try SiteLedger.verifyForIngest(HashedRecords(Array(entries.member[..<2])), parallelism: 1)
        verified.append(try SiteLedger.verifyForIngest(Array(entries.member[2...]), parallelism: 1))
        #expect(verified.count == entries.member.count)
        let founder = try network.founder()
        let report = try founder.ingest(verified: verified)
        #expect(report.imported == 6 && report.alreadyHad == 1, "all but the genesis, which the founder holds")
        #expect(founder.verify().ok)
    }
}
