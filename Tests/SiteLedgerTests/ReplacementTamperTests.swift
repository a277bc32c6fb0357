import Foundation
import LedgerCore
import TestSupport
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
        let foreign = outcome.faults.filter { $0.file.hasPrefix("log/segment-") && $0.what.contains("network") }
        #expect(foreign.count == 20, "every foreign entry is named: \(outcome)")
        #expect(Set(foreign.compactMap(\.ordinal)) == Set((0..<20).map(Int64.init)))
        let locations = try LogRewriter.locations(site: fixture.site)
        for fault in foreign {
            let location = try #require(fault.ordinal.map { locations[Int($0)] })
            #expect(fault.file == "log/segment-" + String(format: "%010d", location.segment) + ".lz4" && fault.offset == Int64(location.blockOffset), "\(fault)")
        }
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
        let name = "log/" + URL(fileURLWithPath: target).lastPathComponent
        let foreign = outcome.faults.filter { $0.file == name && $0.what.contains("network") }
        #expect(foreign.count == fixture.records.count, "every entry is named in the replaced segment: \(outcome)")
        #expect(outcome.faults.contains { $0.file == "heads.log" }, "\(outcome)")
    }

    /// Seals `site`'s active segment and appends `later` entries, so the sealed segment has a
    /// successor whose entries link back into it.
    static func sealFirstSegment(of site: String, thenAppend later: Int) throws {
        try LogRewriter.seal(site: site)
        let ledger = try SiteLedger.open(at: site)
        try ledger.append(kind: "anchor", payloads: Ledgers.payloads(later, tag: "later"))
    }

    /// Copies `donor`'s first segment file over `site`'s, which must have the same name and
    /// other bytes; returns the file name and the donor segment's records.
    static func swapFirstSegment(from donor: String, into site: String) throws -> (name: String, records: [LogRewriter.Record]) {
        let target = try #require(try LogRewriter.segmentFiles(site: site).first)
        let replacement = try #require(try LogRewriter.segmentFiles(site: donor).first)
        let name = URL(fileURLWithPath: target).lastPathComponent
        try #require(URL(fileURLWithPath: replacement).lastPathComponent == name, "the same segment of each site")
        try #require(FileManager.default.contents(atPath: target) != FileManager.default.contents(atPath: replacement))
        let records = try LogRewriter.read(site: donor)
        try FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: replacement, toPath: target)
        return (name, records)
    }

    @Test("a sealed segment replaced by an admitted member's sealed segment of the same length is reported entry by entry, also by the binary")
    func sealedSegmentFromSameNetworkIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let sealed = fixture.records.count
        try Self.sealFirstSegment(of: fixture.site, thenAppend: 3)
        let memberKey = try Ledgers.keys(of: fixture.member).signingPublicKey
        do {
            // clinic-b grows its own log to the founder's sealed length (so the founder's
            // next segment still starts at the right ordinal) and seals it.
            let member = try SiteLedger.open(at: fixture.member)
            try member.append(kind: "anchor", payloads: Ledgers.payloads(sealed - member.entryCount, tag: "b-more"))
        }
        try LogRewriter.seal(site: fixture.member)
        let (segment, donorRecords) = try Self.swapFirstSegment(from: fixture.member, into: fixture.site)
        try #require(donorRecords.count == sealed)
        let donorEntries = try donorRecords.map { try Entry.decode($0.value) }
        // Every ordinal of the swapped segment but the shared genesis holds one of clinic-b's entries.
        let swapped = Dictionary(uniqueKeysWithValues: donorEntries.enumerated().filter { $0.element.author == memberKey }.map { ($0.element.id, $0.offset) })
        #expect(Set(swapped.values) == Set(1..<sealed))

        let outcome = TamperOutcome.check(fixture.site)
        let locations = try LogRewriter.locations(site: fixture.site)
        try #require(locations.count == sealed + 3)
        // Each entry of the replacement is named by the replaced segment file, the offset of
        // the block holding it, its ordinal and its id (clinic-b's admission is not in the log
        // any more, so none of its entries is a member's).
        let named = outcome.faults.filter { $0.entryID.map { swapped[$0] != nil } == true }
        #expect(Set(named.compactMap(\.ordinal)) == Set(swapped.values.map(Int64.init)), "\(outcome)")
        for fault in named {
            let ordinal = try #require(swapped[fault.entryID ?? Hash32.zero])
            #expect(fault.file == "log/" + segment && fault.ordinal == Int64(ordinal), "\(fault)")
            #expect(fault.offset == Int64(locations[ordinal].blockOffset), "the block holding the record: \(fault)")
        }
        // The founder's next entry, in the next segment, links into entries the replacement dropped.
        let after = try LogRewriter.read(site: fixture.site)
        let next = try Entry.decode(after[sealed].value)
        let nextSegment = "log/segment-" + String(format: "%010d", locations[sealed].segment) + ".lz4"
        #expect(nextSegment != "log/" + segment)
        #expect(outcome.faults.contains { $0.isInLog(atOrdinal: sealed) && $0.file == nextSegment && $0.entryID == next.id }, "\(outcome)")
        #expect(outcome.faults.contains { $0.file == "heads.log" }, "\(outcome)")

        let run = try VerifyBinary.run(site: fixture.site)
        #expect(run.status == 1, "\(run)")
        let faults = try #require(run.json["faults"] as? [[String: Any]], "\(run)")
        let ids = Set(swapped.keys.map(\.hex))
        let reported = faults.filter { ($0["entry_id"] as? String).map(ids.contains) == true }
        #expect(!reported.isEmpty && reported.allSatisfy { $0["file"] as? String == "log/" + segment }, "\(run)")
        #expect(Set(reported.compactMap { $0["ordinal"] as? Int }) == Set(swapped.values), "\(run)")
        #expect(reported.allSatisfy { fault in
            (fault["ordinal"] as? Int).map { fault["offset"] as? Int == Int(locations[$0].blockOffset) } == true
        }, "\(run)")
        #expect(faults.contains { $0["file"] as? String == "heads.log" }, "\(run)")
    }

    @Test("a sealed segment replaced by a member's segment of another length is refused by open but reported by verify, read-only, also by the binary")
    func sealedSegmentOfAnotherLengthFromSameNetworkIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let sealed = fixture.records.count
        try Self.sealFirstSegment(of: fixture.site, thenAppend: 3)
        try LogRewriter.seal(site: fixture.member)  // clinic-b's 6 entries
        let (segment, donorRecords) = try Self.swapFirstSegment(from: fixture.member, into: fixture.site)
        try #require(donorRecords.count != sealed)
        let next = "segment-0000000002.lz4"
        // Writing commands still refuse the site, naming the segment whose ordinals do not continue.
        let outcome = TamperOutcome.check(fixture.site)
        let message = try #require(outcome.openError, "\(outcome)")
        #expect(message.contains(next) && message.contains("expected \(donorRecords.count)"), "\(message)")
        #expect(!message.contains(segment), "the error names the segment after the swapped one: \(message)")

        let before = try LogRewriter.snapshot(fixture.site)
        let swappedSize = try #require(before["log/" + segment]?.count)
        let memberKey = try Ledgers.keys(of: fixture.member).signingPublicKey
        let donorIDs = try Set(donorRecords.map { try Entry.decode($0.value) }.filter { $0.author == memberKey }.map(\.id))
        do {
            let ledger = try SiteLedger.openForVerify(at: fixture.site)
            #expect(ledger.isReadOnly)
            #expect(ledger.entryCount == donorRecords.count, "nothing is served from the segment that does not continue or after it")
            let report = ledger.verify()
            let text = report.faults.map { "\($0.file)@\($0.offset) \($0.what)" }.joined(separator: " | ")
            #expect(report.faults.contains { $0.file == "log/" + next && $0.offset == 0 && $0.what.contains("expected \(donorRecords.count)") }, "\(text)")
            // The swapped segment is named where it declares its record count (its tail frame).
            #expect(report.faults.contains { $0.file == "log/" + segment && $0.offset == Int64(swappedSize - 44) && $0.what.contains(next) }, "\(text)")
            // Its entries are clinic-b's, which the shortened log never admitted.
            let named = report.faults.filter { $0.entryID.map(donorIDs.contains) == true }
            #expect(!named.isEmpty && named.allSatisfy { $0.file == "log/" + segment && $0.ordinal != nil }, "\(text)")
            #expect(report.faults.contains { $0.file == "heads.log" && $0.what.contains("entries removed") }, "\(text)")
            #expect(throws: CoreError.self) { try ledger.append(kind: "anchor", payloads: Ledgers.payloads(1, tag: "no")) }
            #expect(throws: CoreError.self) { try ledger.recordVerifyRun(report) }
        }
        #expect(try LogRewriter.snapshot(fixture.site) == before, "verify wrote nothing to the folder")

        let run = try VerifyBinary.run(site: fixture.site)
        #expect(run.status == 1, "\(run)")
        #expect(run.json["read_only"] as? Bool == true, "\(run)")
        let faults = try #require(run.json["faults"] as? [[String: Any]], "\(run)")
        #expect(faults.contains { $0["file"] as? String == "log/" + next && $0["offset"] as? Int == 0 }, "\(run)")
        #expect(faults.contains { $0["file"] as? String == "log/" + segment && $0["offset"] as? Int == swappedSize - 44 }, "\(run)")
        #expect(faults.contains { $0["file"] as? String == "heads.log" }, "\(run)")
        #expect(try LogRewriter.snapshot(fixture.site) == before, "the binary's verify wrote nothing to the folder")
    }

    @Test("a sealed segment replaced by the same segment of the site's own earlier backup, continued differently, is reported",
          arguments: [false, true])
    func sealedSegmentFromOwnBackupIsReported(dropMerkleStore: Bool) throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let site = network.founderPath, backup = network.root.path + "/backup"
        do { try network.founder().append(kind: "anchor", payloads: Ledgers.payloads(4, tag: "a")) }
        try Ledgers.copyFolder(site, to: backup)
        do { try network.founder().append(kind: "anchor", payloads: Ledgers.payloads(4, tag: "b")) }
        try Self.sealFirstSegment(of: site, thenAppend: 3)
        // The backup, restored elsewhere, wrote other entries at the same positions and sealed.
        do { try SiteLedger.open(at: backup).append(kind: "anchor", payloads: Ledgers.payloads(4, tag: "restored")) }
        try LogRewriter.seal(site: backup)
        let original = try LogRewriter.read(site: site)
        let (_, donorRecords) = try Self.swapFirstSegment(from: backup, into: site)
        try #require(donorRecords.count == 9 && original.count == 12)
        if dropMerkleStore { try LogRewriter.dropMerkleStore(site: site) }

        // Every entry of the replacement is the site's own and validly signed and linked: only
        // the log after it, the signed heads and the stored Merkle leaves can tell.
        let outcome = TamperOutcome.check(site)
        let next = try Entry.decode(original[9].value)
        #expect(outcome.faults.contains { $0.isInLog(atOrdinal: 9) && $0.entryID == next.id && $0.what.contains("links to") },
                "the first later entry links to a dropped one: \(outcome)")
        #expect(outcome.faults.contains { $0.file == "heads.log" }, "\(outcome)")
        if !dropMerkleStore {
            let leaves = outcome.faults.filter { $0.file == "merkle/level-00.hashes" }.map(\.offset)
            #expect(Set(leaves) == Set((5..<9).map { Int64($0 * 32) }), "the stored leaves of the replaced entries: \(outcome)")
        }
        let run = try VerifyBinary.run(site: site)
        #expect(run.status == 1, "\(run)")
        let faults = try #require(run.json["faults"] as? [[String: Any]], "\(run)")
        #expect(faults.contains {
            ($0["file"] as? String)?.hasPrefix("log/segment-") == true && $0["ordinal"] as? Int == 9 && $0["entry_id"] as? String == next.id.hex
        }, "\(run)")
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

/// `careledger verify --dir SITE --json` through the built binary, as an auditor would run it.
enum VerifyBinary {
    struct Run: CustomStringConvertible {
        var status: Int32
        var json: [String: Any]
        var stderr: String
        var description: String { "verify → \(status), stderr: \(stderr.prefix(1000)), stdout: \(String(describing: json).prefix(2000))" }
    }

    /// The binary, beside the test bundle or in the package's `.build/debug`.
    static let path: String? = CareLedgerBinary.path

    /// Runs `verify --json` on the closed site at `site`; stdout and stderr go through files.
    static func run(site: String) throws -> Run {
        let binary = try #require(path, "the careledger binary was not built beside the tests")
        // Run from the site's parent, so the capture files never land inside the site.
        let parent = URL(fileURLWithPath: site).deletingLastPathComponent().path
        let output = try CareLedgerBinary.run(binary, ["verify", "--dir", site, "--json"], in: parent)
        return Run(status: output.status,
                   json: (try? JSONSerialization.jsonObject(with: output.stdout)) as? [String: Any] ?? [:],
                   stderr: String(decoding: output.stderr, as: UTF8.self))
    }
}
