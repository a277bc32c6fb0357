import Crypto
import Foundation
import LedgerCore
import LedgerSite
import TestSupport
import Testing

@Suite("Static log: a member site as a witness")
struct StaticLogWitnessTests {
    static func fetch(_ directory: String) -> TileTree.Fetch {
        { path in FileManager.default.contents(atPath: directory + "/" + path).map(Array.init) }
    }

    static func key(of site: SiteLedger) -> NoteVerifierKey {
        StaticLogPublisher.verifierKey(origin: LogOrigin(network: site.networkID, site: site.siteKey).text,
                                       siteKey: site.siteKey)
    }

    /// Writes the tiles of a tree of `size` made-up leaves into `directory` and returns a
    /// checkpoint of it signed by `key` under `origin`: a log's fork.
    static func forge(size: UInt64, into directory: String, origin: String, key: Curve25519.Signing.PrivateKey) throws -> [UInt8] {
        var builder = TileBuilder(size: 0, upperPartials: [])
        var files: [TileBuilder.Output] = []
        for i in 0..<size { files += builder.add(Array("forked-\(i)".utf8)) }
        let (partials, root) = builder.finish()
        for file in files + partials {
            let path = directory + "/" + file.tile.path
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(file.bytes).write(to: URL(fileURLWithPath: path))
        }
        return try Checkpoint(origin: origin, treeSize: size, rootHash: root).signed(with: key)
    }

    static func checkpoint(_ directory: String) throws -> [UInt8] {
        Array(try #require(FileManager.default.contents(atPath: directory + "/checkpoint")))
    }

    @Test("a clinic cosigns central's checkpoints as the log grows; the cosignature verifies and names the previous size")
    func cosignsAsTheLogGrows() throws {
        let sites = try TwoSites()
        defer { sites.folder.remove() }
        let out = sites.folder.path + "/pub"
        _ = try sites.central.append(kind: "anchor", payloads: (0..<300).map { Array("{\"n\":\($0)}".utf8) })
        _ = try StaticLogPublisher.publish(sites.central, to: out)
        let first = try CheckpointWitness.cosign(sites.clinic, note: try Self.checkpoint(out), logKey: Self.key(of: sites.central),
                                                 fetch: Self.fetch(out), timestamp: 1_764_900_000)
        #expect(first.previousTreeSize == 0 && first.treeSize == UInt64(sites.central.entryCount))
        let name = LogOrigin(network: sites.clinic.networkID, site: sites.clinic.siteKey).cosignerName
        #expect(try Cosignature.verify(first.cosignedNote, name: name, publicKey: sites.clinic.siteKey) == 1_764_900_000)
        #expect(try Checkpoint.open(first.cosignedNote, verifiedBy: Self.key(of: sites.central)).treeSize == first.treeSize)
        _ = try sites.central.append(kind: "anchor", payloads: (0..<300).map { Array("{\"m\":\($0)}".utf8) })
        _ = try StaticLogPublisher.publish(sites.central, to: out)
        let second = try CheckpointWitness.cosign(sites.clinic, note: try Self.checkpoint(out), logKey: Self.key(of: sites.central),
                                                  fetch: Self.fetch(out))
        #expect(second.previousTreeSize == first.treeSize && second.treeSize > first.treeSize)
    }

    @Test("an older checkpoint that is a prefix of the cosigned one is refused as stale with no evidence; a fork above, or an older one off the cosigned tree, is a split view kept as an entry with a proof that checks offline")
    func splitViews() throws {
        let sites = try TwoSites()
        defer { sites.folder.remove() }
        let out = sites.folder.path + "/pub"
        _ = try sites.central.append(kind: "anchor", payloads: (0..<300).map { Array("{\"n\":\($0)}".utf8) })
        _ = try StaticLogPublisher.publish(sites.central, to: out)
        let old = try Self.checkpoint(out)
        _ = try sites.central.append(kind: "anchor", payloads: [Array("{\"late\":1}".utf8)])
        _ = try StaticLogPublisher.publish(sites.central, to: out)
        let key = Self.key(of: sites.central)
        _ = try CheckpointWitness.cosign(sites.clinic, note: try Self.checkpoint(out), logKey: key, fetch: Self.fetch(out))
        let entries = sites.clinic.entryCount
        let stale = #expect(throws: SiteError.self) {
            try CheckpointWitness.cosign(sites.clinic, note: old, logKey: key, fetch: Self.fetch(out))
        }
        #expect(stale?.code == .staleCheckpoint)
        #expect(sites.clinic.entryCount == entries, "an older checkpoint is no evidence: nothing is written")

        // Central signs a smaller tree off its log: the cosigned checkpoint's tiles give another root there.
        let size = try Checkpoint.open(old, verifiedBy: key).treeSize
        let offTree = try Checkpoint(origin: key.name, treeSize: size - 5, rootHash: Hash32.sha256([9])).signed(with: sites.central.signingKeyForBundles)
        let rollback = #expect(throws: SiteError.self) {
            try CheckpointWitness.cosign(sites.clinic, note: offTree, logKey: key, fetch: Self.fetch(out))
        }
        #expect(rollback?.code == .splitView)

