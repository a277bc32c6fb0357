import Foundation
import LedgerCore
import LedgerSite
import Logging
import TestSupport
import Testing

/// The network's witnesses default under charter amendments (Specs/charter.md §7,
/// Specs/static-log.md §8.5): the genesis's value until a `charter.amend` is in effect at the
/// verifying site, `--witnesses` over both, and nothing a non-governance author, a forger or a
/// single governance site under a quorum writes changes it.
@Suite("The witnesses default under charter amendments")
struct CharterWitnessesTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Central's log published with `checkpoint.witnessed` cosigned by the first clinic only.
    static func witnessedOnce(_ net: WitnessNetwork) throws -> StaticLogPublication {
        _ = try net.central.append(kind: "anchor", payloads: (0..<300).map { Array("{\"n\":\($0)}".utf8) })
        _ = try StaticLogPublisher.publish(net.central, to: net.published)
        _ = try CheckpointWitness.cosign(net.clinic, note: try net.checkpoint(), logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(net.published))
        try WitnessNetwork.carry(from: net.clinic, to: net.central)
        return try StaticLogPublisher.publish(net.central, to: net.published)
    }

    static func amendment(_ witnesses: Int) throws -> [[UInt8]] {
        [try CanonicalJSON.encode(AmendPayload(witnesses: witnesses))]
    }

    @Test("the default is the genesis's until an amendment is in effect; --witnesses overrides either, 0 included")
    func defaultFromGenesis() throws {
        let sites = try TwoSites(witnesses: 2)
        defer { sites.folder.remove() }
        #expect(WitnessRequirement.networkDefault(of: sites.central) == 2)
        #expect(WitnessRequirement.networkDefault(of: sites.clinic) == 2, "a joined site has it from the genesis file")
        #expect(sites.central.charter.witnessesAmendment == nil)
        #expect(WitnessRequirement.required(explicit: nil, of: sites.clinic) == 2)
        #expect(WitnessRequirement.required(explicit: 0, of: sites.clinic) == 0)
        #expect(WitnessRequirement.required(explicit: 5, of: sites.clinic) == 5)
        let plain = try TwoSites()
        defer { plain.folder.remove() }
        #expect(WitnessRequirement.networkDefault(of: plain.central) == 0)
    }

    @Test("an amendment in effect raises K: a checkpoint with fewer cosignatures is refused with the exact error, and --witnesses overrides it")
    func adoptedAmendmentRaisesK() throws {
        let net = try WitnessNetwork(witnesses: 1)
        defer { net.sites.folder.remove() }
        let published = try Self.witnessedOnce(net)
        #expect(published.witnessedCosignatures == 1)
        let witnessedSize = try #require(published.witnessedTreeSize)
        try WitnessNetwork.carry(from: net.central, to: net.clinic)
        let source = FolderLogSource(directory: net.published)
        let first = try MirrorSync.run(net.clinic, from: source, witnesses: WitnessRequirement.required(explicit: nil, of: net.clinic))
        #expect(first.treeSize == witnessedSize)

        // Central (governance, quorum 1) amends the charter; the amendment reaches the clinic.
        let entry = try net.central.amendWitnesses(2)
        #expect(entry.kind == SiteLedger.CharterKind.amend)
        #expect(String(decoding: entry.payload, as: UTF8.self) == "{\"witnesses\":2}")
        #expect(net.central.charter.witnessesAmendment?.entryID == entry.id && net.central.charter.witnessesDefault == 2)
        #expect(WitnessRequirement.networkDefault(of: net.clinic) == 1, "not in force at the clinic before it holds the amendment")
        try WitnessNetwork.carry(from: net.central, to: net.clinic)
        #expect(WitnessRequirement.networkDefault(of: net.clinic) == 2)

        let refused = #expect(throws: SiteError.self) {
            try MirrorSync.run(net.clinic, from: source, witnesses: WitnessRequirement.required(explicit: nil, of: net.clinic))
        }
        #expect(refused?.code == .checkpointUnwitnessed)
        #expect(refused?.message == "\(source.location): 2 cosignature(s) by distinct witnesses required; the checkpoint carries 0, checkpoint.witnessed: 1 (of 2 witness key(s) accepted)")
        // The command line's --witnesses overrides the charter.
        let overridden = try MirrorSync.run(net.clinic, from: source, witnesses: WitnessRequirement.required(explicit: 1, of: net.clinic))
        #expect(overridden.treeSize == witnessedSize)

        // The same value again is refused; the amendment survives a reopen (replayed from the log).
        let again = #expect(throws: CoreError.self) { try net.central.amendWitnesses(2) }
        #expect(again?.code == .alreadyExists)
        let reopened = try SiteLedger.openSnapshot(at: net.sites.folder.path + "/clinic", logger: Self.quiet)
        #expect(reopened.charter.witnessesDefault == 2)
    }

    @Test("an auditor with no site reads the amendment in the checked tree: a checkpoint past it with one cosignature is refused, an explicit --witnesses 1 accepts it")
    func auditorReadsTheAmendmentInTheTree() throws {
        let net = try WitnessNetwork(witnesses: 1)
        defer { net.sites.folder.remove() }
        let before = try Self.witnessedOnce(net)
        let source = FolderLogSource(directory: net.published)
        let genesis = try MirrorGenesis.read(source, key: net.logKey)
        #expect(genesis.witnesses == 1)
        let beforeAudit = try MirrorAudit.run(source, key: net.logKey, witnesses: WitnessRequirement(count: 1, cosigners: net.witnesses), genesis: genesis)
        #expect(beforeAudit.treeSize == before.witnessedTreeSize && beforeAudit.witnessesInForce == 1)

        let amendment = try net.central.amendWitnesses(2)
        let amended = try StaticLogPublisher.publish(net.central, to: net.published)
        _ = try CheckpointWitness.cosign(net.clinic, note: try net.checkpoint(), logKey: net.logKey, fetch: StaticLogWitnessTests.fetch(net.published))
        try WitnessNetwork.carry(from: net.clinic, to: net.central)
        let after = try StaticLogPublisher.publish(net.central, to: net.published)
        #expect(after.witnessedTreeSize == amended.treeSize && after.witnessedCosignatures == 1)

        let refused = #expect(throws: SiteError.self) {
            try MirrorAudit.run(source, key: net.logKey, witnesses: WitnessRequirement(count: 1, cosigners: net.witnesses), genesis: genesis)
        }
        #expect(refused?.code == .checkpointUnwitnessed)
        #expect(refused?.message == "\(source.location): the charter in force at tree size \(amended.treeSize) (the charter.amend entry \(amendment.id.hex)) requires 2 witness cosignature(s); the checkpoint checked carries 1 by the 2 witness key(s) given: check again with --witnesses 2 and 2 distinct --witness-key")
        let explicit = try MirrorAudit.run(source, key: net.logKey, witnesses: WitnessRequirement(count: 1, cosigners: net.witnesses))
        #expect(explicit.treeSize == amended.treeSize && explicit.witnessesInForce == nil)
    }
}

