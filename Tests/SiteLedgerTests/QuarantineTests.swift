import Foundation
import LedgerCore
import Testing

/// Issue 3 acceptance: entries from unknown keys are quarantined and released when their
/// admission arrives; a revoked key's later entries stay quarantined (Specs/charter.md §4).
@Suite("Quarantine")
struct QuarantineTests {
    /// A network with a founder and a joined clinic that appended `count` anchors.
    /// Returns the clinic's key and every entry of its log (genesis included).
    static func clinicWithEntries(_ network: TestNetwork, count: Int) throws -> (key: Hash32, entries: [[UInt8]]) {
        let path = try network.join("clinic-q")
        let clinic = try SiteLedger.open(at: path)
        try clinic.append(kind: "anchor", payloads: Ledgers.payloads(count, tag: "q"))
        return (clinic.siteKey, try Ledgers.encodings(clinic))
    }

    static func admission(of key: Hash32) -> AdmitPayload {
        AdmitPayload(key: key, agreementKey: nil, name: "clinic-q", role: .clinic)
    }

    @Test("an unknown key's entries are quarantined, not trusted, and released when the founder admits the key")
    func unknownKeyIsQuarantinedThenReleased() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let clinic = try Self.clinicWithEntries(network, count: 3)
        let founder = try network.founder()
        let before = founder.entryCount
        let report = try founder.ingest(clinic.entries)
        #expect(report.quarantined == 4, "profile and three anchors: \(report)")
        #expect(report.imported == 0 && report.alreadyHad == 1)
        #expect(founder.entryCount == before, "nothing enters the trusted log")
        #expect(founder.quarantined.count == 4)
        #expect(founder.quarantined.allSatisfy { $0.reason == .unknownAuthor && $0.entry.author == clinic.key })
        #expect(founder.statistics().quarantined == 4)
        for held in founder.quarantined {
            #expect(try founder.leafIndex(of: held.entry.id) == nil, "a quarantined entry has no place in the Merkle log")
            #expect(throws: CoreError.self) { try founder.inclusionProof(for: held.entry.id, treeSize: UInt64(founder.entryCount)) }
        }

