/// A research consent's trial and protocol version, as FHIR `Consent.policy[].uri` carries it:
/// `urn:careledger:trial:<trial>:protocol:<version>` (Specs/trials.md §5.1).
public struct TrialProtocolBinding: Sendable, Hashable {
    /// The URI prefix of every binding.
    public static let prefix = "urn:careledger:trial:"

    /// The trial id.
    public let trial: String
    /// The protocol version label.
    public let version: String

    /// A binding; both parts must be 1-64 of `A-Z a-z 0-9 . _ -` (nil otherwise).
    public init?(trial: String, version: String) {
        guard Self.isIdentifier(trial), Self.isIdentifier(version) else { return nil }
        self.trial = trial
        self.version = version
    }

    /// Parses a binding URI; nil for any other text.
    public init?(uri: String) {
        guard uri.hasPrefix(Self.prefix) else { return nil }
        let parts = uri.dropFirst(Self.prefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1] == "protocol" else { return nil }
        self.init(trial: String(parts[0]), version: String(parts[2]))
    }

    /// The binding as a URI.
    public var uri: String { "\(Self.prefix)\(trial):protocol:\(version)" }

    private static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }
}
