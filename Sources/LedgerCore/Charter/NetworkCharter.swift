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
    public enum Change: Sendable {
        /// A `charter.admit` entry.
        case admit(AdmitPayload)
        /// A `charter.revoke` entry.
        case revoke(RevokePayload)
        /// A `site.profile` entry, authored by the site it describes.
        case profile(SiteProfilePayload)
    }

    /// The genesis that founded the network.
    public let genesis: GenesisPayload
    /// The network id: SHA-256 of the domain tag and the canonical genesis payload.
    public let networkID: Hash32
    private var events: [Hash32: Event] = [:]
    /// Members by signing key, recomputed after every change.
    public private(set) var members: [Hash32: Member] = [:]

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
        var profileSupplied = Set<Hash32>()
        var result: [Hash32: Member] = [
            genesis.founderKey: Member(name: genesis.founderName, key: genesis.founderKey,
                                       agreementKey: genesis.founderAgreementKey, role: .governance)
        ]
        // Admissions, applied to a fixed point: an admission counts once its author is governance.
        let admissions = events.values.compactMap { event -> (Event, AdmitPayload)? in
            if case .admit(let payload) = event.change { return (event, payload) }
            return nil
        }.sorted { ($0.0.timestamp, $0.0.entryID) < ($1.0.timestamp, $1.0.entryID) }
        // Which admissions count: a fixed point grown from the founder. Authority to admit is
        // monotone (ever admitted as governance), so the result does not depend on order.
        var governance: Set<Hash32> = [genesis.founderKey]
        var applied: [(Event, AdmitPayload)] = []
        var appliedIDs = Set<Hash32>()
        var changed = true
        while changed {
            changed = false
            for (event, payload) in admissions where !appliedIDs.contains(event.entryID) && governance.contains(event.author) {
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
        // Revocations by governance members: the earliest effective time wins.
        for event in events.values {
            guard case .revoke(let payload) = event.change,
                  governance.contains(event.author),
                  var target = result[payload.key] else { continue }
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
    }
}