        _ = try founder.admit(Self.admission(of: clinic.key))
        #expect(founder.quarantined.isEmpty)
        #expect(founder.entryCount == before + 1 + 4, "the admission and the four released entries")
        for encoded in clinic.entries.dropFirst() {
            let id = try Entry.decode(encoded).id
            #expect(try founder.leafIndex(of: id) != nil)
        }
        #expect(founder.verify().ok)
    }

    @Test("entries and their admission arriving in one batch are all trusted at once")
    func admissionInTheSameBatchReleases() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let clinic = try Self.clinicWithEntries(network, count: 3)
        let founderEntries: [[UInt8]]
        do {
            let founder = try network.founder()
            _ = try founder.admit(Self.admission(of: clinic.key))
            founderEntries = try Ledgers.encodings(founder)
        }
        // A third site learns of both at once, the admission last in the batch.
        let observer = try SiteLedger.open(at: try network.join("observer"))
        let before = observer.entryCount
        let report = try observer.ingest(Array(clinic.entries.reversed()) + founderEntries)
        #expect(report.quarantined == 0 && observer.quarantined.isEmpty, "\(report)")
        #expect(observer.entryCount == before + 4 + 1)
        #expect(observer.verify().ok)
    }

    @Test("entries quarantined in one batch are released by an admission in a later batch")
    func admissionInALaterBatchReleases() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let clinic = try Self.clinicWithEntries(network, count: 3)
        let observer = try SiteLedger.open(at: try network.join("observer"))
        let first = try observer.ingest(clinic.entries)
        #expect(first.quarantined == 4)
        let founderEntries: [[UInt8]]
        do {
            let founder = try network.founder()
            _ = try founder.admit(Self.admission(of: clinic.key))
            founderEntries = try Ledgers.encodings(founder)
        }
        let second = try observer.ingest(founderEntries)
        #expect(second.released == 4 && second.imported == 1, "\(second)")
        #expect(observer.quarantined.isEmpty)
    }

    @Test("a revoked key's entries stamped before the revocation are trusted, later ones stay quarantined")
    func revokedKeyLaterEntriesStayQuarantined() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let path = try network.join("clinic-r")
        let clinic = try SiteLedger.open(at: path)
        let founder = try network.founder()
        _ = try founder.admit(AdmitPayload(key: clinic.siteKey, agreementKey: nil, name: "clinic-r", role: .clinic))
        let early = try clinic.append(kind: "anchor", payloads: Ledgers.payloads(2, tag: "early"))
        let cut = try #require(early.last).timestamp
        let effective = HybridTimestamp(wallMillis: cut.wallMillis, counter: cut.counter + 1)
        _ = try founder.revoke(key: clinic.siteKey, reason: "laptop stolen", effectiveFrom: effective)
        let late = try clinic.append(kind: "anchor", payloads: Ledgers.payloads(2, tag: "late"))
        #expect(late.allSatisfy { $0.timestamp >= effective })

        let report = try founder.ingest(try Ledgers.encodings(clinic))
        for entry in early { #expect(try founder.leafIndex(of: entry.id) != nil, "stamped before the revocation") }
        for entry in late { #expect(try founder.leafIndex(of: entry.id) == nil, "stamped after the revocation") }
        #expect(Set(founder.quarantined.map(\.entry.id)) == Set(late.map(\.id)), "\(report)")
        #expect(founder.quarantined.allSatisfy { $0.reason == .revokedAuthor })
        #expect(try founder.releaseQuarantine().released == 0, "nothing releases a revoked key's later entries")
        #expect(founder.verify().ok)
    }

    @Test("quarantined entries survive a reopen and are still released by a later admission")
    func quarantineSurvivesReopen() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let clinic = try Self.clinicWithEntries(network, count: 3)
        let held: Set<Hash32>
        do {
            let founder = try network.founder()
            _ = try founder.ingest(clinic.entries)
            held = Set(founder.quarantined.map(\.entry.id))
            #expect(held.count == 4)
        }
        do {
            let founder = try network.founder()
            #expect(Set(founder.quarantined.map(\.entry.id)) == held)
            #expect(founder.quarantined.allSatisfy { $0.reason == .unknownAuthor })
            #expect(try founder.ingest(clinic.entries).alreadyHad == clinic.entries.count, "held entries are not taken twice")
            _ = try founder.admit(Self.admission(of: clinic.key))
            #expect(founder.quarantined.isEmpty)
        }
        let founder = try network.founder()
        #expect(founder.quarantined.isEmpty, "released entries do not come back after a reopen")
        for id in held { #expect(try founder.leafIndex(of: id) != nil) }
        #expect(founder.verify().ok)
    }

    @Test("an admitted member's entries whose predecessor is missing wait in quarantine until it arrives")
    func missingPredecessorWaits() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let clinic = try Self.clinicWithEntries(network, count: 4)
        let founder = try network.founder()
        _ = try founder.admit(Self.admission(of: clinic.key))
        let late = Array(clinic.entries.suffix(2)), early = Array(clinic.entries.dropLast(2))
        let first = try founder.ingest(late)
        #expect(first.quarantined == 2 && founder.quarantined.allSatisfy { $0.reason == .missingPredecessor }, "\(first)")
        let second = try founder.ingest(early)
        #expect(second.imported == 3 && second.released == 2, "\(second)")
        #expect(founder.quarantined.isEmpty)
        #expect(try founder.ingest(clinic.entries).alreadyHad == clinic.entries.count, "ingest is idempotent")
        #expect(founder.verify().ok)
    }

    @Test("a stolen, revoked key cannot get a new entry trusted by backdating it before the revocation")
    func backdatedEntryOfRevokedKeyIsNotTrusted() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let path = try network.join("clinic-s")
        let stolen = try Ledgers.keys(of: path)
        let founder = try network.founder()
        _ = try founder.admit(AdmitPayload(key: stolen.signingPublicKey, agreementKey: nil, name: "clinic-s", role: .clinic))
        let honest: [[UInt8]]
        do {
            let clinic = try SiteLedger.open(at: path)
            try clinic.append(kind: "anchor", payloads: Ledgers.payloads(2, tag: "honest"))
            honest = try Ledgers.encodings(clinic)
        }
        _ = try founder.ingest(honest)
        _ = try founder.revoke(key: stolen.signingPublicKey, reason: "laptop stolen")
        // The thief signs a new entry after the revocation, stamped just after the last honest one.
        let last = try Entry.decode(try #require(honest.last))
        let content = try EntryContent(
            networkID: last.networkID, author: last.author, sequence: last.sequence + 1, links: [last.id],
            timestamp: HybridTimestamp(wallMillis: last.timestamp.wallMillis, counter: last.timestamp.counter + 1),
            kind: "anchor", payload: Array("{\"forged\":true}".utf8))
        let forged = try Entry.sign(content, with: stolen)
        _ = try founder.ingest([forged.encoded])
        let trusted = try founder.leafIndex(of: forged.id) != nil
        #expect(!trusted, "an entry signed after the revocation entered the trusted log")
    }

    @Test("an admission applied by a plain append, or found on reopen, also releases the quarantine")
    func everyAppliedAdmissionReleases() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let clinic = try Self.clinicWithEntries(network, count: 2)
        let stillHeld: Int
        do {
            let founder = try network.founder()
            _ = try founder.ingest(clinic.entries)
            // As a crash between admit's append and its release would leave it.
            try founder.append(kind: SiteLedger.CharterKind.admit, payloads: [try CanonicalJSON.encode(Self.admission(of: clinic.key))])
            #expect(founder.charter.members[clinic.key] != nil)
            stillHeld = founder.quarantined.count
        }
        let reopened = try network.founder()
        #expect(stillHeld == 0)
        #expect(reopened.quarantined.isEmpty, "\(reopened.quarantined.map { $0.reason })")
        for encoded in clinic.entries {
            #expect(try reopened.leafIndex(of: Entry.decode(encoded).id) != nil, "released into the trusted log")
        }
        #expect(try reopened.releaseQuarantine().released == 0, "nothing left to release")
    }
}
