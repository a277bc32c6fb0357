/// `Consent.provision.data`: one record a provision is about (Specs/consent.md §5.2).
public struct ProvisionData: Sendable, Hashable {
    /// How the record is matched (FHIR R4 value set `consent-data-meaning`, the two CareLedger evaluates).
    public enum Meaning: String, Sendable, Hashable, CaseIterable {
        /// The request's record is exactly this one.
        case instance
        /// The request's record is this one or one this record refers to (the request names
        /// the records that refer to its record, `AccessRequest.referencedBy`).
        case related
    }

    /// How the record is matched.
    public var meaning: Meaning
    /// The record, a FHIR reference string such as `DocumentReference/123`.
    public var reference: String

    /// Creates a data criterion.
    public init(meaning: Meaning, reference: String) {
        self.meaning = meaning
        self.reference = reference
    }
}

/// `Consent.policy[i]` that is not a trial binding: a policy document by URI and/or authority.
///
/// Carried on the ledger (a public policy names no patient) and exported back; never
/// evaluated (Specs/consent.md §4.2).
public struct PolicyReference: Sendable, Hashable {
    /// The enforcing authority, a URI.
    public var authority: String?
    /// The policy document, a URI.
    public var uri: String?

    /// Creates a policy reference; import refuses one with neither.
    public init(authority: String? = nil, uri: String? = nil) {
        self.authority = authority
        self.uri = uri
    }
}
