/// The one error type of the consent layer: a code, a message, and where it happened.
///
/// Messages name JSON paths, byte offsets and version ids, never values: a FHIR
/// resource or payload may carry patient data, and errors end up in logs and terminals.
public struct ConsentError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable, for callers that map errors to exit codes.
    /// Extensible (new codes may be added), so a `switch` needs a `default`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable string (used in messages, logs and JSON output).
        public let rawValue: String

        /// Creates a code from its stable string; prefer the static members.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The stable string.
        public var description: String { rawValue }

        /// The bytes are not valid JSON (offset says where).
        public static let malformedJSON = Code(rawValue: "malformed-json")
        /// An element CareLedger does not support (it refuses rather than drop it silently).
        public static let unsupportedElement = Code(rawValue: "unsupported-element")
        /// A required element is absent.
        public static let missingElement = Code(rawValue: "missing-element")
        /// An element has the wrong type or a value outside its allowed set.
        public static let invalidValue = Code(rawValue: "invalid-value")
        /// A `consent.version` or `access.decision` payload is not in canonical form.
        public static let nonCanonicalPayload = Code(rawValue: "non-canonical-payload")
        /// A pseudonym key or patient token could not be used.
        public static let invalidPatient = Code(rawValue: "invalid-patient")
        /// A conflict or version named by the caller is not known to the engine.
        public static let unknownConsent = Code(rawValue: "unknown-consent")
    }

    /// The kind of failure.
    public let code: Code
    /// A one-line human message (no patient data).
    public let message: String
    /// The JSON path of the element at fault, e.g. `Bundle.entry[2].resource.provision.period.start`.
    public let path: String?
    /// The byte offset in the input, for malformed JSON.
    public let offset: Int?
    /// The consent version concerned, when there is one.
    public let versionId: String?

    /// Creates an error; `path`, `offset` and `versionId` give context where known.
    public init(_ code: Code, _ message: String, path: String? = nil, offset: Int? = nil, versionId: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
        self.versionId = versionId
    }

    /// The same error located at `path` (used when a lower layer did not know it).
    func at(_ path: String) -> ConsentError {
        ConsentError(code, message, path: self.path ?? path, offset: offset, versionId: versionId)
    }

    /// `path: message (code)`, one line.
    public var description: String {
        var parts: [String] = []
        if let path { parts.append("\(path):") }
        parts.append(message)
        if let offset { parts.append("at byte \(offset)") }
        if let versionId { parts.append("in version \(versionId)") }
        return parts.joined(separator: " ") + " (\(code.rawValue))"
    }
}
