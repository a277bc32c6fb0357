/// Building blocks of a consent's rules, mirroring FHIR R4 `Consent.provision` (Specs/consent.md §2).

/// Whether a provision grants or refuses what it describes.
public enum ProvisionType: String, Sendable, Hashable, CaseIterable {
    /// The matching access is allowed.
    case permit
    /// The matching access is refused.
    case deny

    /// The other type: what an untyped nested provision (an exception) means.
    public var opposite: ProvisionType { self == .permit ? .deny : .permit }
}

/// A code from a code system, as FHIR `Coding` (system, code, display).
public struct Coding: Sendable, Hashable {
    /// The code system URI, e.g. `http://terminology.hl7.org/CodeSystem/v3-ActReason`.
    public var system: String?
    /// The code itself, e.g. `TREAT`; CareLedger requires it.
    public var code: String
    /// A human label; carried for round trips, never matched.
    public var display: String?

    /// Creates a coding.
    public init(system: String? = nil, code: String, display: String? = nil) {
        self.system = system
        self.code = code
        self.display = display
    }
}

/// A FHIR `CodeableConcept`: codings plus optional text.
public struct Concept: Sendable, Hashable {
    /// The codings, in order.
    public var codings: [Coding]
    /// Free text; carried for round trips, never matched.
    public var text: String?

    /// Creates a concept.
    public init(codings: [Coding], text: String? = nil) {
        self.codings = codings
        self.text = text
    }

    /// A concept with one coding.
    public init(system: String? = nil, code: String, display: String? = nil) {
        self.init(codings: [Coding(system: system, code: code, display: display)])
    }
}

/// A closed interval of time in milliseconds since the Unix epoch, UTC; either end may be open.
///
/// FHIR partial dates are widened on import (`end: 2025-12-31` means the whole day), so the
/// model stores exact inclusive instants and a check compares integers.
public struct ConsentPeriod: Sendable, Hashable {
    /// First instant covered, or nil for "since forever".
    public var start: Int64?
    /// Last instant covered (inclusive), or nil for "until further notice".
    public var end: Int64?

    /// Creates a period.
    public init(start: Int64? = nil, end: Int64? = nil) {
        self.start = start
        self.end = end
    }

    /// Whether `instant` lies inside the period.
    public func contains(_ instant: Int64) -> Bool {
        if let start, instant < start { return false }
        if let end, instant > end { return false }
        return true
    }
}

/// Who a provision is about: a role and a reference such as `Organization/clinic-b`.
public struct ProvisionActor: Sendable, Hashable {
    /// How the actor takes part (FHIR requires it), e.g. v3-ParticipationType `PRCP`.
    public var role: Concept
    /// A FHIR reference string, matched exactly against the check's actor.
    public var reference: String

    /// Creates an actor.
    public init(role: Concept, reference: String) {
        self.role = role
        self.reference = reference
    }
}

/// One rule of a consent, with nested rules that are exceptions to it (FHIR semantics).
///
/// Every criterion that is present must match a request (AND across criteria, OR within
/// one list); `classes`, `codes` and `securityLabels` together form the data criterion
/// matched by a request's class codes (Specs/consent.md §5.2).
public struct ConsentProvision: Sendable, Hashable {
    /// `permit` or `deny`; nil means the parent's opposite (or `permit` at the root).
    public var type: ProvisionType?
    /// When the rule applies; at the root, the consent's validity period.
    public var period: ConsentPeriod?
    /// Actors the rule is about; empty = every actor.
    public var actors: [ProvisionActor]
    /// Actions (access, use, disclose…); carried, not matched.
    public var actions: [Concept]
    /// Security labels of the data (e.g. `HIV`, `PSY`); part of the data criterion.
    public var securityLabels: [Coding]
    /// Purposes of use (v3-ActReason); empty = every purpose.
    public var purposes: [Coding]
    /// Data classes (e.g. resource types such as `Observation`); part of the data criterion.
    public var classes: [Coding]
    /// Data codes (e.g. LOINC); part of the data criterion.
    public var codes: [Concept]
    /// When the data concerned was produced; see Specs/consent.md §5.2 for unknown dates.
    public var dataPeriod: ConsentPeriod?
    /// Exceptions to this rule.
    public var provisions: [ConsentProvision]
    /// Records the rule is about (FHIR `provision.data`); empty = every record.
    public var data: [ProvisionData] = []

    /// Creates a provision; every list defaults to empty.
    public init(
        type: ProvisionType? = nil, period: ConsentPeriod? = nil, actors: [ProvisionActor] = [],
        actions: [Concept] = [], securityLabels: [Coding] = [], purposes: [Coding] = [],
        classes: [Coding] = [], codes: [Concept] = [], dataPeriod: ConsentPeriod? = nil,
        provisions: [ConsentProvision] = [], data: [ProvisionData] = []
    ) {
        self.type = type
        self.period = period
        self.actors = actors
        self.actions = actions
        self.securityLabels = securityLabels
        self.purposes = purposes
        self.classes = classes
        self.codes = codes
        self.dataPeriod = dataPeriod
        self.provisions = provisions
        self.data = data
    }

    /// Whether this provision or one nested in it has `data` (payload format 3).
    public var hasData: Bool { !data.isEmpty || provisions.contains { $0.hasData } }
}
