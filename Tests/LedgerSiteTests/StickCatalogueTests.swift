import Foundation
import LedgerCore
import LedgerSite
import LedgerSync
import Logging
import TestSupport
import Testing

/// The mailbox half of the bad-input catalogue (Specs/bundle-format.md §8): damaged, forged or
/// foreign id indexes and markers on a stick are rejected or ignored, and change nothing.
@Suite("Stick bad-input catalogue: id indexes and markers")
struct StickCatalogueTests {
    /// A network whose clinic has left one mailbox bundle and its marker on a stick.
    struct Fixture {
        let network: StickNetwork
        let stick: String
        let bundleName: String
        let bundle: [UInt8]
        var central: SiteLedger { get throws { try #require(network.sites["central"]) } }
        var clinic: SiteLedger { get throws { try #require(network.sites["clinic-1"]) } }

        init() throws {
            network = try StickNetwork(clinics: 1)
            try network.write(5, at: "clinic-1", tag: "catalogue")
            stick = try network.stick("s")
            _ = try FolderSync.run(try #require(network.sites["clinic-1"]), folder: stick)
            bundleName = try #require(try FileManager.default.contentsOfDirectory(atPath: stick).first { $0.hasSuffix(".clmail") })
            bundle = Array(try Data(contentsOf: URL(fileURLWithPath: stick + "/" + bundleName)))
        }

        /// Replaces the bundle on the stick by `bytes`, then runs central's visit.
        func centralVisit(withBundle bytes: [UInt8]) throws -> FolderSync.Result {
            try Data(bytes).write(to: URL(fileURLWithPath: stick + "/" + bundleName))
            return try FolderSync.run(try central, folder: stick)
        }

        /// The clinic's marker's path.
        var markerPath: String { get throws { stick + "/" + MailboxPlanner.markerFileName(of: try clinic.siteKey) } }
    }

    /// Offsets in a one-recipient mailbox bundle.
    static func indexSignatureOffset(_ b: [UInt8]) -> Int {
        let r = Int(b[72]) << 8 | Int(b[73])
        let n = b[(90 + 88 * r)..<(94 + 88 * r)].reduce(0) { $0 << 8 | Int($1) }
        return 94 + 88 * r + 8 * n
    }

    static func rechecksum(_ b: [UInt8]) -> [UInt8] {
        var out = Array(b.dropLast(32))
        out += Hash32.sha256(out).bytes
        return out
    }

    @Test("an id index whose signature does not verify is rejected and nothing is imported")
    func forgedIndex() throws {
        let f = try Fixture()
        var bytes = f.bundle
        bytes[Self.indexSignatureOffset(bytes) + 3] ^= 0x01
        let before = try f.central.entryCount
        let result = try f.centralVisit(withBundle: Self.rechecksum(bytes))
        #expect(result.rejected.map(\.code) == ["bundle.signature"])
        #expect(try f.central.entryCount == before)
    }

    @Test("a mailbox bundle cut inside its index is rejected as truncated")
    func truncatedIndex() throws {
        let f = try Fixture()
        let result = try f.centralVisit(withBundle: Array(f.bundle.prefix(Self.indexSignatureOffset(f.bundle) - 4)))
        #expect(result.rejected.map(\.code) == ["bundle.truncated"])
    }

    @Test("an index that does not declare the items carried is rejected at import and stores nothing")
    func mismatchedIndex() throws {
        let f = try Fixture()
        let clinic = try f.clinic
        let central = try f.central
        let set = try clinic.reconcilableSet()
        let items = try set.sortedIDs.prefix(3).map { SyncItem(id: $0, bytes: try #require(try clinic.encodedEntry(id: $0))) }
        let agreement = central.metadata.agreementKey
        let created = clinic.currentTime()
        let forged = try BundleWriter(signingKey: clinic.signingKeyForBundles, compressor: LZ4BundleCompressor())
            .write(recipients: [BundleRecipient(siteKey: central.siteKey, agreementKey: agreement.bytes)], created: created,
                   treeHead: try clinic.signTreeHead().encoded, set: set, items: items, indexed: true, indexOverride: [1, 2, 3])
        let name = MailboxPlanner.mailboxFileName(from: clinic.siteKey, created: created)
        try FileManager.default.removeItem(atPath: f.stick + "/" + f.bundleName)
        try Data(forged).write(to: URL(fileURLWithPath: f.stick + "/" + name))
        let before = central.entryCount
        let result = try FolderSync.run(central, folder: f.stick)
        #expect(result.rejected.map(\.code).contains("bundle.malformed"))
        #expect(central.entryCount == before)
    }

    @Test("a bundle a recipient refused does not count as carrying its entries to it: the next writer sends them again")
    func refusedBundleIsResent() throws {
        let f = try Fixture()
        let clinic = try f.clinic
        let central = try f.central
        let set = try clinic.reconcilableSet()
        let atCentral = try central.reconcilableSet()
        var items = try set.sortedIDs.map { SyncItem(id: $0, bytes: try #require(try clinic.encodedEntry(id: $0))) }
        let newAtCentral = try #require(items.lastIndex { !atCentral.contains($0.id) })
        let last = items.remove(at: newAtCentral)
        var forged = last.bytes
        forged[forged.count - 1] ^= 0x01  // the entry's signature: its id still matches
        let created = try MailboxPlanner.parse(mailboxName: f.bundleName).created
        let bad = try BundleWriter(signingKey: clinic.signingKeyForBundles, compressor: LZ4BundleCompressor())
            .write(recipients: [BundleRecipient(siteKey: central.siteKey, agreementKey: central.metadata.agreementKey.bytes)], created: created,
                   treeHead: try clinic.signTreeHead().encoded, set: set, items: items + [SyncItem(id: last.id, bytes: forged)], indexed: true)
        let refusedPass = try f.centralVisit(withBundle: bad)
        #expect(refusedPass.rejected.map(\.code) == ["sync.commit-failed"])
        let marker = try StickMarker(decoding: Array(try Data(contentsOf: URL(fileURLWithPath: f.stick + "/" + MailboxPlanner.markerFileName(of: central.siteKey)))))
        #expect(marker.refused.count == 1)
        let resend = try FolderSync.run(clinic, folder: f.stick)
        #expect(resend.exported > 0)
        _ = try FolderSync.run(central, folder: f.stick)
        #expect(set.sortedIDs.allSatisfy(try central.reconcilableSet().contains))
    }

    @Test("an index signed by a key that is not a member is not trusted: ignored, and members still get what they lack")
    func strangerIndex() throws {
        let f = try Fixture()
        let strangerFolder = try TemporaryDirectory(prefix: "careledger-stranger")
        let stranger = try SiteLedger.foundNetwork(at: strangerFolder.path + "/s", siteName: "s", networkName: "other",
                                                   logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let central = try f.central
        let clinic = try f.clinic
        // The stranger claims to carry every id the clinic holds, addressed to central.
        let set = try clinic.reconcilableSet()
        let agreement = central.metadata.agreementKey
        let created = stranger.currentTime()
        let claim = try BundleWriter(signingKey: stranger.signingKeyForBundles, compressor: LZ4BundleCompressor())
            .write(recipients: [BundleRecipient(siteKey: central.siteKey, agreementKey: agreement.bytes)], created: created,
                   treeHead: try stranger.signTreeHead().encoded, set: set, items: [], indexed: true,
                   indexOverride: StickIndex.digests(of: set.sortedIDs))
        try Data(claim).write(to: URL(fileURLWithPath: f.stick + "/" + MailboxPlanner.mailboxFileName(from: stranger.siteKey, created: created)))
        let result = try FolderSync.run(central, folder: f.stick)
        #expect(result.ignored.contains { $0.contains("mailbox.not-member") })
        #expect(try central.reconcilableSet().rootHash == set.rootHash || result.imported > 0)
    }

    @Test("a marker with a forged signature is rejected and collects nothing")
    func forgedMarker() throws {
        let f = try Fixture()
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try f.markerPath)))
        bytes[20] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: try f.markerPath))
        let result = try FolderSync.run(try f.central, folder: f.stick)
        #expect(result.rejected.map(\.code) == ["marker.signature"])
    }

    @Test("a truncated marker is rejected")
    func truncatedMarker() throws {
        let f = try Fixture()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try f.markerPath)))
        try Data(bytes.dropLast(10)).write(to: URL(fileURLWithPath: try f.markerPath))
        let result = try FolderSync.run(try f.central, folder: f.stick)
        #expect(result.rejected.map(\.code) == ["marker.truncated"])
        #expect(throws: SyncError.self) { try StickMarker(decoding: Array(bytes.prefix(30))) }
    }

    @Test("a marker signed by a key that is not a member is ignored, and no bundle is collected on its word")
    func strangerMarker() throws {
        let f = try Fixture()
        let strangerFolder = try TemporaryDirectory(prefix: "careledger-stranger")
        let stranger = try SiteLedger.foundNetwork(at: strangerFolder.path + "/s", siteName: "s", networkName: "other",
                                                   logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let site = stranger.siteKey
        let ref = StickMarker.BundleRef(senderPrefix: Array(try f.clinic.siteKey.bytes.prefix(8)),
                                        created: try MailboxPlanner.parse(mailboxName: f.bundleName).created)
        let marker = try StickMarker(site: site, created: HybridTimestamp(wallMillis: 1, counter: 0), entriesHeld: 1, holds: [ref]).encoded(signingKey: stranger.signingKeyForBundles)
        try Data(marker).write(to: URL(fileURLWithPath: f.stick + "/" + MailboxPlanner.markerFileName(of: site)))
        let result = try FolderSync.run(try f.central, folder: f.stick)
        #expect(result.ignored.contains { $0.contains("mailbox.not-member") })
        #expect(result.rejected.isEmpty)
    }
}
