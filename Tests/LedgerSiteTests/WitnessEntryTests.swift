import Crypto
import Foundation
import LedgerCore
import LedgerSite
import Logging
import TestSupport
import Testing

/// Central and two admitted clinics, each a witness of central's published log.
struct WitnessNetwork {
    let sites: TwoSites
    let second: SiteLedger
    var central: SiteLedger { sites.central }
    var clinic: SiteLedger { sites.clinic }
    var published: String { sites.folder.path + "/pub" }

    init(witnesses: Int = 0) throws {
        sites = try TwoSites(witnesses: witnesses)
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        second = try SiteLedger.join(at: sites.folder.path + "/clinic-2", siteName: "clinic-2", role: .clinic,
                                     genesisPath: sites.folder.path + "/genesis.json", logger: quiet)
        _ = try sites.central.admit(AdmitPayload(key: second.siteKey, agreementKey: second.metadata.agreementKey, name: "clinic-2", role: .clinic))
    }

    var logKey: NoteVerifierKey { StaticLogWitnessTests.key(of: central) }

    /// Both clinics as cosigners.
    var witnesses: Set<CosignerKey> {
        [CosignerKey(site: clinic.siteKey, networkID: central.networkID), CosignerKey(site: second.siteKey, networkID: central.networkID)]
    }

    /// Moves every entry of `from` into `to` (what a stick's bundle carries, through the same ingest).
    static func carry(from: SiteLedger, to: SiteLedger) throws {
        var entries: [[UInt8]] = []
        try from.forEachEntry { _, entry in entries.append(entry.encoded) }
        _ = try to.ingest(entries)
    }

