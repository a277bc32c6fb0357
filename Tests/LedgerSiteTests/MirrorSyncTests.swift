import Foundation
import LedgerCore
import LedgerSite
import LedgerSync
import TestSupport
import Testing

/// `sync --mirror` and `verify --mirror` in the library (Specs/static-log.md §11).
@Suite("Static log: catching up from a mirror")
struct MirrorSyncTests {
    static func ids(_ ledger: SiteLedger) throws -> [Hash32] {
        var out: [Hash32] = []
        try ledger.forEachEntry { _, entry in out.append(entry.id) }
        return out
    }

    static func append(_ site: SiteLedger, _ count: Int, tag: String) throws {
        _ = try site.append(kind: "anchor", payloads: (0..<count).map { Array("{\"\(tag)\":\($0)}".utf8) })
    }

    static func key(of site: SiteLedger) -> NoteVerifierKey { StaticLogWitnessTests.key(of: site) }

    @Test("a fresh clinic catches up from central's published folder and then holds every entry of central's log")
    func freshClinicCatchesUp() throws {
        let fixture = try PublishedCentral(entries: 700)
        let (sites, out) = (fixture.sites, fixture.out)
        defer { sites.folder.remove() }
        let published = fixture.published
        let outcome = try MirrorSync.run(sites.clinic, from: FolderLogSource(directory: out), connections: 3, batchEntries: 300)
        #expect(outcome.treeSize == published.treeSize)
        #expect(outcome.bundlesDownloaded == Int((published.treeSize + 255) / 256))
        #expect(outcome.entriesIngested == Int(published.treeSize))
        #expect(Set(try Self.ids(sites.central)).isSubset(of: Set(try Self.ids(sites.clinic))))
        #expect(sites.clinic.quarantined.isEmpty)
        // Nothing new: the checkpoint is the one accepted, nothing is fetched.
        let again = try MirrorSync.run(sites.clinic, from: FolderLogSource(directory: out))
        #expect(again.bundlesDownloaded == 0 && again.entriesIngested == 0)
    }

    @Test("after more appends and a second publish, a second catch-up fetches only the bundles that are new or were partial")
    func secondCatchUpFetchesOnlyNewBundles() throws {
        let fixture = try PublishedCentral(entries: 600)
        let (sites, out) = (fixture.sites, fixture.out)
        defer { sites.folder.remove() }
        let first = fixture.published
        let one = try MirrorSync.run(sites.clinic, from: FolderLogSource(directory: out))
        #expect(one.bundlesDownloaded == 3)
        try Self.append(sites.central, 600, tag: "m")
        let second = try StaticLogPublisher.publish(sites.central, to: out)
        let two = try MirrorSync.run(sites.clinic, from: FolderLogSource(directory: out))
        // Bundles 0 and 1 were full at the first size; bundle 2 was partial and is fetched whole now.
        #expect(first.treeSize / 256 == 2)
        #expect(two.previousIngestedSize == first.treeSize)
        #expect(two.bundlesDownloaded == Int((second.treeSize + 255) / 256) - 2)
        #expect(Set(try Self.ids(sites.central)).isSubset(of: Set(try Self.ids(sites.clinic))))
    }

