import Crypto
import LedgerCore

/// The network's secret key for patient pseudonyms (Specs/consent.md §4.1).
///
/// Every site of a network holds the same key, so the same patient identifier yields the
/// same pseudonym everywhere, while someone holding only the ledger cannot recompute it.
public struct PseudonymKey: Sendable {
    /// The key bytes never leave this value; only HMAC outputs do.
    private let key: SymmetricKey

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
    }

    /// The pseudonym of the patient identifier `system|value`.
    ///
    /// HMAC-SHA256(key, domain ‖ system ‖ "|" ‖ value), hex encoded.
    public func pseudonym(system: String, value: String) -> PatientPseudonym {
        let message = Array((Self.domain + system + "|" + value).utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        // A SHA-256 HMAC is always 32 bytes, so the initialiser cannot fail here.
        return PatientPseudonym(Hash32(bytes: Array(mac)) ?? .zero)
    }

    /// Resolves what a user typed as `--patient`: 64 hex digits are a pseudonym already;
    /// `system|value` is a FHIR token, pseudonymised on the spot.
    /// - Throws: `ConsentError.Code.invalidPatient` for anything else (the text is not echoed).
    public func resolve(patient text: String) throws(ConsentError) -> PatientPseudonym {
        if let pseudonym = PatientPseudonym(hex: text) { return pseudonym }
        guard let bar = text.firstIndex(of: "|") else {
            throw ConsentError(.invalidPatient, "expected a 64-hex-digit pseudonym or a FHIR token system|value")
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