    func checkpoint(_ name: String = "checkpoint") throws -> [UInt8] {
        Array(try #require(FileManager.default.contents(atPath: published + "/" + name)))
    }
}

@Suite("Witness cosignatures and split views as ledger entries")
struct WitnessEntryTests {
    @Test("a witness.cosignature payload holds the C2SP line byte for byte, round-trips through canonical JSON and verifies only for its author")
    func payloadRoundTrip() throws {
        let vectors = try StaticLogVectors.load()
        let vector = vectors.cosignature
        let witness = try Curve25519.Signing.PrivateKey(rawRepresentation: try #require(Hash32(hex: vector.seed)).bytes)
        let publicKey = try #require(Hash32(hex: vector.publicKey))
        let logKey = try #require(NoteVerifierKey(verifierKey: vectors.checkpoint.verifierKey))
        let checkpoint = try Checkpoint.open(Array(vectors.checkpoint.note.utf8), verifiedBy: logKey)
        let line = try Cosignature.sign(checkpointText: checkpoint.noteText, name: vector.name, timestamp: vector.timestamp, with: witness)
        #expect(line == vector.line)
        let cosigner = CosignerKey(name: vector.name, publicKey: publicKey)
        #expect(CosignerKey(verifierKey: cosigner.verifierKey) == cosigner)
        let payload = WitnessCosignaturePayload(
            format: 1, origin: checkpoint.origin, logKey: logKey.verifierKey, treeSize: checkpoint.treeSize,
            rootHash: checkpoint.rootHash.hex, timestamp: vector.timestamp, cosignature: line, cosignerKey: cosigner.verifierKey)
        let bytes = try CanonicalJSON.encode(payload)
        let expected = "{\"cosignature\":\"\(vector.line)\",\"cosigner_key\":\"\(cosigner.verifierKey)\",\"format\":1,"
            + "\"log_key\":\"\(logKey.verifierKey)\",\"origin\":\"\(checkpoint.origin)\",\"root_hash\":\"\(checkpoint.rootHash.hex)\","
            + "\"timestamp\":1764900000,\"tree_size\":300}"
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        #expect(try CanonicalJSON.decode(WitnessCosignaturePayload.self, from: bytes) == payload)
        #expect(payload.verifies(author: publicKey))
        #expect(!payload.verifies(author: logKey.publicKey))
        var otherTime = payload
        otherTime.timestamp += 1
        #expect(!otherTime.verifies(author: publicKey))
        var otherRoot = payload
        otherRoot.rootHash = Hash32.sha256([1]).hex
        #expect(!otherRoot.verifies(author: publicKey))
    }

    @Test("witness cosign writes a witness.cosignature entry by the witness whose payload verifies")
    func cosignWritesAnEntry() throws {
        let net = try WitnessNetwork()
        defer { net.sites.folder.remove() }
        _ = try net.central.append(kind: "anchor", payloads: (0..<20).map { Array("{\"n\":\($0)}".utf8) })
        _ = try StaticLogPublisher.publish(net.central, to: net.published)
        let before = net.clinic.entryCount
        let done = try CheckpointWitness.cosign(net.clinic, note: try net.checkpoint(), logKey: net.logKey,
                                                fetch: StaticLogWitnessTests.fetch(net.published), timestamp: 1_764_900_000)
        #expect(net.clinic.entryCount == before + 1)
        let written = try net.clinic.witnessPayloads(WitnessCosignaturePayload.self, kind: WitnessCosignaturePayload.kind)
        #expect(written.count == 1)
        #expect(written.first?.author == net.clinic.siteKey)
        #expect(written.first?.payload == done.payload)
        #expect(done.payload.verifies(author: net.clinic.siteKey))
        #expect(done.payload.treeSize == UInt64(net.central.entryCount) && done.payload.timestamp == 1_764_900_000)
    }

    @Test("publish gathers two clinics' cosignature entries into checkpoint.witnessed; the auditor accepts it with 2 witnesses and refuses 3")
    func publishGathersCosignatures() throws {
        let net = try WitnessNetwork()
        defer { net.sites.folder.remove() }
        _ = try net.central.append(kind: "anchor", payloads: (0..<300).map { Array("{\"n\":\($0)}".utf8) })
        let first = try StaticLogPublisher.publish(net.central, to: net.published)
        #expect(first.witnessedTreeSize == nil)
        for witness in [net.clinic, net.second] {
            _ = try CheckpointWitness.cosign(witness, note: try net.checkpoint(), logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(net.published))
            try WitnessNetwork.carry(from: witness, to: net.central)
        }
        let second = try StaticLogPublisher.publish(net.central, to: net.published)
        #expect(second.treeSize > first.treeSize)
        #expect(second.witnessedTreeSize == first.treeSize && second.witnessedCosignatures == 2 && second.cosignatures == 0)
        let witnessed = try net.checkpoint(StaticLogPublisher.witnessedCheckpoint)
        #expect(try Checkpoint.open(witnessed, verifiedBy: net.logKey).treeSize == first.treeSize)
        #expect(CosignerKey.validCount(in: witnessed, of: net.witnesses) == 2)
        #expect(CosignerKey.validCount(in: try net.checkpoint(), of: net.witnesses) == 0)

        let source = FolderLogSource(directory: net.published)
        let audited = try MirrorAudit.run(source, key: net.logKey, witnesses: WitnessRequirement(count: 2, cosigners: net.witnesses))
        #expect(audited.treeSize == first.treeSize && audited.cosignatures == 2)
        let stranger = CosignerKey(site: Hash32.sha256([7]), networkID: net.central.networkID)
        let refused = #expect(throws: SiteError.self) {
            try MirrorAudit.run(source, key: net.logKey, witnesses: WitnessRequirement(count: 3, cosigners: net.witnesses.union([stranger])))
        }
        #expect(refused?.code == .checkpointUnwitnessed)
        #expect(refused?.message.contains("carries 0") == true)

        // One witness cosigns the newer checkpoint: two cosigners on the older one still win.
        _ = try CheckpointWitness.cosign(net.clinic, note: try net.checkpoint(), logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(net.published))
        try WitnessNetwork.carry(from: net.clinic, to: net.central)
        let third = try StaticLogPublisher.publish(net.central, to: net.published)
        #expect(third.witnessedTreeSize == first.treeSize && third.witnessedCosignatures == 2)
        // Both cosign it: the newer one takes over.
        // (Ed25519 is deterministic: the note central published at that size, signed again, is the same bytes.)
        let secondNote = try Checkpoint(origin: second.origin, treeSize: second.treeSize, rootHash: second.rootHash)
            .signed(with: net.central.signingKeyForBundles)
        _ = try CheckpointWitness.cosign(net.second, note: secondNote, logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(net.published))
        try WitnessNetwork.carry(from: net.second, to: net.central)
        let fourth = try StaticLogPublisher.publish(net.central, to: net.published)
        #expect(fourth.witnessedTreeSize == second.treeSize && fourth.witnessedCosignatures == 2)
        #expect(try MirrorAudit.run(source, key: net.logKey, witnesses: WitnessRequirement(count: 2, cosigners: net.witnesses)).treeSize == second.treeSize)
    }

