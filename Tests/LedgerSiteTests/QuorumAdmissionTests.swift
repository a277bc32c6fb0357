import Foundation
import LedgerCore
import LedgerNet
import LedgerSite
import Logging
import TestSupport
import Testing

/// Quorum admissions between real sites (Specs/charter.md §5): with quorum 2 one approval
/// leaves a site unadmitted everywhere (its entries quarantined, its TCP handshake refused);
/// the second approval, arriving by stick before or after the proposal, admits it everywhere.
@Suite("Quorum admission between sites")
struct QuorumAdmissionTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Founder and deputy (governance), observer (central), all admitted; a clinic that
    /// wrote visits and whose admission the founder proposed; the deputy's approval, written
    /// without holding the proposal (its id read out by phone), so the two travel apart.
    struct Network {
        let folder: TemporaryDirectory
        var founder: String { folder.path + "/founder" }
        var deputy: String { folder.path + "/deputy" }
        var observer: String { folder.path + "/observer" }
        var clinic: String { folder.path + "/clinic" }
        let proposal: Hash32
        let clinicKey: Hash32

        init() throws {
            folder = try TemporaryDirectory(prefix: "careledger-quorum-test")
            let genesis = folder.path + "/genesis.json"
            let f = try SiteLedger.foundNetwork(at: folder.path + "/founder", siteName: "founder", networkName: "q", quorum: 2, logger: quiet)
            try f.writeGenesis(to: genesis)
            let d = try SiteLedger.join(at: folder.path + "/deputy", siteName: "deputy", role: .governance, genesisPath: genesis, logger: quiet)
            let o = try SiteLedger.join(at: folder.path + "/observer", siteName: "observer", role: .central, genesisPath: genesis, logger: quiet)
            let c = try SiteLedger.join(at: folder.path + "/clinic", siteName: "clinic", role: .clinic, genesisPath: genesis, logger: quiet)
            clinicKey = c.siteKey
            // The founder seats the deputy alone (the first K-1 governance sites, §5.2).
            _ = try f.admit(AdmitPayload(key: d.siteKey, agreementKey: d.metadata.agreementKey, name: "deputy", role: .governance))
            let observerAdmission = try f.admit(AdmitPayload(key: o.siteKey, agreementKey: o.metadata.agreementKey, name: "observer", role: .central))
            _ = try d.ingest(try Self.held(f))
            _ = try d.approve(proposal: observerAdmission.id)
            _ = try f.ingest(try Self.held(d))
            _ = try o.ingest(try Self.held(f) + Self.held(d))
            try c.append(kind: "test.visit", payloads: (0..<3).map { Array("{\"visit\":\($0)}".utf8) })
            _ = try f.ingest(try Self.held(c))
            proposal = try f.admit(AdmitPayload(key: c.siteKey, agreementKey: c.metadata.agreementKey, name: "clinic", role: .clinic)).id
            try d.append(kind: SiteLedger.CharterKind.approve, payloads: [try CanonicalJSON.encode(ApprovePayload(proposal: proposal))])
            for path in [founder, deputy, observer] {
                try FileManager.default.createDirectory(atPath: path + ".stick", withIntermediateDirectories: true)
            }
        }

        /// Every entry a site holds, trusted or quarantined.
        static func held(_ ledger: SiteLedger) throws -> [[UInt8]] {
            var out: [[UInt8]] = []
            try ledger.forEachHeldEntry { _, bytes in out.append(bytes) }
            return out
        }

        func with<T>(_ path: String, _ body: (SiteLedger) throws -> T) throws -> T {
            try body(try SiteLedger.open(at: path, logger: QuorumAdmissionTests.quiet))
        }

        /// `site` writes its bundles onto its own stick.
        func write(_ site: String) throws { _ = try with(site) { try FolderSync.run($0, folder: site + ".stick") } }

        /// `reader` reads (and answers on) the stick `site` wrote.
        func read(_ site: String, at reader: String) throws { _ = try with(reader) { try FolderSync.run($0, folder: site + ".stick") } }

        /// Whether the clinic is admitted at `path`: a member, none of its entries
        /// quarantined, and its TCP handshake admitted.
        func admits(_ path: String) throws -> (member: Bool, quarantined: Int, handshake: Bool) {
            let payload = try with(clinic) { try $0.handshakeIdentity().encoded() }
            let agreement = try with(clinic) { $0.metadata.agreementKey }
            return try with(path) { ledger in
                let handshake = (try? ledger.admitPeer(staticKey: agreement, payload: payload)) != nil
                return (ledger.charter.members[clinicKey] != nil,
                        ledger.quarantined.filter { $0.entry.author == clinicKey }.count, handshake)
            }
        }
    }

    @Test("one approval leaves the clinic unadmitted at the proposer: its entries quarantined, TCP refused naming the approving command")
    func oneApprovalIsNotEnough() throws {
        let net = try Network()
        let state = try net.admits(net.founder)
        #expect(!state.member && state.quarantined == 4 && !state.handshake, "\(state)")
        let refusal: TransportError? = try net.with(net.founder) { ledger in
            let payload = try net.with(net.clinic) { try $0.handshakeIdentity().encoded() }
            let agreement = try net.with(net.clinic) { $0.metadata.agreementKey }
            do { _ = try ledger.admitPeer(staticKey: agreement, payload: payload); return nil } catch let error as TransportError { return error }
        }
        #expect(refusal?.code == .peerNotAuthorized)
        #expect(refusal?.message.contains("members approve \(net.proposal.hex)") == true, "\(String(describing: refusal))")
        let pending = try net.with(net.founder) { $0.charter.pendingProposals.map(\.entryID) }
        #expect(pending == [net.proposal])
    }

    @Test("the second approval admits the clinic everywhere, whether it reaches a site by stick before or after the proposal", arguments: [true, false])
    func secondApprovalAdmitsEverywhere(proposalFirst: Bool) throws {
        let net = try Network()
        try net.write(net.founder)
        try net.write(net.deputy)
        let first = proposalFirst ? net.founder : net.deputy
        let second = proposalFirst ? net.deputy : net.founder
        try net.read(first, at: net.observer)
        let halfway = try net.admits(net.observer)
        #expect(!halfway.member && !halfway.handshake, "one approval at the observer: \(halfway)")
        if proposalFirst { #expect(halfway.quarantined == 4, "the founder relays the clinic's quarantined entries") }
        try net.read(second, at: net.observer)
        try net.read(net.deputy, at: net.founder)
        try net.read(net.founder, at: net.deputy)
        for site in [net.founder, net.deputy, net.observer] {
            let state = try net.admits(site)
            #expect(state.member && state.quarantined == 0 && state.handshake, "\(site): \(state)")
            #expect(try net.with(site) { $0.charter.pendingProposals.isEmpty && $0.verify().ok })
        }
    }

    @Test("every seeded arrival order of the network's entries at a new site ends in the same membership, nothing left in quarantine")
    func arrivalOrdersConverge() throws {
        let net = try Network()
        var entries: [[UInt8]] = []
        var seen = Set<Hash32>()
        for site in [net.founder, net.deputy, net.observer, net.clinic] {
            try net.with(site) { ledger in
                try ledger.forEachHeldEntry { id, bytes in if seen.insert(id).inserted { entries.append(bytes) } }
            }
        }
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SeededGenerator(seed: seed)
        var reference: [String]?
        for round in 0..<8 {
            let path = net.folder.path + "/late-\(round)"
            let late = try SiteLedger.join(at: path, siteName: "late-\(round)", role: .auditor,
                                           genesisPath: net.folder.path + "/genesis.json", logger: Self.quiet)
            var pending = entries.shuffled(using: &rng)
            while !pending.isEmpty {
                let take = Int.random(in: 1...max(1, pending.count / 2), using: &rng)
                _ = try late.ingest(Array(pending.prefix(take)))
                pending.removeFirst(take)
            }
            let members = late.charter.sortedMembers.map { "\($0.name)/\($0.role.rawValue)/\($0.status)" }
            #expect(late.charter.members[net.clinicKey]?.role == .clinic, "seed \(seed), round \(round)")
            #expect(late.quarantined.isEmpty && late.charter.pendingProposals.isEmpty, "seed \(seed), round \(round)")
            if let reference { #expect(members == reference, "seed \(seed), round \(round)") } else { reference = members }
        }
    }
}
