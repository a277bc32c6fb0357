import Crypto

/// One member of the network as the charter currently describes it.
public struct Member: Sendable, Equatable {
    /// The site's name.
    public var name: String
    /// The site's Ed25519 signing key.
    public var key: Hash32
    /// The site's X25519 key-agreement key, once known (from its admission or its profile).
    public var agreementKey: Hash32?
    /// The site's role.
    public var role: MemberRole
    /// When set, entries this key signs at or after this time are not trusted.
    public var revokedFrom: HybridTimestamp?
    /// Why the key was revoked, when it was.
    public var revocationReason: String?
    /// When set, entries with a higher sequence are not trusted, whatever their time.
    public var lastTrustedSequence: UInt64?

    /// `active` or `revoked`, as `members list` prints it.
    public var status: String { revokedFrom == nil ? "active" : "revoked" }
}

/// Whether an author may write an entry at a given time (Specs/charter.md §4).
public enum MembershipStatus: Sendable, Equatable {
    /// An admitted member, not revoked at that time.
    case member(MemberRole)
    /// No admission for this key is known (yet): its entries wait in quarantine.
    case unknown
    /// The key was revoked at or before that time.
    case revoked
}

/// The network's membership and rules, derived from the set of charter entries.
///
/// The state is a pure function of the *set* of charter entries a site holds: admissions
/// count only when their author is governance (a fixed point grown from the founder), and
/// the earliest valid revocation of a key wins. So sites that hold the same entries agree
/// on membership whatever order the entries arrived in.
public struct NetworkCharter: Sendable {
    /// A charter entry as the charter needs it: who wrote it, when, and what it says.
    public struct Event: Sendable {
        /// The id of the entry that carries it.
        public var entryID: Hash32
        /// The entry's author.
        public var author: Hash32
        /// The entry's hybrid timestamp.
        public var timestamp: HybridTimestamp
        /// What the entry says.
        public var change: Change

        /// Creates an event.
        public init(entryID: Hash32, author: Hash32, timestamp: HybridTimestamp, change: Change) {
            self.entryID = entryID; self.author = author; self.timestamp = timestamp; self.change = change
        }
    }

    /// A change to the membership.
    public enum Change: Sendable, Equatable {
        /// A `charter.admit` entry.
        case admit(AdmitPayload)
        /// A `charter.revoke` entry.
        case revoke(RevokePayload)
        /// A `site.profile` entry, authored by the site it describes.
        case profile(SiteProfilePayload)
        /// A `charter.approve` entry: its author approves a pending admission, revocation or resolution.
        case approve(ApprovePayload)
        /// A `dispute.open` entry: a member contests an entry (§6).
        case disputeOpen(DisputeOpenPayload)
        /// A `dispute.resolve` entry: a governance site decides a dispute, under the quorum (§6).
        case disputeResolve(DisputeResolvePayload)
        /// A `charter.amend` entry: a governance site changes a network setting, under the quorum (§7).
        case amend(AmendPayload)
    }

    /// An admission or revocation written by a governance key, with who approved it (§5).
    public struct Proposal: Sendable, Equatable {
        /// The id of the `charter.admit` or `charter.revoke` entry.
        public var entryID: Hash32
        /// The governance site that wrote it; it counts as its first approver.
        public var author: Hash32
        /// The entry's hybrid timestamp.
        public var timestamp: HybridTimestamp
        /// What it changes: `.admit` (also a role change), `.revoke`, `.disputeResolve` or `.amend`.
        public var change: Change
        /// The distinct governance keys that approved it, the author included, sorted.
        public var approvers: [Hash32]
        /// Whether the change applies: the quorum approved it (or it seats the first
        /// governance sites of a quorum network).
        public var inEffect: Bool
    }

    /// The genesis that founded the network.
    public let genesis: GenesisPayload
    /// The network id: SHA-256 of the domain tag and the canonical genesis payload.
    public let networkID: Hash32
    private var events: [Hash32: Event] = [:]
    /// Members by signing key, recomputed after every change.
    public private(set) var members: [Hash32: Member] = [:]
    /// Every admission, revocation, dispute resolution and amendment by a governance key, by entry id,
    /// recomputed after every change.
    public private(set) var proposals: [Hash32: Proposal] = [:]
    /// Every dispute, by the id of its `dispute.open` entry, recomputed after every change.
    public private(set) var disputes: [Hash32: Dispute] = [:]

