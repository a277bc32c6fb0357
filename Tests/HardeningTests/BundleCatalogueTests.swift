import Crypto
import Foundation
import LedgerCore
import LedgerSync
import TestSupport
import Testing

/// The bundle half of the bad-input catalogue (issue 8 §4, Specs/threat-model.md): each case
/// feeds one damaged or hostile bundle to the real `careledger bundle import` and checks its
/// own error code, exit 1, a data folder byte-identical to before, and a site that still verifies.
///
/// `Tests/LedgerSyncTests/BundleTests.swift` covers `BundleReader` over an in-memory store;
/// these cases go through the binary and a real data folder.
@Suite("Bundle bad-input catalogue (real binary, real data folder)")
struct BundleCatalogueTests {
    /// One hostile bundle and the code it must be rejected with.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let code: String
        /// Site that imports it.
        var site = "hq"
        let make: @Sendable (SyncFixture) throws -> [UInt8]
        var testDescription: String { name }
    }

    static func flip(_ offset: @escaping @Sendable ([UInt8]) -> Int, bit: UInt8 = 0x01) -> @Sendable (SyncFixture) throws -> [UInt8] {
        { f in var b = f.goodBundle; b[offset(b)] ^= bit; return b }
    }

    static func resigned(_ edit: @escaping @Sendable (inout [UInt8]) -> Void) -> @Sendable (SyncFixture) throws -> [UInt8] {
        { f in var b = f.goodBundle; edit(&b); return try BundleBytes.resign(b, with: f.clinicKeys.signing) }
    }

    static let cases: [Case] = [
        Case(name: "an empty file", code: "bundle.truncated") { _ in [] },
        Case(name: "cut inside the magic", code: "bundle.truncated") { Array($0.goodBundle.prefix(5)) },
        Case(name: "cut right after the clear header", code: "bundle.truncated") { Array($0.goodBundle.prefix(74)) },
        Case(name: "cut inside the recipient table", code: "bundle.truncated") { Array($0.goodBundle.prefix(120)) },
        Case(name: "cut inside the ciphertext", code: "bundle.truncated") { f in Array(f.goodBundle.prefix(BundleBytes.signatureOffset(f.goodBundle) - 10)) },
        Case(name: "cut inside the signature", code: "bundle.truncated") { f in Array(f.goodBundle.prefix(BundleBytes.signatureOffset(f.goodBundle) + 20)) },
        Case(name: "cut one byte before the end", code: "bundle.truncated") { Array($0.goodBundle.dropLast()) },
        Case(name: "a flipped bit in the magic", code: "bundle.magic", make: flip { _ in 3 }),
        Case(name: "a JSON file renamed to a bundle", code: "bundle.magic") { _ in Array("{\"resourceType\":\"Bundle\"}".utf8) },
        Case(name: "format version 3 (from a newer CareLedger)", code: "bundle.newer-version") { f in var b = f.goodBundle; b[9] = 3; return b },
        Case(name: "format version 0", code: "bundle.malformed") { f in var b = f.goodBundle; b[9] = 0; return b },
        Case(name: "a flipped bit in the envelope's sender key", code: "bundle.checksum", make: flip { _ in 20 }),
        Case(name: "a flipped bit in the envelope's creation time", code: "bundle.checksum", make: flip { _ in 50 }),
        Case(name: "a flipped bit in the envelope's nonce", code: "bundle.checksum", make: flip { _ in 60 }),
        Case(name: "a flipped bit in the recipient hint", code: "bundle.checksum", make: flip { _ in 80 }),
        Case(name: "a flipped bit in the declared size", code: "bundle.checksum", make: flip({ BundleBytes.declaredSizeOffset($0) + 7 })),
        Case(name: "a flipped bit in the encrypted payload", code: "bundle.checksum", make: flip({ BundleBytes.signatureOffset($0) - 40 }, bit: 0x80)),
        Case(name: "a flipped bit in the signature", code: "bundle.checksum", make: flip { BundleBytes.signatureOffset($0) + 5 }),
        Case(name: "a flipped bit in the checksum", code: "bundle.checksum", make: flip { $0.count - 1 }),
        Case(name: "one byte after the checksum", code: "bundle.malformed") { $0.goodBundle + [0] },
        Case(name: "a forged signature with an honest checksum", code: "bundle.signature") { f in
            var b = f.goodBundle; b[BundleBytes.signatureOffset(b) + 1] ^= 0x04; return BundleBytes.rechecksum(b)
        },
        Case(name: "signed by another member's key in the clinic's name", code: "bundle.signature") { f in
            let other = try SiteKeys.load(from: SiteLayout(root: f.template + "/clinic2").keyFile)
            return try BundleBytes.resign(f.goodBundle, with: other.signing)
        },
        Case(name: "a declared decompressed size of 4 GiB (signed)", code: "bundle.size-cap", make: resigned { b in
            BundleBytes.put(1 << 32, width: 8, at: BundleBytes.declaredSizeOffset(b), in: &b)
        }),
        Case(name: "a declared size one byte short of the payload (signed; the header is bound into the AEAD)", code: "bundle.decrypt", make: resigned { b in
            let at = BundleBytes.declaredSizeOffset(b)
            let size = b[at..<at + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            BundleBytes.put(size - 1, width: 8, at: at, in: &b)
        }),
        Case(name: "an unknown codec (signed)", code: "bundle.malformed", make: resigned { b in b[10] = 7 }),
        Case(name: "a non-zero reserved byte (signed)", code: "bundle.malformed", make: resigned { b in b[11] = 1 }),
        Case(name: "a wrapped key that does not unwrap (signed)", code: "bundle.decrypt", make: resigned { b in b[74 + 40] ^= 0x01 }),
        Case(name: "a flipped ciphertext bit under a valid signature", code: "bundle.decrypt", make: resigned { b in b[BundleBytes.signatureOffset(b) - 20] ^= 0x01 }),
        Case(name: "a bundle for hq carried to clinic2", code: "bundle.wrong-recipient", site: "clinic2") { $0.goodBundle },
        Case(name: "a validly signed bundle carrying an entry with a broken signature", code: "sync.commit-failed") { f in
            let last = try #require(f.clinicEntries.last)
            var forged = last.encoded
            forged[forged.count - 1] ^= 0x01  // the signature's last byte: the id still matches
            return try CraftedBundle.write(f, items: f.clinicEntries.dropLast().map(CraftedBundle.item) + [SyncItem(id: last.id, bytes: forged)])
        },
        Case(name: "a validly signed bundle carrying an item under another entry's id", code: "sync.item-rejected") { f in
            let claimed = Hash32(bytes: Array(SHA256.hash(data: Array("an id hq does not hold".utf8)))) ?? .zero
            return try CraftedBundle.write(f, items: [SyncItem(id: claimed, bytes: f.clinicEntries[f.clinicEntries.count - 1].encoded)])
        },
        Case(name: "a validly signed bundle carrying bytes that are not an entry", code: "sync.item-rejected") { f in
            let junk: [UInt8] = Array("not an entry".utf8)
            return try CraftedBundle.write(f, items: f.clinicEntries.map(CraftedBundle.item) + [SyncItem(id: Hash32(bytes: Array(SHA256.hash(data: junk))) ?? .zero, bytes: junk)])
        },
        Case(name: "a validly signed bundle without a signed tree head", code: "tree_head_invalid") { f in
            try CraftedBundle.write(f, items: f.clinicEntries.map(CraftedBundle.item), treeHead: [])
        },
        Case(name: "a validly signed bundle whose tree head is not a tree head", code: "tree_head_invalid") { f in
            try CraftedBundle.write(f, items: f.clinicEntries.map(CraftedBundle.item), treeHead: Array("signed tree head".utf8))
        },
        Case(name: "a validly signed bundle whose tree head has a broken signature", code: "tree_head_invalid") { f in
            var head = try CraftedBundle.treeHead(f, size: f.clinicEntries.count)
            head[head.count - 1] ^= 0x01
            return try CraftedBundle.write(f, items: f.clinicEntries.map(CraftedBundle.item), treeHead: head)
        },
        Case(name: "a validly signed bundle carrying another member's tree head", code: "tree_head_invalid") { f in
            let other = try SiteKeys.load(from: SiteLayout(root: f.template + "/clinic2").keyFile)
            return try CraftedBundle.write(f, items: f.clinicEntries.map(CraftedBundle.item),
                                           treeHead: try CraftedBundle.treeHead(f, size: f.clinicEntries.count, keys: other))
        },
        Case(name: "a validly signed bundle carrying a tree head of another network", code: "tree_head_invalid") { f in
            let elsewhere = Hash32(bytes: Array(SHA256.hash(data: Array("another network".utf8)))) ?? .zero
            return try CraftedBundle.write(f, items: f.clinicEntries.map(CraftedBundle.item),
                                           treeHead: try CraftedBundle.treeHead(f, size: f.clinicEntries.count, networkID: elsewhere))
        },
    ]

    @Test("a hostile bundle is rejected with its own code, exit 1, and the data folder byte-identical", arguments: cases)
    func rejected(_ c: Case) throws {
        let fixture = try SyncFixture.get()
        let cli = try fixture.copy([c.site])
        let bytes = try c.make(fixture)
        let file = cli.folder + "/hostile.clbundle"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let before = FolderSnapshot(cli.folder + "/" + c.site)
        let run = try cli.run(["bundle", "import", "--dir", c.site, "hostile.clbundle", "--json"])
        #expect(run.status == 1, "\(run)")
        let rejected = run.json["rejected"] as? [[String: Any]] ?? []
        #expect(rejected.count == 1 && rejected.first?["code"] as? String == c.code, "expected \(c.code): \(run)")
        let why = rejected.first?["why"] as? String
        #expect(why.map { !$0.isEmpty } == true, "a rejection says why")
        let changed = FolderSnapshot(cli.folder + "/" + c.site).differences(from: before)
        #expect(changed.isEmpty, "the rejection changed \(changed)")
        let verify = try cli.run(["verify", "--dir", c.site, "--json"])
        #expect(verify.status == 0, "\(verify)")
    }

    @Test("a replayed bundle imports nothing, fails nothing and leaves the ledger's files as they were")
    func replay() throws {
        let fixture = try SyncFixture.get()
        let cli = try fixture.copy()
        try Data(fixture.goodBundle).write(to: URL(fileURLWithPath: cli.folder + "/b.clbundle"))
        let first = try cli.json(["bundle", "import", "--dir", "hq", "b.clbundle"])
        #expect((first["imported"] as? Int ?? 0) >= 3, "\(first)")
        let before = FolderSnapshot(cli.folder + "/hq")
        let again = try cli.json(["bundle", "import", "--dir", "hq", "b.clbundle"])
        #expect(again["imported"] as? Int == 0 && (again["rejected"] as? [Any])?.isEmpty == true, "\(again)")
        let changed = FolderSnapshot(cli.folder + "/hq").differences(from: before).filter { !$0.hasPrefix("history/") }
        #expect(changed.isEmpty, "a replay changed \(changed)")
    }

    @Test("a non-member's entries are quarantined and the trusted log is byte-identical")
    func outsider() throws {
        let fixture = try SyncFixture.get()
        let cli = try fixture.copy()
        try copyFolder(fixture.template + "/outsider.clbundle", to: cli.folder + "/o.clbundle")
        let before = FolderSnapshot(cli.folder + "/hq/log")
        let result = try cli.json(["bundle", "import", "--dir", "hq", "o.clbundle"])
        #expect((result["quarantined"] as? Int ?? 0) >= 3 && result["imported"] as? Int == 0, "\(result)")
        #expect(FolderSnapshot(cli.folder + "/hq/log").differences(from: before).isEmpty)
        let stats = try cli.json(["stats", "--dir", "hq"])
        #expect((stats["quarantined"] as? Int ?? 0) >= 3, "\(stats)")
        let peers = (try? FileManager.default.contentsOfDirectory(atPath: cli.folder + "/hq/peers")) ?? []
        #expect(!peers.contains { $0.hasSuffix(".head") }, "a stranger's tree head is checked but not kept: \(peers)")
        #expect(try cli.run(["verify", "--dir", "hq"]).status == 0)
    }

    @Test("a forked chain keeps both signed entries as evidence, flags the fork and still verifies")
    func fork() throws {
        let fixture = try SyncFixture.get()
        let cli = try fixture.copy()
        let original = try #require(fixture.clinicEntries.last)
        let twinContent = try EntryContent(networkID: original.networkID, author: original.author, sequence: original.sequence,
                                           links: original.links, timestamp: original.timestamp, kind: original.kind,
                                           payload: Array("{\"record\":\"rewritten\"}".utf8))
        let twin = try Entry.sign(twinContent, with: fixture.clinicKeys)
        let bytes = try CraftedBundle.write(fixture, items: fixture.clinicEntries.map(CraftedBundle.item) + [CraftedBundle.item(twin)])
        try Data(bytes).write(to: URL(fileURLWithPath: cli.folder + "/fork.clbundle"))
        let result = try cli.run(["bundle", "import", "--dir", "hq", "fork.clbundle", "--json"])
        #expect(result.status == 0, "a fork is evidence, not failure: \(result)")
        let ledger = try SiteLedger.open(at: cli.folder + "/hq")
        #expect(ledger.statistics().forks >= 1)
        #expect(try ledger.encodedEntry(id: original.id) == original.encoded, "the first signed entry is kept")
        #expect(try ledger.encodedEntry(id: twin.id) == twin.encoded, "the second signed entry is kept")
        #expect(ledger.verify().ok)
    }

    /// Imports `first` (which must succeed) and then `second` into a fresh copy of hq.
    /// Returns the second run and whether hq's folder is byte-identical to before it.
    static func importTwo(_ first: [UInt8], then second: [UInt8]) throws -> (run: Binary.Run, changed: [String], cli: Binary) {
        let cli = try SyncFixture.get().copy()
        try Data(first).write(to: URL(fileURLWithPath: cli.folder + "/first.clbundle"))
        try Data(second).write(to: URL(fileURLWithPath: cli.folder + "/second.clbundle"))
        _ = try cli.json(["bundle", "import", "--dir", "hq", "first.clbundle"])
        let before = FolderSnapshot(cli.folder + "/hq")
        let run = try cli.run(["bundle", "import", "--dir", "hq", "second.clbundle", "--json"])
        return (run, FolderSnapshot(cli.folder + "/hq").differences(from: before), cli)
    }

    static func rejectionCode(_ run: Binary.Run) -> String? {
        (run.json["rejected"] as? [[String: Any]])?.first?["code"] as? String
    }

    static func evidenceLines(_ run: Binary.Run) -> [String] {
        (run.json["tree_head_evidence"] as? [String]) ?? []
    }

    @Test("a bundle whose signed tree head is older than one already seen from its sender is imported and kept as rollback evidence")
    func rolledBackTreeHead() throws {
        let fixture = try SyncFixture.get()
        // A newer head first, then a later bundle carrying a head of size 1: a rollback the sender signed.
        let newer = try CraftedBundle.write(fixture, items: fixture.clinicEntries.map(CraftedBundle.item), treeHead: CraftedBundle.treeHead(fixture, size: fixture.clinicEntries.count))
        let older = try CraftedBundle.write(fixture, items: [], treeHead: CraftedBundle.treeHead(fixture, size: 1))
        let (run, changed, cli) = try Self.importTwo(newer, then: older)
        #expect(run.status == 0 && Self.rejectionCode(run) == nil, "\(run)")
        let line = Self.evidenceLines(run).first ?? ""
        #expect(line.contains("rolled its log back") && line.contains(fixture.clinicKeys.signingPublicKey.hex), "the line names the sender and the rollback: \(line)")
        let key = fixture.clinicKeys.signingPublicKey.hex
        #expect(changed.contains("peers/\(key).evidence"), "the evidence is kept: \(changed)")
        let verify = try cli.run(["verify", "--dir", "hq", "--json"])
        #expect(verify.status == 0, "\(verify)")
        let evidence = (verify.json["rollback_evidence"] as? [[String: Any]]) ?? []
        #expect(evidence.count == 1 && evidence.first?["site"] as? String == key, "\(verify)")
        #expect(evidence.first?["kept_size"] as? Int == fixture.clinicEntries.count && evidence.first?["new_size"] as? Int == 1, "\(verify)")
        #expect((evidence.first?["heads"] as? [String])?.count == 2, "\(verify)")
    }

    @Test("a later bundle whose tree head has the size of one already seen but another root is imported and kept as fork evidence")
    func forkedTreeHead() throws {
        let fixture = try SyncFixture.get()
        let size = fixture.clinicEntries.count
        let honest = try CraftedBundle.write(fixture, items: fixture.clinicEntries.map(CraftedBundle.item), treeHead: CraftedBundle.treeHead(fixture, size: size))
        let otherRoot = Hash32(bytes: Array(SHA256.hash(data: Array("another history".utf8)))) ?? .zero
        let forked = try CraftedBundle.write(fixture, items: [], treeHead: CraftedBundle.treeHead(fixture, size: size, root: otherRoot))
        let (run, changed, cli) = try Self.importTwo(honest, then: forked)
        #expect(run.status == 0 && Self.rejectionCode(run) == nil, "\(run)")
        #expect(Self.evidenceLines(run).first?.contains("two roots") == true, "\(run)")
        #expect(changed.contains("peers/\(fixture.clinicKeys.signingPublicKey.hex).evidence"), "\(changed)")
        let verify = try cli.run(["verify", "--dir", "hq", "--json"])
        #expect(verify.status == 0 && ((verify.json["rollback_evidence"] as? [Any])?.count ?? 0) == 1, "\(verify)")
    }

    @Test("a larger tree head is accepted and kept, so a later return to the smaller one is rollback evidence")
    func largerTreeHeadIsKept() throws {
        let fixture = try SyncFixture.get()
        let size = fixture.clinicEntries.count
        let small = try CraftedBundle.write(fixture, items: fixture.clinicEntries.prefix(1).map(CraftedBundle.item), treeHead: CraftedBundle.treeHead(fixture, size: 1))
        let large = try CraftedBundle.write(fixture, items: fixture.clinicEntries.map(CraftedBundle.item), treeHead: CraftedBundle.treeHead(fixture, size: size))
        let (run, changed, cli) = try Self.importTwo(small, then: large)
        #expect(run.status == 0 && (run.json["rejected"] as? [Any])?.isEmpty == true, "\(run)")
        #expect(changed.contains("peers/\(fixture.clinicKeys.signingPublicKey.hex).head"), "the larger head replaced the smaller: \(changed)")
        #expect(Self.evidenceLines(run).isEmpty, "\(run)")
        let back = try CraftedBundle.write(fixture, items: [], treeHead: CraftedBundle.treeHead(fixture, size: 1))
        try Data(back).write(to: URL(fileURLWithPath: cli.folder + "/back.clbundle"))
        let again = try cli.run(["bundle", "import", "--dir", "hq", "back.clbundle", "--json"])
        #expect(again.status == 0 && Self.evidenceLines(again).count == 1, "\(again)")
    }

    @Test("an old bundle arriving after a newer one is no error: its smaller head was sent earlier")
    func staleBundleAfterNewerIsAccepted() throws {
        let fixture = try SyncFixture.get()
        let size = fixture.clinicEntries.count
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let early = try CraftedBundle.write(fixture, items: fixture.clinicEntries.prefix(1).map(CraftedBundle.item), treeHead: CraftedBundle.treeHead(fixture, size: 1),
                                            created: HybridTimestamp(wallMillis: now - 60_000, counter: 0))
        let late = try CraftedBundle.write(fixture, items: fixture.clinicEntries.map(CraftedBundle.item), treeHead: CraftedBundle.treeHead(fixture, size: size),
                                           created: HybridTimestamp(wallMillis: now, counter: 0))
        let (run, changed, _) = try Self.importTwo(late, then: early)
        #expect(run.status == 0 && (run.json["rejected"] as? [Any])?.isEmpty == true, "\(run)")
        #expect(run.json["imported"] as? Int == 0, "\(run)")
        #expect(changed.filter { !$0.hasPrefix("history/") && !$0.hasSuffix(".summary") }.isEmpty, "a stale bundle changed \(changed)")
    }
}

