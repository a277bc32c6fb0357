/// Why bytes were refused as canonical-JSON input (Specs/canonical-json.md §4).
///
/// Messages name byte offsets and line numbers, never the text: JSON input may carry
/// patient data, and errors end up in logs and terminals.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; stable strings, for callers that map errors to exit codes.
    ///
    /// A struct rather than an enum so that adding a code later breaks no caller that
    /// switches on it (compare codes with `==`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable name of the code, e.g. `duplicate-key`.
        public let rawValue: String

        init(_ rawValue: String) { self.rawValue = rawValue }

        /// The code's stable name.
        public var description: String { rawValue }

        /// The bytes are not JSON (RFC 8259 grammar): a bad token, a missing `,` or `:`,
        /// an unterminated string, a raw control character in a string, `NaN`, a leading zero.
        public static let invalidSyntax = Code("invalid-syntax")
        /// The bytes are not valid UTF-8 (checked over the whole input before parsing).
        public static let invalidUTF8 = Code("invalid-utf8")
        /// A `\u` escape names half of a UTF-16 surrogate pair without the other half.
        public static let loneSurrogate = Code("lone-surrogate")
        /// One object has two members whose names have the same UTF-8 bytes.
        public static let duplicateKey = Code("duplicate-key")
        /// Something other than whitespace follows the one JSON value.
        public static let trailingBytes = Code("trailing-bytes")
        /// Arrays and objects are nested deeper than `JSONParser.maxDepth`.
        public static let nestingTooDeep = Code("nesting-too-deep")
        /// The value is valid JSON but not an object where an object is required.
        public static let notAnObject = Code("not-an-object")
        /// A number's decimal exponent is beyond what the canonical form allows.
        public static let numberOutOfRange = Code("number-out-of-range")
    }

    /// The kind of failure.
    public let code: Code
    /// A one-line human message (no input text).
    public let message: String
    /// The byte offset of the fault, counted from the start of the document (or line).
    public let offset: Int?
    /// The 1-based line number, when the document is one line of a JSON Lines input.
    public let line: Int?

    /// Creates an error; `offset` and `line` say where, when known.
    public init(_ code: Code, _ message: String, offset: Int? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.line = line
    }

    /// The same error, located on line `line` of a JSON Lines input.
    public func onLine(_ line: Int) -> JSONError {
        JSONError(code, message, offset: offset, line: line)
    }

    /// `line 3: duplicate key at byte 12 (duplicate-key)`, one line.
    public var description: String {
        var text = line.map { "line \($0): " } ?? ""
        text += message
        if let offset { text += " at byte \(offset)" }
        return text + " (\(code.rawValue))"
    }
}
