import Foundation
import LedgerCore
import Testing

/// Only governance keys change membership (Specs/charter.md §4): charter entries written by
/// ordinary members are kept but change nothing, and the result does not depend on order.
@Suite("Charter authority")
struct CharterAuthorityTests {
    static func entriesOf(_ path: String, appending count: Int = 1, tag: String) throws -> (key: Hash32, entries: [[UInt8]]) {
        let site = try SiteLedger.open(at: path)
        try site.append(kind: "anchor", payloads: Ledgers.payloads(count, tag: tag))
        return (site.siteKey, try Ledgers.encodings(site))
    }

    @Test("an admission or revocation written by a clinic, not governance, changes no membership")
    func clinicCannotAdmitOrRevoke() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let clinicPath = try network.join("clinic")
        let intruder = try Self.entriesOf(try network.join("intruder"), tag: "i")
        let founderKey: Hash32
        let founderEntries: [[UInt8]]
        let clinicKey = try Ledgers.keys(of: clinicPath).signingPublicKey
        do {
            let founder = try network.founder()
            founderKey = founder.siteKey
            _ = try founder.admit(AdmitPayload(key: clinicKey, agreementKey: nil, name: "clinic", role: .clinic))
            founderEntries = try Ledgers.encodings(founder)
        }
        let clinicEntries: [[UInt8]]
        do {
            let clinic = try SiteLedger.open(at: clinicPath)
            _ = try clinic.ingest(founderEntries)
            #expect(throws: CoreError.self) {
                _ = try clinic.admit(AdmitPayload(key: intruder.key, agreementKey: nil, name: "intruder", role: .governance))
            }
            // Written by hand, as a modified build would: the entries are validly signed by the clinic.
            let admit = try CanonicalJSON.encode(AdmitPayload(key: intruder.key, agreementKey: nil, name: "intruder", role: .governance))
            try clinic.append(kind: SiteLedger.CharterKind.admit, payloads: [admit])
            let revoke = try CanonicalJSON.encode(RevokePayload(key: founderKey, reason: "coup", effectiveFrom: HybridTimestamp(wallMillis: 0, counter: 0)))
            try clinic.append(kind: SiteLedger.CharterKind.revoke, payloads: [revoke])
            clinicEntries = try Ledgers.encodings(clinic)
        }
        let observer = try SiteLedger.open(at: try network.join("observer"))
        let report = try observer.ingest(intruder.entries + clinicEntries.reversed())
        #expect(observer.charter.members[intruder.key] == nil, "a clinic's admission does not apply")
        #expect(observer.charter.members[founderKey]?.revokedFrom == nil, "a clinic's revocation does not apply")
        #expect(observer.quarantined.count == 2 && observer.quarantined.allSatisfy { $0.entry.author == intruder.key }, "\(report)")
        #expect(observer.verify().ok)
    }

    @Test("a governance key admitted by the founder can admit others, whatever order the entries arrive in")
    func delegatedGovernanceIsOrderIndependent() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let deputyPath = try network.join("deputy", role: .central)
        let member = try Self.entriesOf(try network.join("member"), appending: 3, tag: "m")
        let deputyKey = try Ledgers.keys(of: deputyPath).signingPublicKey
        let founderEntries: [[UInt8]]
        do {
            let founder = try network.founder()
            _ = try founder.admit(AdmitPayload(key: deputyKey, agreementKey: nil, name: "deputy", role: .governance))
            founderEntries = try Ledgers.encodings(founder)
        }
        let deputyEntries: [[UInt8]]
        do {
            let deputy = try SiteLedger.open(at: deputyPath)
            _ = try deputy.ingest(founderEntries)
            _ = try deputy.admit(AdmitPayload(key: member.key, agreementKey: nil, name: "member", role: .clinic))
            deputyEntries = try Ledgers.encodings(deputy).filter { try Entry.decode($0).author == deputyKey }
        }
        // Two observers: one gets everything at once in reverse, the other piece by piece, worst first.
        let all = founderEntries + deputyEntries + member.entries
        let first = try SiteLedger.open(at: try network.join("observer-1"))
        _ = try first.ingest(all.reversed())
        let second = try SiteLedger.open(at: try network.join("observer-2"))
        _ = try second.ingest(member.entries)
        _ = try second.ingest(deputyEntries)
        #expect(second.charter.members[member.key] == nil, "the deputy's admission waits for the deputy's own admission")
        #expect(!second.quarantined.isEmpty)
        _ = try second.ingest(founderEntries)
        for observer in [first, second] {
            #expect(observer.quarantined.isEmpty, "every entry is trusted once the founder's delegation is known")
            #expect(observer.charter.members[member.key]?.role == .clinic)
            #expect(observer.charter.members[deputyKey]?.role == .governance)
            #expect(observer.verify().ok)
        }
        let membersFirst = first.charter.sortedMembers.map { "\($0.key.hex)/\($0.role)/\($0.status)" }
        let membersSecond = second.charter.sortedMembers.map { "\($0.key.hex)/\($0.role)/\($0.status)" }
        #expect(membersFirst == membersSecond)
    }
}