        // Central signs a forked tree (same origin and key, other leaves) and publishes it elsewhere.
        let fork = sites.folder.path + "/fork"
        let forged = try Self.forge(size: UInt64(sites.central.entryCount) + 10, into: fork, origin: key.name,
                                    key: sites.central.signingKeyForBundles)
        let forkRefusal = #expect(throws: SiteError.self) {
            try CheckpointWitness.cosign(sites.clinic, note: forged, logKey: key, fetch: Self.fetch(fork))
        }
        #expect(forkRefusal?.code == .splitView)
        let evidence = try sites.clinic.witnessPayloads(WitnessSplitViewPayload.self, kind: WitnessSplitViewPayload.kind).map(\.payload)
        #expect(evidence.map(\.conflict) == [.rollback, .fork])
        #expect(evidence.map { $0.check() } == [.proven, .proven], "each carries a consistency proof from the larger tree's tiles")
        var withoutProof = try #require(evidence.last)
        withoutProof.proof = nil
        #expect(withoutProof.check() == .needsTiles)
        var wrongProof = try #require(evidence.last)
        wrongProof.proof = wrongProof.proof.map { $0.reversed() }
        if case .invalid = wrongProof.check() {} else { Issue.record("a proof in the wrong order must not check") }
        #expect(evidence.first?.refused == String(decoding: offTree, as: UTF8.self))
        #expect(evidence.last?.refused == String(decoding: forged, as: UTF8.self))
    }

    @Test("a checkpoint by a key that is not a member, or with tiles that do not match it, is not cosigned")
    func refusesStrangers() throws {
        let sites = try TwoSites()
        let stranger = try PublishFixture(entries: 3)
        defer { sites.folder.remove(); stranger.folder.remove() }
        let out = stranger.folder.path + "/pub"
        _ = try StaticLogPublisher.publish(stranger.site, to: out)
        let notMember = #expect(throws: SiteError.self) {
            try CheckpointWitness.cosign(sites.clinic, note: try Self.checkpoint(out), logKey: stranger.key, fetch: Self.fetch(out))
        }
        #expect(notMember?.code == .invalidRequest)
        let mine = sites.folder.path + "/pub"
        _ = try StaticLogPublisher.publish(sites.central, to: mine)
        let wrongTiles = #expect(throws: SiteError.self) {
            try CheckpointWitness.cosign(sites.clinic, note: try Self.checkpoint(mine), logKey: Self.key(of: sites.central), fetch: Self.fetch(out))
        }
        #expect(wrongTiles?.code == .invalidRequest)
        #expect(sites.clinic.readHistory(CheckpointWitness.Record.self, from: CheckpointWitness.cosignedHistory).isEmpty)
    }

    @Test("a checkpoint signed by a member's log key but naming another origin is not cosigned, and nothing is written")
    func refusesAnotherOrigin() throws {
        let sites = try TwoSites()
        defer { sites.folder.remove() }
        let out = sites.folder.path + "/pub"
        _ = try sites.central.append(kind: "anchor", payloads: (0..<3).map { Array("{\"n\":\($0)}".utf8) })
        _ = try StaticLogPublisher.publish(sites.central, to: out)
        let key = Self.key(of: sites.central)
        let honest = try Checkpoint.open(try Self.checkpoint(out), verifiedBy: key)
        let renamed = Checkpoint(origin: key.name + "/elsewhere", treeSize: honest.treeSize, rootHash: honest.rootHash)
        // Signed under the key's own name, so only the origin line differs from what the key names.
        let note = try SignedNote.sign(renamed.noteText, name: key.name, with: sites.central.signingKeyForBundles)
        let entries = sites.clinic.entryCount
        let refused = #expect(throws: SiteError.self) {
            try CheckpointWitness.cosign(sites.clinic, note: note, logKey: key, fetch: Self.fetch(out))
        }
        #expect(refused?.code == .invalidRequest)
        #expect((refused?.underlying as? SiteError)?.code == .checkpointOriginMismatch)
        #expect(sites.clinic.entryCount == entries)
        #expect(sites.clinic.readHistory(CheckpointWitness.Record.self, from: CheckpointWitness.cosignedHistory).isEmpty)
    }
}
