import CanonicalJSON
import Foundation

/// A site's role in the network, as the charter records it.
public enum MemberRole: String, Codable, Sendable, CaseIterable {
    /// A clinic: appends consents, anchors and access decisions.
    case clinic
    /// A field team: carries bundles between sites and relays others' entries.
    case field
    /// A central site: merges what many clinics send.
    case central
    /// An auditor: reads and verifies, writes audit reports.
    case auditor
    /// A governance site: may admit and revoke members (Specs/charter.md §3).
    case governance
}

/// How concurrent consent heads are resolved network-wide (Specs/consent.md §5.1); chosen
/// per network in the charter and applied by the consent engine. The one definition.
public enum ConflictRule: String, Codable, Sendable, Hashable, CaseIterable {
    /// Default: a concurrent denial or revocation wins for the overlapping scope.
    case denyOverrides = "deny-overrides"
    /// The head with the latest hybrid logical clock time wins; ties go to the larger version id.
    case latestWins = "latest-wins"
}

/// The payload of the `charter.genesis` entry that founds a network (Specs/charter.md §2).
public struct GenesisPayload: Codable, Sendable, Equatable {
    /// The network's human name.
    public var networkName: String
    /// The founding site's name.
    public var founderName: String
    /// The founder's Ed25519 signing key: the first governance key.
    public var founderKey: Hash32
    /// The founder's X25519 key-agreement key, for bundles addressed to it.
    public var founderAgreementKey: Hash32
    /// How consent conflicts are resolved.
    public var conflictRule: ConflictRule
    /// Whether a patient with no consent on record is permitted (opt-out) or denied (opt-in).
    public var optOut: Bool
    /// When the network was founded, RFC 3339 UTC; informational.
    public var created: String
    /// How many distinct governance sites must approve a charter change (Specs/charter.md §5);
    /// absent means 1, and a quorum of 1 is never written, so such networks keep their ids.
    public var quorum: Int?
    /// How many witness cosignatures `sync --mirror` requires by default (Specs/static-log.md §8.5);
    /// absent means 0, and 0 is never written, so networks without one keep their ids.
    public var witnesses: Int?

    /// Creates a genesis payload; a `quorum` of 1 (or less) and `witnesses` of 0 (or less) are stored as absent.
    public init(networkName: String, founderName: String, founderKey: Hash32, founderAgreementKey: Hash32,
                conflictRule: ConflictRule = .denyOverrides, optOut: Bool = false, created: String, quorum: Int? = nil,
                witnesses: Int? = nil) {
        self.networkName = networkName; self.founderName = founderName; self.founderKey = founderKey
        self.founderAgreementKey = founderAgreementKey; self.conflictRule = conflictRule; self.optOut = optOut
        self.created = created
        self.quorum = (quorum ?? 1) > 1 ? quorum : nil
        self.witnesses = (witnesses ?? 0) > 0 ? witnesses : nil
    }

    /// The quorum the charter applies: the stated one, at least 1.
    public var effectiveQuorum: Int { max(1, quorum ?? 1) }

    enum CodingKeys: String, CodingKey {
        case networkName = "network_name", founderName = "founder_name", founderKey = "founder_key"
        case founderAgreementKey = "founder_agreement_key", conflictRule = "conflict_rule", optOut = "opt_out", created
        case quorum, witnesses
    }
}

/// The payload of a `charter.admit` entry: a governance site admits a site's keys.
public struct AdmitPayload: Codable, Sendable, Equatable {
    /// The admitted site's Ed25519 signing key.
    public var key: Hash32
    /// The admitted site's X25519 key-agreement key, when the admitting site knows it; else
    /// the site's own `site.profile` entry supplies it.
    public var agreementKey: Hash32?
    /// The admitted site's name, unique in the network.
    public var name: String
    /// The admitted site's role.
    public var role: MemberRole

    /// Creates an admission.
    public init(key: Hash32, agreementKey: Hash32?, name: String, role: MemberRole) {
        self.key = key; self.agreementKey = agreementKey; self.name = name; self.role = role
    }

    enum CodingKeys: String, CodingKey { case key, agreementKey = "agreement_key", name, role }
}

/// The payload of a `site.profile` entry: a site states its own key-agreement key.
///
/// Signed by the site's own Ed25519 key, so the binding of the two keys is authentic; it
/// lets `members admit` name a site by its signing key alone (Specs/charter.md §3).
public struct SiteProfilePayload: Codable, Sendable, Equatable {
    /// The site's X25519 key-agreement key.
    public var agreementKey: Hash32
    /// The name the site gave itself.
    public var name: String

    /// Creates a profile.
    public init(agreementKey: Hash32, name: String) {
        self.agreementKey = agreementKey; self.name = name
    }

    enum CodingKeys: String, CodingKey { case agreementKey = "agreement_key", name }
}

/// The payload of a `charter.revoke` entry: a key stops being trusted from a stated time on.
public struct RevokePayload: Codable, Sendable, Equatable {
    /// The revoked Ed25519 signing key.
    public var key: Hash32
    /// Why, for the audit trail (no patient data).
    public var reason: String
    /// Entries the key signs at or after this hybrid time are quarantined.
    public var effectiveFrom: HybridTimestamp
    /// The key's last sequence the revoking site held: any later sequence is quarantined
    /// whatever its timestamp, so a thief cannot backdate new entries.
    public var lastTrustedSequence: UInt64?

    /// Creates a revocation.
    public init(key: Hash32, reason: String, effectiveFrom: HybridTimestamp, lastTrustedSequence: UInt64? = nil) {
        self.key = key; self.reason = reason; self.effectiveFrom = effectiveFrom
        self.lastTrustedSequence = lastTrustedSequence
    }

    enum CodingKeys: String, CodingKey {
        case key, reason, effectiveFrom = "effective_from", lastTrustedSequence = "last_trusted_sequence"
    }
}

/// The payload of a `charter.approve` entry: a governance site approves a pending charter
/// change, named by the id of the `charter.admit` or `charter.revoke` entry that proposed it
/// (Specs/charter.md §5).
public struct ApprovePayload: Codable, Sendable, Equatable {
    /// The id of the proposing `charter.admit` or `charter.revoke` entry.
    public var proposal: Hash32

    /// Creates an approval.
    public init(proposal: Hash32) { self.proposal = proposal }
}

/// Canonical JSON for `Codable` payloads (Specs/canonical-json.md).
///
/// Entry ids hash payload bytes, so every site must produce the same bytes for the same value.
public enum CanonicalJSON {
    /// Encodes a value canonically: Foundation builds the JSON, the canonical writer fixes
    /// its bytes (Foundation's own escaping and number text vary by platform and version).
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return JSONWriter.canonical(try JSONParser.parse(Array(try encoder.encode(value))))
    }

    /// Decodes a value, rejecting anything that does not parse as `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(bytes))
    }
}