@Suite("Amendments that must not change the witnesses default")
struct CharterWitnessesRefusalTests {
    static let quiet = CharterWitnessesTests.quiet

    static func held(_ ledger: SiteLedger) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        try ledger.forEachHeldEntry { _, bytes in out.append(bytes) }
        return out
    }

    @Test("under quorum 2 one governance site's amendment is pending and changes nothing until a second approves it")
    func pendingUnderQuorum() throws {
        let root = try TemporaryDirectory(prefix: "charter-witnesses")
        defer { root.remove() }
        let founder = try SiteLedger.foundNetwork(at: root.path + "/founder", siteName: "founder", networkName: "q", quorum: 2,
                                                  witnesses: 2, logger: Self.quiet)
        try founder.writeGenesis(to: root.path + "/genesis.json")
        let deputy = try SiteLedger.join(at: root.path + "/deputy", siteName: "deputy", role: .governance,
                                         genesisPath: root.path + "/genesis.json", logger: Self.quiet)
        _ = try founder.admit(AdmitPayload(key: deputy.siteKey, agreementKey: nil, name: "deputy", role: .governance))
        let lower = try founder.amendWitnesses(0)
        #expect(founder.charter.witnessesDefault == 2 && founder.charter.witnessesAmendment == nil)
        #expect(founder.charter.pendingProposals.map(\.entryID) == [lower.id])
        _ = try deputy.ingest(try Self.held(founder))
        #expect(deputy.charter.witnessesDefault == 2, "one governance approval of two: not in effect")
        _ = try deputy.approve(proposal: lower.id)
        #expect(deputy.charter.witnessesDefault == 0 && deputy.charter.witnessesAmendment?.entryID == lower.id)
        _ = try founder.ingest(try Self.held(deputy))
        #expect(founder.charter.witnessesDefault == 0)
    }

    @Test("a clinic's amendment (refused by the API, or written by hand) and one forged under central's key change nothing, also when a mirror serves them")
    func nonGovernanceAndForged() throws {
        let net = try WitnessNetwork(witnesses: 1)
        defer { net.sites.folder.remove() }
        let notPermitted = #expect(throws: CoreError.self) { try net.clinic.amendWitnesses(0) }
        #expect(notPermitted?.code == .notPermitted)
        let byHand = try net.clinic.append(kind: SiteLedger.CharterKind.amend, payloads: CharterWitnessesTests.amendment(0))[0]
        #expect(net.clinic.charter.witnessesDefault == 1)
        try WitnessNetwork.carry(from: net.clinic, to: net.central)
        #expect(net.central.charter.witnessesDefault == 1 && net.central.charter.proposals[byHand.id] == nil)
        // Out of range, by governance itself: kept, changes nothing.
        let last = try net.central.append(kind: SiteLedger.CharterKind.amend, payloads: [Array("{\"witnesses\":-1}".utf8)])[0]
        #expect(net.central.charter.witnessesDefault == 1 && net.central.charter.proposals[last.id] == nil)

        // An amendment under central's key with a signature central did not make: the ingest refuses it whole.
        let content = try EntryContent(networkID: net.central.networkID, author: net.central.siteKey, sequence: last.sequence + 1,
                                       links: [last.id], timestamp: last.timestamp, kind: SiteLedger.CharterKind.amend,
                                       payload: try CharterWitnessesTests.amendment(0)[0])
        let forged = try Entry(content: content, signature: last.signature)
        let refused = #expect(throws: CoreError.self) { _ = try net.second.ingest([forged.encoded]) }
        #expect(refused?.code == .badSignature)
        #expect(net.second.charter.witnessesDefault == 1)

        // A site catching up from central's mirror gets the clinic's entry and keeps the default.
        _ = try net.central.append(kind: "anchor", payloads: (0..<300).map { Array("{\"n\":\($0)}".utf8) })
        _ = try StaticLogPublisher.publish(net.central, to: net.published)
        _ = try MirrorSync.run(net.second, from: FolderLogSource(directory: net.published), witnesses: 0)
        #expect(try net.second.entry(id: byHand.id) != nil)
        #expect(net.second.charter.witnessesDefault == 1 && WitnessRequirement.networkDefault(of: net.second) == 1)
    }
}