/// Bundles written with the clinic's real key: what a malicious member (or a thief of its key) can send.
enum CraftedBundle {
    static func item(_ entry: Entry) -> SyncItem { SyncItem(id: entry.id, bytes: entry.encoded) }

    /// A signed tree head over the clinic's first `size` entries, in the ledger's encoding:
    /// by default the clinic's own, with the root of those entries.
    static func treeHead(_ f: SyncFixture, size: Int, root: Hash32? = nil, keys: SiteKeys? = nil,
                         networkID: Hash32? = nil) throws -> [UInt8] {
        var tree = try MerkleTree(store: InMemoryMerkleNodeStore())
        for entry in f.clinicEntries.prefix(size) { _ = try tree.append(leaf: entry.id.bytes) }
        let last = f.clinicEntries[size - 1]
        return try SignedTreeHead.sign(networkID: networkID ?? last.networkID, treeSize: UInt64(size), rootHash: try root ?? tree.root(),
                                       timestamp: last.timestamp, keys: keys ?? f.clinicKeys).encoded
    }

    /// A bundle from the clinic to hq carrying `items` and `treeHead` (by default the
    /// clinic's head over all its entries, as `bundle export` writes), created `created` (now).
    static func write(_ f: SyncFixture, items: [SyncItem], treeHead: [UInt8]? = nil, created: HybridTimestamp? = nil) throws -> [UInt8] {
        let writer = BundleWriter(signingKey: f.clinicKeys.signing, compressor: LZ4BundleCompressor())
        let recipient = BundleRecipient(siteKey: f.hqSigningKey, agreementKey: f.hqAgreementKey.bytes)
        let created = created ?? HybridTimestamp(wallMillis: UInt64(Date().timeIntervalSince1970 * 1000), counter: 0)
        return try writer.write(recipients: [recipient], created: created, treeHead: treeHead ?? self.treeHead(f, size: f.clinicEntries.count),
                                set: ReconcilableSet(items.map(\.id)), items: items)
    }
}