    /// How many distinct governance sites must approve a charter change (1 unless the genesis says more).
    public var quorum: Int { genesis.effectiveQuorum }

    /// The proposals not yet in effect, oldest first.
    public var pendingProposals: [Proposal] {
        proposals.values.filter { !$0.inEffect }.sorted { ($0.timestamp, $0.entryID) < ($1.timestamp, $1.entryID) }
    }

    /// Creates the charter of a network from its genesis payload.
    public init(genesis: GenesisPayload) throws {
        self.genesis = genesis
        self.networkID = try Self.networkID(of: genesis)
        recompute()
    }

    /// The network id a genesis payload defines (Specs/charter.md §2).
    public static func networkID(of genesis: GenesisPayload) throws -> Hash32 {
        var hasher = SHA256()
        hasher.update(data: Array("careledger/network/v1".utf8) + [0])
        hasher.update(data: try CanonicalJSON.encode(genesis))
        guard let id = Hash32(bytes: Array(hasher.finalize())) else { preconditionFailure("SHA-256 is 32 bytes") }
        return id
    }

    /// Adds a charter event; returns true when it was new. Adding the same event twice is harmless.
    @discardableResult
    public mutating func apply(_ event: Event) -> Bool {
        guard events[event.entryID] == nil else { return false }
        events[event.entryID] = event
        recompute()
        return true
    }

    /// Adds many charter events and derives the charter once (a log read whole, e.g. by an
    /// auditor, Specs/static-log.md §11.6); the same result as adding them one by one.
    public mutating func apply(contentsOf newEvents: [Event]) {
        for event in newEvents where events[event.entryID] == nil { events[event.entryID] = event }
        recompute()
    }

    /// Whether `key` may author an entry stamped `time` at `sequence` of its chain.
    ///
    /// A revoked key's entries are untrusted from `effective_from` on, and, when the
    /// revocation names the last trusted sequence, at every later sequence whatever their
    /// timestamp (a stolen key cannot backdate).
    public func status(of key: Hash32, at time: HybridTimestamp, sequence: UInt64? = nil) -> MembershipStatus {
        guard let member = members[key] else { return .unknown }
        if let revoked = member.revokedFrom {
            if time >= revoked { return .revoked }
            if let last = member.lastTrustedSequence, let sequence, sequence > last { return .revoked }
        }
        return .member(member.role)
    }

    /// The member with this name, if any.
    public func member(named name: String) -> Member? {
        members.values.filter { $0.name == name }.min { $0.key < $1.key }
    }

    /// Members sorted by name then key, for listings.
    public var sortedMembers: [Member] {
        members.values.sorted { ($0.name, $0.key) < ($1.name, $1.key) }
    }

