import Foundation
import LedgerCore
import Testing

/// Issue 3 acceptance: a log or sealed segment swapped in from another site, and a
/// rolled-back signed tree head, are reported by `verify`.
@Suite("Replacing segments and tree heads", .serialized)
struct ReplacementTamperTests {
    /// A closed site of another network holding `count` entries, optionally sealed.
    static func foreignSite(in fixture: TamperSite, count: Int, seal: Bool) throws -> String {
        let path = fixture.network.root.path + "/foreign"
        do {
            let other = try SiteLedger.foundNetwork(at: path, siteName: "elsewhere", networkName: "another-net")
            try other.append(kind: "anchor", payloads: Ledgers.payloads(count - 1, tag: "x"))
        }
        if seal { try LogRewriter.seal(site: path) }
        return path
    }

    @Test("a log copied from a site of another network is reported entry by entry")
    func logFromAnotherNetworkIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let donor = try Self.foreignSite(in: fixture, count: 20, seal: false)
        try LogRewriter.transplant(from: donor, into: fixture.site)
        let outcome = TamperOutcome.check(fixture.site)
        let foreign = outcome.faults.filter { $0.file == "log" && $0.what.contains("network") }
        #expect(foreign.count == 20, "every foreign entry is named: \(outcome)")
        #expect(Set(foreign.map(\.offset)) == Set((0..<20).map(Int64.init)))
        #expect(outcome.faults.contains { $0.file == "heads.log" }, "\(outcome)")
    }

    @Test("a log copied from another member of the same network, holding the same entries, breaks the signed heads")
    func logFromSameNetworkIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        do {
            let member = try SiteLedger.open(at: fixture.member)
            _ = try member.ingest(fixture.records.map(\.value))
            #expect(member.entryCount == fixture.records.count, "the member holds the same entry set")
        }
        try LogRewriter.transplant(from: fixture.member, into: fixture.site)
        try LogRewriter.dropMerkleStore(site: fixture.site)
        let outcome = TamperOutcome.check(fixture.site)
        let heads = outcome.faults.filter { $0.file == "heads.log" }
        #expect(!heads.isEmpty, "every entry is valid, only the signed heads can tell: \(outcome)")
    }

    @Test("a sealed segment replaced by one from another network is reported")
    func sealedSegmentFromAnotherNetworkIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        try LogRewriter.seal(site: fixture.site)
        do {
            let site = try SiteLedger.open(at: fixture.site)
            try site.append(kind: "anchor", payloads: Ledgers.payloads(3, tag: "later"))
        }
        let donor = try Self.foreignSite(in: fixture, count: fixture.records.count, seal: true)
        let target = try #require(try LogRewriter.segmentFiles(site: fixture.site).first)
        let replacement = try #require(try LogRewriter.segmentFiles(site: donor).first)
        try FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: replacement, toPath: target)
        let outcome = TamperOutcome.check(fixture.site)
        let foreign = outcome.faults.filter { $0.file == "log" && $0.what.contains("network") }
        #expect(foreign.count == fixture.records.count, "\(outcome)")
        #expect(outcome.faults.contains { $0.file == "heads.log" }, "\(outcome)")
    }

    @Test("an old signed tree head replayed at the end of heads.log is reported as a roll-back at its offset")
    func replayedOldHeadIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let headsPath = SiteLayout(root: fixture.site).heads
        let bytes = try #require(FileManager.default.contents(atPath: headsPath))
        let size = SignedTreeHead.encodedSize
        let count = bytes.count / size
        try #require(count >= 3 && bytes.count % size == 0)
        let old = bytes.subdata(in: size..<(2 * size))
        try (bytes + old).write(to: URL(fileURLWithPath: headsPath))
        let outcome = TamperOutcome.check(fixture.site)
        let fault = try #require(outcome.faults.first { $0.file == "heads.log" }, "\(outcome)")
        #expect(fault.offset == Int64(count * size), "names the replayed record: \(outcome)")
        #expect(fault.what.contains("rolled back"))
    }

    @Test("cutting the newest entries off the log is reported by the signed heads that covered them")
    func truncatedLogIsReportedByHeads() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        try LogRewriter.replace(site: fixture.site, with: Array(fixture.records.dropLast(2)))
        try LogRewriter.dropMerkleStore(site: fixture.site)
        let outcome = TamperOutcome.check(fixture.site)
        #expect(outcome.faults.contains { $0.file == "heads.log" && $0.what.contains("entries removed") }, "\(outcome)")
    }

    @Test("a signed tree head with an altered byte is reported at its offset")
    func alteredHeadIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let headsPath = SiteLayout(root: fixture.site).heads
        var bytes = try #require(FileManager.default.contents(atPath: headsPath))
        let size = SignedTreeHead.encodedSize
        bytes[2 * size + 50] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: headsPath))
        let outcome = TamperOutcome.check(fixture.site)
        #expect(outcome.faults.contains { $0.file == "heads.log" && $0.offset == Int64(2 * size) }, "\(outcome)")
    }

    @Test("a signed tree head whose version byte is altered is reported at its offset")
    func headWithAlteredVersionIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let headsPath = SiteLayout(root: fixture.site).heads
        var bytes = try #require(FileManager.default.contents(atPath: headsPath))
        let size = SignedTreeHead.encodedSize
        bytes[3 * size] ^= 0x02
        try bytes.write(to: URL(fileURLWithPath: headsPath))
        let outcome = TamperOutcome.check(fixture.site)
        #expect(!outcome.isUndetected)
        #expect(outcome.faults.contains { $0.file == "heads.log" && $0.offset == Int64(3 * size) }, "\(outcome)")
    }

    /// Flips a byte of node `node` of Merkle level `level` (a node the current root does not
    /// cover, but proofs do).
    @Test("a flipped byte in a stored Merkle node that proofs use is reported by verify",
          arguments: [(level: 0, node: 11), (level: 1, node: 4), (level: 2, node: 1), (level: 0, node: 12)])
    func corruptMerkleNodeIsReported(level: Int, node: Int) throws {
        // Of a 13-leaf tree the root combines level 3 node 0, level 2 node 2 and level 0 node 12.
        let coveredByRoot = level == 0 && node == 12
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let path = SiteLayout(root: fixture.site).merkle + String(format: "/level-%02d.hashes", level)
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[node * 32 + 5] ^= 0x80
        try bytes.write(to: URL(fileURLWithPath: path))
        let ledger = try SiteLedger.open(at: fixture.site)
        let report = ledger.verify()
        let head = try #require(ledger.treeHeads.last)
        var bad = 0
        for (index, entry) in fixture.entries.enumerated() {
            let proof = try ledger.inclusionProof(for: entry.id, treeSize: head.treeSize)
            let rfc = InclusionProof(leafIndex: proof.leafIndex, treeSize: proof.treeSize, auditPath: proof.auditPath)
            if !rfc.verify(leafHash: MerkleHash.leaf(fixture.records[index].value), rootHash: head.rootHash) { bad += 1 }
        }
        #expect(bad > 0, "the damaged node is used by some proof")
        if coveredByRoot {
            #expect(report.faults.contains { $0.file.hasPrefix("merkle") }, "\(report.faults)")
        } else {
            #expect(report.faults.contains { $0.file.hasPrefix("merkle") }, "\(report.faults)")
        }
    }
}
