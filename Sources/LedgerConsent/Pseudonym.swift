import Crypto
import LedgerCore

/// The network's secret key for patient pseudonyms (Specs/consent.md §4.1).
///
/// Every site of a network holds the same key, so the same patient identifier yields the
/// same pseudonym everywhere, while someone holding only the ledger cannot recompute it.
public struct PseudonymKey: Sendable {
    /// The key bytes never leave this value; only HMAC outputs do.
    private let key: SymmetricKey
    /// An HMAC keyed with `key` that has taken in ``domain``: copied per pseudonym, so the key
    /// is padded and hashed once, not per consult (the copy shares the state copy-on-write).
    private let keyedPseudonymMAC: HMAC<SHA256>

    /// The domain-separation prefix hashed before every identifier.
    static let domain = "careledger/patient-pseudonym/v1\n"
    /// The identifier system used for patient references (`Patient/123`) rather than identifiers.
    public static let referenceSystem = "urn:careledger:fhir-reference"
    /// The identifier system under which exports name an already pseudonymised patient.
    public static let pseudonymSystem = "urn:careledger:patient-pseudonym"

    /// Creates a key from at least 32 bytes.
    /// - Throws: `ConsentError.Code.invalidPatient` when the key is shorter than 32 bytes.
    public init(bytes: [UInt8]) throws(ConsentError) {
        guard bytes.count >= 32 else {
            throw ConsentError(.invalidPatient, "a pseudonym key needs at least 32 bytes")
        }
        key = SymmetricKey(data: bytes)
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array(Self.domain.utf8))
        keyedPseudonymMAC = mac
    }

    /// The pseudonym of the patient identifier `system|value`.
    ///
    /// HMAC-SHA256(key, domain ‖ system ‖ "|" ‖ value), hex encoded.
    public func pseudonym(system: String, value: String) -> PatientPseudonym {
        var hmac = keyedPseudonymMAC
        hmac.update(data: Array((system + "|" + value).utf8))
        let mac = hmac.finalize()
        // A SHA-256 HMAC is always 32 bytes, so the initialiser cannot fail here.
        return PatientPseudonym(Hash32(bytes: Array(mac)) ?? .zero)
    }

    /// The domain-separation prefix of an original's anchor (Specs/consent.md §4.6).
    static let originalDomain = "careledger/consent-original/v1\n"

    /// The anchor of a FHIR resource kept in a site's originals store: HMAC-SHA256 under the
    /// network key of its canonical JSON, so that a member site can prove a given original
    /// while someone holding only the ledger cannot test guesses of a patient's MRN.
    public func originalAnchor(_ canonicalResource: [UInt8]) -> Hash32 {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(Self.originalDomain.utf8) + canonicalResource, using: key)
        return Hash32(bytes: Array(mac)) ?? .zero
    }

    /// How a patient named as a provision actor is kept: `urn:careledger:patient-pseudonym|HEX`.
    public static func actorToken(_ patient: PatientPseudonym) -> String { "\(pseudonymSystem)|\(patient.hex)" }

    /// A provision actor or a request's actor as the ledger holds it: a patient reference
    /// (`Patient/…`, also in an absolute URL) becomes its pseudonym token, as import does; any
    /// other reference is unchanged.
    public func ledgerActor(_ reference: String) -> String {
        guard reference.hasPrefix("Patient/") || reference.contains("/Patient/") else { return reference }
        return Self.actorToken(pseudonym(system: Self.referenceSystem, value: reference))
    }

    /// Resolves what a user typed as `--patient`, in each form `consent import` accepts:
    /// 64 hex digits are a pseudonym already; `system|value` is a FHIR identifier token and a
    /// literal reference such as `Patient/123` is the patient reference, both pseudonymised on
    /// the spot exactly as import does (Specs/consent.md §4.1).
    /// - Throws: `ConsentError.Code.invalidPatient` for anything else (the text is not echoed).
    public func resolve(patient text: String) throws(ConsentError) -> PatientPseudonym {
        if let pseudonym = PatientPseudonym(hex: text) { return pseudonym }
        if !text.contains("|"), text.contains("/"), !text.hasPrefix("/"), !text.hasSuffix("/") {
            return pseudonym(system: Self.referenceSystem, value: text)
        }
        guard let bar = text.firstIndex(of: "|") else {
            throw ConsentError(.invalidPatient, "expected a 64-hex-digit pseudonym, an identifier token system|value, or a reference such as Patient/123")
        }
        let system = String(text[..<bar]), value = String(text[text.index(after: bar)...])
        guard !value.isEmpty else { throw ConsentError(.invalidPatient, "the token's value is empty") }
        if system == Self.pseudonymSystem {
            guard let pseudonym = PatientPseudonym(hex: value) else {
                throw ConsentError(.invalidPatient, "a pseudonym token needs 64 hex digits")
            }
            return pseudonym
        }
        return pseudonym(system: system, value: value)
    }
}
