import LedgerCore

/// What a network answers when no consent applies.
public enum DefaultAccess: String, Sendable, Hashable, CaseIterable {
    /// Default: no applicable consent means deny ("no consent on record").
    case optIn = "opt-in"
    /// No applicable consent means permit; patients opt out with deny consents.
    case optOut = "opt-out"
}

/// The network's consent rules, taken from its charter.
public struct ConsentPolicy: Sendable, Hashable {
    /// How concurrent heads combine (LedgerCore's `ConflictRule`, the charter's one definition).
    public var rule: ConflictRule
    /// The answer when nothing applies.
    public var defaultAccess: DefaultAccess

    /// Creates a policy; the defaults are deny-overrides and opt-in.
    public init(rule: ConflictRule = .denyOverrides, defaultAccess: DefaultAccess = .optIn) {
        self.rule = rule
        self.defaultAccess = defaultAccess
    }
}

/// "May `actor`, for `purpose`, see data of `classes` about `patient` at `time`?"
public struct AccessRequest: Sendable, Hashable {
    /// Whose data.
    public var patient: PatientPseudonym
    /// A FHIR reference such as `Organization/clinic-b`, matched exactly against provision actors.
    public var actor: String
    /// A v3-ActReason code (TREAT, ETREAT, HRESCH…); a provision for a broader purpose covers it.
    public var purpose: String
    /// Codes describing the data: resource type, codes, security labels (e.g. `Observation`, `HIV`).
    public var classes: [String]
    /// When access happens, ms since the epoch (UTC).
    public var time: Int64
    /// When the data was produced, if known (matched against `dataPeriod`).
    public var dataTime: Int64?
    /// Break-glass: permits treatment purposes whatever the consent says, flagged for audit.
    public var emergency: Bool
    /// The record asked for, a FHIR reference `TYPE/ID` (matched against `provision.data`); nil = not named.
    public var resource: String? = nil
    /// Records that refer to `resource`, as the caller knows them (matched by `related` data).
    public var referencedBy: [String] = []
    /// The program that asked on the requester's behalf: the HTTP API token's name
    /// (Specs/fhir-api.md §2), never the token; nil for a check made at the site itself (the CLI).
    public var client: String? = nil

    /// Creates a request; `classes` are sorted and de-duplicated.
    public init(
        patient: PatientPseudonym, actor: String, purpose: String, classes: [String], time: Int64,
        dataTime: Int64? = nil, emergency: Bool = false, resource: String? = nil, referencedBy: [String] = [],
        client: String? = nil
    ) {
        self.patient = patient
        self.actor = actor
        self.purpose = purpose
        self.classes = Array(Set(classes)).sorted()
        self.time = time
        self.dataTime = dataTime
        self.emergency = emergency
        self.resource = resource
        self.referencedBy = Array(Set(referencedBy)).sorted()
        self.client = client
    }
}

/// Permit or deny.
public enum AccessOutcome: String, Sendable, Hashable {
    /// Access allowed.
    case permit
    /// Access refused.
    case deny
}

/// The answer to an `AccessRequest`: what, why, and on which versions it rests.
public struct AccessDecision: Sendable, Hashable {
    /// The question asked.
    public var request: AccessRequest
    /// Permit or deny.
    public var outcome: AccessOutcome
    /// The consent version ids that decided, sorted (empty when no consent applied).
    public var basis: [Hash32]
    /// A one-line reason for people (no patient data).
    public var reason: String
    /// Set for break-glass checks: the caller must record an emergency audit entry.
    public var emergency: Bool

    /// Creates a decision.
    public init(request: AccessRequest, outcome: AccessOutcome, basis: [Hash32], reason: String, emergency: Bool) {
        self.request = request
        self.outcome = outcome
        self.basis = Array(Set(basis)).sorted()
        self.reason = reason
        self.emergency = emergency
    }
}
