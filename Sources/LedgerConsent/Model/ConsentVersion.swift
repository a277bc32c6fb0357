import LedgerCore

/// A patient's network pseudonym: HMAC-SHA256 of the patient's identifier (Specs/consent.md §4).
///
/// The only way a patient is named anywhere in CareLedger; 32 bytes, shown as hex.
public struct PatientPseudonym: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 32 bytes of the keyed hash.
    public let value: Hash32

    /// Wraps a keyed-hash value.
    public init(_ value: Hash32) { self.value = value }

    /// Parses 64 hex digits; nil for anything else.
    public init?(hex: String) {
        guard let value = Hash32(hex: hex) else { return nil }
        self.value = value
    }

    /// Lowercase hex, 64 characters.
    public var hex: String { value.hex }
    /// Lowercase hex, 64 characters.
    public var description: String { value.hex }

    public static func < (lhs: PatientPseudonym, rhs: PatientPseudonym) -> Bool { lhs.value < rhs.value }
}

/// What identifies one consent across its versions: the patient and the consent's logical id.
public struct ConsentKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whose consent.
    public var patient: PatientPseudonym
    /// The consent's logical id (FHIR `Consent.id`).
    public var consentId: String

    /// Creates a key.
    public init(patient: PatientPseudonym, consentId: String) {
        self.patient = patient
        self.consentId = consentId
    }

    /// `pseudonym/consentId`.
    public var description: String { "\(patient.hex)/\(consentId)" }

    public static func < (lhs: ConsentKey, rhs: ConsentKey) -> Bool {
        lhs.patient != rhs.patient ? lhs.patient < rhs.patient
            : Array(lhs.consentId.utf8).lexicographicallyPrecedes(Array(rhs.consentId.utf8))
    }
}

/// FHIR R4 `Consent.status`.
public enum ConsentStatus: String, Sendable, Hashable, CaseIterable {
    /// Being written; not in force.
    case draft
    /// Offered to the patient; not in force.
    case proposed
    /// In force.
    case active
    /// Declined by the patient; not in force.
    case rejected
    /// Withdrawn or ended: a revocation (Specs/consent.md §5.1).
    case inactive
    /// Recorded by mistake: ignored by every decision.
    case enteredInError = "entered-in-error"
}

/// The content of one consent version: what a `consent.version` entry's payload holds.
///
/// Everything but the version's own id, time and author, which come from the ledger entry
/// that carries it (see `RecordedConsentVersion`).
public struct ConsentVersionContent: Sendable, Hashable {
    /// Whose consent, and which one.
    public var key: ConsentKey
    /// The version's status.
    public var status: ConsentStatus
    /// FHIR `Consent.scope` (e.g. `patient-privacy`, `research`).
    public var scope: Concept
    /// FHIR `Consent.category` (at least one).
    public var category: [Concept]
    /// FHIR `Consent.dateTime`: when the consent was agreed, ms since the epoch.
    public var dateTime: Int64?
    /// FHIR `Consent.policyRule`: the base policy the rules refine.
    public var policyRule: Concept?
    /// FHIR `Consent.organization` references (custodians).
    public var organizations: [String]
    /// The root rule; its period is the consent's validity period. Nil = no rules.
    public var provision: ConsentProvision?
    /// Version ids this version replaces, sorted and without duplicates.
    public var supersedes: [Hash32]
    /// FHIR `Consent.policy[].uri`: the trial protocol bindings (`urn:careledger:trial:ID:protocol:V`,
    /// Specs/trials.md §5.1), sorted by UTF-8 bytes, without duplicates.
    public var policies: [String] = []
    /// FHIR `Consent.policy` entries that are not trial bindings, in input order.
    public var policyReferences: [PolicyReference] = []
    /// The anchor of the FHIR resource this version was imported from (Specs/consent.md §4.6):
    /// a keyed hash; the resource itself stays in the importing site's originals store.
    public var original: Hash32?

    /// Creates content; `supersedes` is sorted and de-duplicated.
    public init(
        key: ConsentKey, status: ConsentStatus, scope: Concept, category: [Concept],
        dateTime: Int64? = nil, policyRule: Concept? = nil, organizations: [String] = [],
        provision: ConsentProvision?, supersedes: [Hash32] = [], policies: [String] = [],
        policyReferences: [PolicyReference] = [], original: Hash32? = nil
    ) {
        self.key = key
        self.status = status
        self.scope = scope
        self.category = category
        self.dateTime = dateTime
        self.policyRule = policyRule
        self.organizations = organizations
        self.provision = provision
        self.supersedes = Array(Set(supersedes)).sorted()
        self.policies = Array(Set(policies)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        self.policyReferences = policyReferences
        self.original = original
    }

    /// Whether the content needs payload format 3 (Specs/consent.md §3.3): an original anchor,
    /// policy references, or `provision.data` anywhere.
    public var needsFormat3: Bool { original != nil || !policyReferences.isEmpty || provision?.hasData == true }
}

/// A consent version as it sits on the ledger: its content plus the entry that carries it.
///
/// The version id is the ledger entry id, so two sites name the same version the same way.
public struct RecordedConsentVersion: Sendable, Hashable {
    /// The id of the `consent.version` entry.
    public let id: Hash32
    /// The entry's hybrid logical clock time (orders `latest-wins`).
    public let time: HybridTimestamp
    /// The public key of the site that wrote the entry.
    public let author: Hash32
    /// What the version says.
    public let content: ConsentVersionContent

    /// Creates a recorded version from an entry's id, time, author and decoded payload.
    public init(id: Hash32, time: HybridTimestamp, author: Hash32, content: ConsentVersionContent) {
        self.id = id
        self.time = time
        self.author = author
        self.content = content
    }
}