    @Test("a split view: the first witness to see two checkpoints of one size refuses, its evidence entry reaches central and proves the fork offline; the fork is unwitnessed")
    func splitView() throws {
        let net = try WitnessNetwork()
        defer { net.sites.folder.remove() }
        _ = try net.central.append(kind: "anchor", payloads: (0..<40).map { Array("{\"n\":\($0)}".utf8) })
        _ = try StaticLogPublisher.publish(net.central, to: net.published)
        let honest = try net.checkpoint()
        _ = try CheckpointWitness.cosign(net.clinic, note: honest, logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(net.published))

        // Central signs another tree of the same size and shows it elsewhere.
        let size = try Checkpoint.open(honest, verifiedBy: net.logKey).treeSize
        let fork = net.sites.folder.path + "/fork"
        let forged = try StaticLogWitnessTests.forge(size: size, into: fork, origin: net.logKey.name, key: net.central.signingKeyForBundles)
        let before = net.clinic.entryCount
        let refusal = #expect(throws: SiteError.self) {
            try CheckpointWitness.cosign(net.clinic, note: forged, logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(fork))
        }
        #expect(refusal?.code == .splitView)
        #expect(net.clinic.entryCount == before + 1)
        let evidence = try #require(try net.clinic.witnessPayloads(WitnessSplitViewPayload.self, kind: WitnessSplitViewPayload.kind).first)
        #expect(evidence.author == net.clinic.siteKey)
        #expect(evidence.payload.conflict == .sameSizeFork && evidence.payload.check() == .proven)
        #expect(evidence.payload.cosigned == String(decoding: honest, as: UTF8.self) && evidence.payload.refused == String(decoding: forged, as: UTF8.self))
        // Shown the same fork again, it refuses without writing the evidence twice.
        let again = #expect(throws: SiteError.self) {
            try CheckpointWitness.cosign(net.clinic, note: forged, logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(fork))
        }
        #expect(again?.code == .splitView && net.clinic.entryCount == before + 1)
        // Nothing was cosigned for the fork.
        #expect(try net.clinic.witnessPayloads(WitnessCosignaturePayload.self, kind: WitnessCosignaturePayload.kind).count == 1)

        // The evidence travels like any entry.
        try WitnessNetwork.carry(from: net.clinic, to: net.central)
        try WitnessNetwork.carry(from: net.central, to: net.second)
        let atSecond = try net.second.witnessPayloads(WitnessSplitViewPayload.self, kind: WitnessSplitViewPayload.kind)
        #expect(atSecond.map(\.payload) == [evidence.payload])

