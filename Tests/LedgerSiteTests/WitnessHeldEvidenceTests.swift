import Foundation
import LedgerCore
import LedgerSite
import Testing

/// A witness, and a mirror catch-up, act on split-view evidence another witness wrote
/// (Specs/static-log.md §8.6): issue 19.
@Suite("Split-view evidence from another witness")
struct WitnessHeldEvidenceTests {
    @Test("clinic A's split-view entry reaches clinic B by a bundle; B then refuses to cosign either checkpoint and to catch up from the log, naming A's entry, and writes nothing")
    func evidenceFromAnotherWitnessIsActedOn() throws {
        let net = try WitnessNetwork()
        defer { net.sites.folder.remove() }
        _ = try net.central.append(kind: "anchor", payloads: (0..<40).map { Array("{\"n\":\($0)}".utf8) })
        _ = try StaticLogPublisher.publish(net.central, to: net.published)
        let honest = try net.checkpoint()
        let size = try Checkpoint.open(honest, verifiedBy: net.logKey).treeSize
        let fork = net.sites.folder.path + "/fork"
        let forged = try StaticLogWitnessTests.forge(size: size, into: fork, origin: net.logKey.name, key: net.central.signingKeyForBundles)
        try Data(forged).write(to: URL(fileURLWithPath: fork + "/checkpoint"))

        // Clinic A (which knows clinic B from central's charter entries) sees both and refuses the second.
        try WitnessNetwork.carry(from: net.central, to: net.clinic)
        _ = try CheckpointWitness.cosign(net.clinic, note: honest, logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(net.published))
        #expect(throws: SiteError.self) {
            try CheckpointWitness.cosign(net.clinic, note: forged, logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(fork))
        }
        let evidence = try #require(try WitnessEvidence.list(net.clinic).first)
        #expect(evidence.finding == .proven && evidence.author == net.clinic.siteKey)

        // A's log reaches B on a stick: one bundle file.
        let path = net.sites.folder.path + "/to-clinic-2.clbundle"
        try BundleFiles.write(try net.clinic.writeBundle(to: [try net.clinic.member("clinic-2")]).bytes, to: path)
        #expect(try BundleImporter.importFiles([path], into: net.second).rejected.isEmpty)
        #expect(try WitnessEvidence.list(net.second).map(\.entryID) == [evidence.entryID])

        // B has cosigned nothing for this log, so its own checks find no conflict; A's entry does.
        let entries = net.second.entryCount
        for (note, folder) in [(forged, fork), (honest, net.published)] {
            let refusal = #expect(throws: SiteError.self) {
                try CheckpointWitness.cosign(net.second, note: note, logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(folder))
            }
            #expect(refusal?.code == .splitView)
            #expect(refusal?.message.contains(evidence.entryID.hex) == true, "\(refusal?.message ?? "")")
        }
        #expect(net.second.entryCount == entries, "nothing cosigned, no second evidence entry")
        #expect(try net.second.witnessPayloads(WitnessCosignaturePayload.self, kind: WitnessCosignaturePayload.kind)
            .map(\.author) == [net.clinic.siteKey], "only A's cosignature of the honest one, carried by the bundle")

        // The rule's bound: every size from the smaller checkpoint's on is contradicted, a smaller one is not.
        #expect(try WitnessEvidence.contradicted(by: size, origin: net.logKey.name, logKey: net.logKey, in: net.second)?.fromSize == size)
        #expect(try WitnessEvidence.contradicted(by: size + 7, origin: net.logKey.name, logKey: net.logKey, in: net.second) != nil)
        #expect(try WitnessEvidence.contradicted(by: size - 1, origin: net.logKey.name, logKey: net.logKey, in: net.second) == nil)
        #expect(try WitnessEvidence.contradicted(by: size, origin: "other.example/log", logKey: net.logKey, in: net.second) == nil)

        // A catch-up from the (consistent-looking) published log is refused too: nothing fetched or ingested.
        let refusedSync = #expect(throws: SiteError.self) {
            try MirrorSync.run(net.second, from: FolderLogSource(directory: net.published))
        }
        #expect(refusedSync?.code == .splitView && refusedSync?.message.contains(evidence.entryID.hex) == true)
        #expect(net.second.entryCount == entries)
    }
}