    private mutating func recompute() {
        let quorum = genesis.effectiveQuorum
        var profileSupplied = Set<Hash32>()
        var result: [Hash32: Member] = [
            genesis.founderKey: Member(name: genesis.founderName, key: genesis.founderKey,
                                       agreementKey: genesis.founderAgreementKey, role: .governance)
        ]
        // Approvals by proposal id: the authors of `charter.approve` entries naming it (§5).
        var approvals: [Hash32: Set<Hash32>] = [:]
        for event in events.values {
            if case .approve(let payload) = event.change { approvals[payload.proposal, default: []].insert(event.author) }
        }
        let admissions = events.values.compactMap { event -> (Event, AdmitPayload)? in
            if case .admit(let payload) = event.change { return (event, payload) }
            return nil
        }.sorted { ($0.0.timestamp, $0.0.entryID) < ($1.0.timestamp, $1.0.entryID) }
        let bootstrap = Self.bootstrapAdmissions(admissions, founder: genesis.founderKey, quorum: quorum)
        // Which admissions count: a fixed point grown from the founder. Authority to admit and
        // approve is monotone (ever admitted as governance), so the governance set and every
        // approval count only grow, and the result does not depend on order.
        func approvers(of event: Event, governance: Set<Hash32>) -> Set<Hash32> {
            guard governance.contains(event.author) else { return [] }
            return approvals[event.entryID, default: []].union([event.author]).intersection(governance)
        }
        var governance: Set<Hash32> = [genesis.founderKey]
        var applied: [(Event, AdmitPayload)] = []
        var appliedIDs = Set<Hash32>()
        var changed = true
        while changed {
            changed = false
            for (event, payload) in admissions where !appliedIDs.contains(event.entryID) {
                guard bootstrap.contains(event.entryID) || approvers(of: event, governance: governance).count >= quorum else { continue }
                appliedIDs.insert(event.entryID)
                applied.append((event, payload))
                if payload.role == .governance { governance.insert(payload.key) }
                changed = true
            }
        }
        // The latest admission of a key decides its name, keys and role.
        applied.sort { ($0.0.timestamp, $0.0.entryID) < ($1.0.timestamp, $1.0.entryID) }
        for (_, payload) in applied where payload.key != genesis.founderKey {
            result[payload.key] = Member(name: payload.name, key: payload.key,
                                         agreementKey: payload.agreementKey, role: payload.role)
        }
        // Profiles supply agreement keys the admissions did not state; the latest one wins.
        let profiles = events.values.compactMap { event -> (Event, SiteProfilePayload)? in
            if case .profile(let payload) = event.change { return (event, payload) }
            return nil
        }.sorted { ($0.0.timestamp, $0.0.entryID) < ($1.0.timestamp, $1.0.entryID) }
        for (event, payload) in profiles where result[event.author]?.agreementKey == nil || profileSupplied.contains(event.author) {
            result[event.author]?.agreementKey = payload.agreementKey
            profileSupplied.insert(event.author)
        }
        // Revocations approved by a quorum of governance: the earliest effective time wins.
        var appliedRevocations = Set<Hash32>()
        for event in events.values {
            guard case .revoke(let payload) = event.change,
                  approvers(of: event, governance: governance).count >= quorum,
                  var target = result[payload.key] else { continue }
            appliedRevocations.insert(event.entryID)
            if let last = payload.lastTrustedSequence {
                target.lastTrustedSequence = min(target.lastTrustedSequence ?? last, last)
            }
            if let existing = target.revokedFrom, existing <= payload.effectiveFrom {
                result[payload.key] = target
                continue
            }
            target.revokedFrom = payload.effectiveFrom
            target.revocationReason = payload.reason
            result[payload.key] = target
        }
        members = result
        // Every admission, revocation, dispute resolution or amendment by a governance key is a proposal (§5).
        var found: [Hash32: Proposal] = [:]
        for event in events.values where governance.contains(event.author) {
            let inEffect: Bool
            switch event.change {
            case .admit: inEffect = appliedIDs.contains(event.entryID)
            case .revoke: inEffect = appliedRevocations.contains(event.entryID)
            case .disputeResolve, .amend: inEffect = approvers(of: event, governance: governance).count >= quorum
            case .profile, .approve, .disputeOpen: continue
            }
            found[event.entryID] = Proposal(
                entryID: event.entryID, author: event.author, timestamp: event.timestamp, change: event.change,
                approvers: approvers(of: event, governance: governance).sorted(), inEffect: inEffect)
        }
        proposals = found
        disputes = Self.disputes(from: Array(events.values), proposals: found)
    }

    /// The founder's first admission of each of the first `quorum - 1` distinct governance keys
    /// it admits (by timestamp, then entry id): they apply on the founder's signature alone, so a network founded with
    /// quorum K can seat the K governance sites that approve everything after (§5.2).
    static func bootstrapAdmissions(_ admissions: [(Event, AdmitPayload)], founder: Hash32, quorum: Int) -> Set<Hash32> {
        guard quorum > 1 else { return [] }
        var seated = Set<Hash32>()
        var ids = Set<Hash32>()
        for (event, payload) in admissions where event.author == founder && payload.role == .governance && payload.key != founder {
            if seated.contains(payload.key) { continue }
            if seated.count >= quorum - 1 { break }
            seated.insert(payload.key)
            ids.insert(event.entryID)
        }
        return ids
    }
}
