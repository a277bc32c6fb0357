import LedgerCore
import Testing

/// CoreError's codes are extensible structs: they compare and print by their stable names.
@Suite("Core error codes")
struct CoreErrorCodeTests {
    static let codes: [(CoreError.Code, String)] = [
        (.truncated, "truncated"), (.trailingBytes, "trailing_bytes"), (.unsupportedVersion, "unsupported_version"),
        (.nonCanonical, "non_canonical"), (.limitExceeded, "limit_exceeded"), (.invalidKind, "invalid_kind"),
        (.invalidKey, "invalid_key"), (.badSignature, "bad_signature"), (.signingFailed, "signing_failed"),
        (.insecurePermissions, "insecure_permissions"), (.alreadyExists, "already_exists"), (.io, "io"),
        (.malformedFile, "malformed_file"), (.outOfRange, "out_of_range"), (.proofInvalid, "proof_invalid"),
        (.locked, "locked"), (.notASite, "not_a_site"), (.notPermitted, "not_permitted"), (.damaged, "damaged"),
    ]

    @Test("every code keeps its name, is distinct, and prints first in the error's description")
    func codesKeepTheirNames() {
        for (code, name) in Self.codes {
            #expect(code.name == name && code.description == name)
            #expect(CoreError.Code(name) == code)
            #expect(CoreError(code, "m", offset: 2).description == "\(name): m, offset 2")
        }
        #expect(Set(Self.codes.map(\.0)).count == Self.codes.count)
    }
}