        // An auditor requiring two witnesses refuses the forked log served with its checkpoint.
        try Data(forged).write(to: URL(fileURLWithPath: fork + "/checkpoint"))
        let refused = #expect(throws: SiteError.self) {
            try MirrorAudit.run(FolderLogSource(directory: fork), key: net.logKey, witnesses: WitnessRequirement(count: 2, cosigners: net.witnesses))
        }
        #expect(refused?.code == .checkpointUnwitnessed)

        // Tampered evidence does not check.
        var tampered = evidence.payload
        tampered.refused = tampered.cosigned
        if case .invalid = tampered.check() {} else { Issue.record("evidence with one checkpoint twice must not prove a fork") }
    }

    @Test("a genesis states a witnesses default only when it is at least 1, so networks without one keep their bytes and ids")
    func genesisWitnessesField() throws {
        let key = Hash32.sha256([1]), agreement = Hash32.sha256([2])
        let plain = GenesisPayload(networkName: "n", founderName: "f", founderKey: key, founderAgreementKey: agreement, created: "2026-12-05T00:00:00Z")
        let zero = GenesisPayload(networkName: "n", founderName: "f", founderKey: key, founderAgreementKey: agreement, created: "2026-12-05T00:00:00Z",
                                  witnesses: 0)
        let two = GenesisPayload(networkName: "n", founderName: "f", founderKey: key, founderAgreementKey: agreement, created: "2026-12-05T00:00:00Z",
                                 witnesses: 2)
        #expect(try CanonicalJSON.encode(zero) == CanonicalJSON.encode(plain))
        #expect(!String(decoding: try CanonicalJSON.encode(plain), as: UTF8.self).contains("witnesses"))
        #expect(String(decoding: try CanonicalJSON.encode(two), as: UTF8.self).hasSuffix(",\"witnesses\":2}"))
        #expect(try CanonicalJSON.decode(GenesisPayload.self, from: CanonicalJSON.encode(two)).witnesses == 2)
    }

    @Test("a consistency proof built from the tiles is the log's own RFC 9162 proof, from every size to the published one")
    func proofsFromTiles() throws {
        let fixture = try PublishFixture(entries: 600)
        defer { fixture.folder.remove() }
        let out = fixture.folder.path + "/pub"
        let published = try StaticLogPublisher.publish(fixture.site, to: out)
        var tree = try TileTree(checkpoint: Checkpoint(origin: published.origin, treeSize: published.treeSize, rootHash: published.rootHash),
                                fetch: StaticLogWitnessTests.fetch(out))
        #expect(try tree.consistencyProof(from: 0).path.isEmpty)
        for first in 1...published.treeSize {
            let fromTiles = try tree.consistencyProof(from: first)
            let fromLog = try fixture.site.consistencyProof(from: first, to: published.treeSize)
            #expect(fromTiles.path == fromLog.path, "from size \(first)")
            #expect(fromTiles.verify(firstRoot: fromLog.firstRoot, secondRoot: published.rootHash), "from size \(first)")
        }
        #expect(throws: SiteError.self) { try tree.consistencyProof(from: published.treeSize + 1) }
    }

    @Test("sync --mirror with witnesses counts only members the site knows, and refuses a witnessed checkpoint below the size it accepted before, not as a rollback")
    func mirrorSyncWithWitnesses() throws {
        let net = try WitnessNetwork()
        defer { net.sites.folder.remove() }
        _ = try net.central.append(kind: "anchor", payloads: (0..<300).map { Array("{\"n\":\($0)}".utf8) })
        _ = try StaticLogPublisher.publish(net.central, to: net.published)
        for witness in [net.clinic, net.second] {
            _ = try CheckpointWitness.cosign(witness, note: try net.checkpoint(), logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(net.published))
            try WitnessNetwork.carry(from: witness, to: net.central)
        }
        let second = try StaticLogPublisher.publish(net.central, to: net.published)
        #expect(second.witnessedCosignatures == 2)
        let source = FolderLogSource(directory: net.published)

        // A clinic knows only the genesis's members until it holds central's admits: no witness counts yet.
        let unknown = #expect(throws: SiteError.self) { try MirrorSync.run(net.clinic, from: source, witnesses: 1) }
        #expect(unknown?.code == .checkpointUnwitnessed && unknown?.message.contains("of 0 witness key(s)") == true)
        let latest = try MirrorSync.run(net.clinic, from: source)
        #expect(latest.treeSize == second.treeSize)
        let below = #expect(throws: SiteError.self) { try MirrorSync.run(net.clinic, from: source, witnesses: 2) }
        #expect(below?.code == .checkpointUnwitnessed)
        #expect(below?.message.contains("below the \(second.treeSize) already accepted") == true)
        #expect(net.clinic.readHistory(MirrorEvidence.self, from: "mirror-evidence.jsonl").isEmpty, "no split view was recorded")
    }
}