    @Test("a bundle with one byte changed is refused naming its path, and none of its entries is ingested")
    func tamperedBundleIsRefused() throws {
        let fixture = try PublishedCentral(entries: 700)
        let (sites, out) = (fixture.sites, fixture.out)
        defer { sites.folder.remove() }
        let path = out + "/tile/entries/001"
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        let refusal = #expect(throws: SiteError.self) {
            try MirrorSync.run(sites.clinic, from: FolderLogSource(directory: out), batchEntries: 256)
        }
        #expect(refusal?.code == .mirrorInvalid)
        #expect(refusal?.message.contains("tile/entries/001") == true)
        let central = try Self.ids(sites.central)
        let held = Set(try Self.ids(sites.clinic))
        #expect(central[256..<512].allSatisfy { !held.contains($0) })
        #expect(central[0..<256].allSatisfy { held.contains($0) })
        #expect(throws: SiteError.self) { try MirrorAudit.run(FolderLogSource(directory: out), key: Self.key(of: sites.central)) }
    }

    @Test("a checkpoint that rolls back, or forks at the accepted size, is refused, kept as evidence, and ingests nothing")
    func rollbackAndForkAreEvidence() throws {
        let sites = try TwoSites()
        defer { sites.folder.remove() }
        let out = sites.folder.path + "/pub", old = sites.folder.path + "/old"
        try Self.append(sites.central, 300, tag: "n")
        _ = try StaticLogPublisher.publish(sites.central, to: out)
        try FileManager.default.copyItem(atPath: out, toPath: old)
        try Self.append(sites.central, 300, tag: "m")
        _ = try StaticLogPublisher.publish(sites.central, to: out)
        _ = try MirrorSync.run(sites.clinic, from: FolderLogSource(directory: out))
        let count = sites.clinic.entryCount
        let rollback = #expect(throws: SiteError.self) { try MirrorSync.run(sites.clinic, from: FolderLogSource(directory: old)) }
        #expect(rollback?.code == .splitView)

        // Central signs another tree of the same size under its origin.
        let fork = sites.folder.path + "/fork"
        let forged = try Self.forge(sites.central, size: UInt64(sites.central.entryCount), in: fork)
        let forkRefusal = #expect(throws: SiteError.self) { try MirrorSync.run(sites.clinic, from: FolderLogSource(directory: fork)) }
        #expect(forkRefusal?.code == .splitView)
        let evidence = sites.clinic.readHistory(MirrorEvidence.self, from: "mirror-evidence.jsonl")
        #expect(evidence.count == 2)
        #expect(evidence.last?.refused == String(decoding: forged, as: UTF8.self))
        #expect(sites.clinic.entryCount == count)
    }

    /// A tree of `size` made-up leaves published in `folder` with a checkpoint `site` signs under its default origin.
    static func forge(_ site: SiteLedger, size: UInt64, in folder: String) throws -> [UInt8] {
        var builder = TileBuilder(size: 0, upperPartials: [])
        var files: [TileBuilder.Output] = []
        for i in 0..<size { files += builder.add(Array("forked-\(i)".utf8)) }
        let (partials, root) = builder.finish()
        for file in files + partials {
            let path = folder + "/" + file.tile.path
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(file.bytes).write(to: URL(fileURLWithPath: path))
        }
        let forged = try Checkpoint(origin: key(of: site).name, treeSize: size, rootHash: root).signed(with: site.signingKeyForBundles)
        try Data(forged).write(to: URL(fileURLWithPath: folder + "/checkpoint"))
        return forged
    }

    @Test("a first checkpoint whose tiles give another root at the size of the signed tree head the clinic holds from central is a fork, kept with that head")
    func forkAgainstThePeersSignedTreeHead() throws {
        let sites = try TwoSites()
        defer { sites.folder.remove() }
        try Self.append(sites.central, 300, tag: "n")
        let bundle = sites.folder.path + "/to-clinic.clbundle"
        try BundleFiles.write(try sites.central.writeBundle(to: [try sites.central.member("clinic")]).bytes, to: bundle)
        #expect(try BundleImporter.importFiles([bundle], into: sites.clinic).rejected.isEmpty)
        let head = try #require(try sites.clinic.peerTreeHead(of: sites.central.siteKey)).head
        let count = sites.clinic.entryCount
        let forged = try Self.forge(sites.central, size: head.treeSize + 10, in: sites.folder.path + "/fork")
        let refusal = #expect(throws: SiteError.self) {
            try MirrorSync.run(sites.clinic, from: FolderLogSource(directory: sites.folder.path + "/fork"))
        }
        #expect(refusal?.code == .splitView)
        let evidence = sites.clinic.readHistory(MirrorEvidence.self, from: "mirror-evidence.jsonl")
        #expect(evidence.count == 1 && evidence.first?.keptKind == "signed_tree_head")
        #expect(evidence.first?.refused == String(decoding: forged, as: UTF8.self))
        #expect(sites.clinic.entryCount == count)
        // The real log, published, is consistent with that head.
        _ = try StaticLogPublisher.publish(sites.central, to: sites.folder.path + "/pub")
        #expect(try MirrorSync.run(sites.clinic, from: FolderLogSource(directory: sites.folder.path + "/pub")).treeSize >= head.treeSize)
    }

    @Test("an entry whose own signature fails, in a tree central signed, is refused by ingest: nothing of its batch is stored, and the auditor names its leaf")
    func badEntrySignatureIsRefused() throws {
        let sites = try TwoSites()
        defer { sites.folder.remove() }
        try Self.append(sites.central, 300, tag: "n")
        var leaves: [[UInt8]] = []
        try sites.central.forEachEntry { _, entry in leaves.append(entry.encoded) }
        leaves[270][leaves[270].count - 1] ^= 0x01   // the signature's last byte
        let folder = sites.folder.path + "/bad"
        var builder = TileBuilder(size: 0, upperPartials: [])
        var files: [TileBuilder.Output] = []
        for leaf in leaves { files += builder.add(leaf) }
        let (partials, root) = builder.finish()
        for file in files + partials {
            let path = folder + "/" + file.tile.path
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(file.bytes).write(to: URL(fileURLWithPath: path))
        }
        let note = try Checkpoint(origin: Self.key(of: sites.central).name, treeSize: UInt64(leaves.count), rootHash: root)
            .signed(with: sites.central.signingKeyForBundles)
        try Data(note).write(to: URL(fileURLWithPath: folder + "/checkpoint"))
        let before = sites.clinic.entryCount
        let refusal = #expect(throws: SiteError.self) {
            try MirrorSync.run(sites.clinic, from: FolderLogSource(directory: folder), batchEntries: 256)
        }
        #expect(refusal?.code == .mirrorInvalid && refusal?.message.contains("signature") == true)
        // Bundle 0 (its own batch) is stored; nothing of bundle 1's batch is.
        let held = Set(try Self.ids(sites.clinic))
        let central = try Self.ids(sites.central)
        #expect(central[0..<256].allSatisfy { held.contains($0) } && central[256...].allSatisfy { !held.contains($0) })
        #expect(sites.clinic.entryCount > before)
        let audit = #expect(throws: SiteError.self) { try MirrorAudit.run(FolderLogSource(directory: folder), key: Self.key(of: sites.central)) }
        #expect(audit?.message.contains("tile/entries/001.p/") == true && audit?.message.contains("leaf 270") == true)
    }

    /// A folder source that counts the bundle files it served by path, and fails a bundle
    /// fetch (as a network that went away) when `fails(path, attempt, earlier)` says so:
    /// `attempt` counts this source's bundle fetches from 1, `earlier` the fetches of `path`
    /// before this one.
    final class ScriptedSource: StaticLogSource, @unchecked Sendable {  // `attempts`, `requested` and `served` only under `lock`
        typealias Rule = @Sendable (_ path: String, _ attempt: Int, _ earlier: Int) -> Bool
        let inner: FolderLogSource
        let fails: Rule
        private let lock = NSLock()
        private var attempts = 0
        private var requested: [String: Int] = [:]
        private var served: [String: Int] = [:]

        init(_ directory: String, fails: @escaping Rule) {
            inner = FolderLogSource(directory: directory)
            self.fails = fails
        }

        /// Fails every bundle fetch from the `failFrom`-th on.
        convenience init(_ directory: String, failFrom: Int) {
            self.init(directory) { _, attempt, _ in attempt >= failFrom }
        }

        /// Fails the first fetch of `failing` only.
        convenience init(_ directory: String, failingOnce failing: String) {
            self.init(directory) { path, _, earlier in path == failing && earlier == 0 }
        }

        var location: String { inner.location }

        func fetch(_ path: String, limit: Int) throws -> [UInt8]? {
            guard path.hasPrefix("tile/entries/") else { return try inner.fetch(path, limit: limit) }
            let (attempt, earlier) = lock.withLock { () -> (Int, Int) in
                attempts += 1
                defer { requested[path, default: 0] += 1 }
                return (attempts, requested[path, default: 0])
            }
            if fails(path, attempt, earlier) { throw SiteError(.mirrorUnreachable, "the network went away") }
            let bytes = try inner.fetch(path, limit: limit)
            lock.withLock { served[path, default: 0] += 1 }
            return bytes
        }

        var counts: [String: Int] { lock.withLock { served } }
    }

    @Test("a catch-up cut by a failing network after each bundle ingests what it checked and resumes from its progress record: every bundle served once in all, nothing lost")
    func cutCatchUpResumes() throws {
        let fixture = try PublishedCentral(entries: 1500)
        let (sites, out) = (fixture.sites, fixture.out)
        defer { sites.folder.remove() }
        let published = fixture.published
        let bundles = Int((published.treeSize + 255) / 256)
        var served: [String: Int] = [:]
        // Each run gets one bundle through, then the network fails; the run ingests that bundle.
        for cut in 1...bundles {
            let source = ScriptedSource(out, failFrom: 2)
            let outcome = Result { try MirrorSync.run(sites.clinic, from: source, connections: 1, batchEntries: 512) }
            for (path, count) in source.counts { served[path, default: 0] += count }
            if case .failure(let error) = outcome { #expect((error as? SiteError)?.code == .mirrorUnreachable, "cut \(cut)") }
        }
        let final = try MirrorSync.run(sites.clinic, from: ScriptedSource(out, failFrom: Int.max))
        #expect(final.treeSize == published.treeSize)
        #expect(served.count == bundles && served.values.allSatisfy { $0 == 1 }, "\(served)")
        #expect(Set(try Self.ids(sites.central)).isSubset(of: Set(try Self.ids(sites.clinic))))
    }

    /// The clinic's spool folder of the one log it mirrors.
    static func spoolFolder(_ sites: TwoSites) throws -> String {
        let mirror = sites.folder.path + "/clinic/mirror"
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: mirror).first { $0.hasSuffix(".spool") })
        return mirror + "/" + name
    }

    @Test("bundles fetched in the window when a run stops stay spooled and are read, not fetched, by the next run; a spooled copy with a changed byte is set aside and fetched again")
    func windowBundlesSurviveAStop() throws {
        let fixture = try PublishedCentral(entries: 2000)
        let (sites, out) = (fixture.sites, fixture.out)
        defer { sites.folder.remove() }
        let published = fixture.published
        let bundles = Int((published.treeSize + 255) / 256)
        // Window 4 (one-bundle batches): bundles 0–3 start; 1 fails; 0 is consumed (starting 4)
        // and ingested, then the run stops at 1. 2, 3 and 4 finished their transfers: spooled.
        let first = ScriptedSource(out, failingOnce: "tile/entries/001")
        let stopped = #expect(throws: SiteError.self) {
            try MirrorSync.run(sites.clinic, from: first, connections: 4, batchEntries: 256)
        }
        #expect(stopped?.code == .mirrorUnreachable)
        let spool = try Self.spoolFolder(sites)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: spool)) == ["2-256", "3-256", "4-256"])
        // A changed byte in a spooled bundle: not trusted, set aside, fetched again.
        let damaged = spool + "/3-256"
        var bytes = try #require(FileManager.default.contents(atPath: damaged))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: damaged))
        let second = ScriptedSource(out, failingOnce: "")
        let outcome = try MirrorSync.run(sites.clinic, from: second, connections: 4, batchEntries: 1024)
        #expect(outcome.treeSize == published.treeSize)
        #expect(outcome.bundlesFromSpool == 2 && outcome.bundlesDownloaded == bundles - 1 - 2, "\(outcome)")
        #expect(outcome.warnings.contains { $0.contains("tile/entries/003") && $0.contains("set aside") }, "\(outcome.warnings)")
        var served = first.counts
        for (path, count) in second.counts { served[path, default: 0] += count }
        let twice = served.filter { $0.value > 1 }.map(\.key)
        #expect(served.count == bundles && twice == ["tile/entries/003"], "\(served)")
        #expect(FileManager.default.fileExists(atPath: spool.replacingOccurrences(of: ".spool", with: ".damaged") + "/3-256"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
        #expect(Set(try Self.ids(sites.central)).isSubset(of: Set(try Self.ids(sites.clinic))))
    }

    @Test("verify --mirror's library accepts a published log, checking every entry's signature, and names the first bad tile")
    func auditorVerifies() throws {
        let fixture = try PublishedCentral(entries: 70_000 / 100)
        let (sites, out) = (fixture.sites, fixture.out)
        defer { sites.folder.remove() }
        let published = fixture.published
        let report = try MirrorAudit.run(FolderLogSource(directory: out), key: Self.key(of: sites.central), connections: 2)
        #expect(report.entriesChecked == Int(published.treeSize) && report.rootHash == published.rootHash.hex)
        let tile = out + "/tile/0/000"
        var bytes = try #require(FileManager.default.contents(atPath: tile))
        bytes[5] ^= 0x80
        try bytes.write(to: URL(fileURLWithPath: tile))
        let fault = #expect(throws: SiteError.self) { try MirrorAudit.run(FolderLogSource(directory: out), key: Self.key(of: sites.central)) }
        #expect(fault?.code == .mirrorInvalid && fault?.message.contains("tile/0/000") == true)
    }
}
