/// The error of the trials layer: a stable code, a one-line message and the field at fault
/// (Specs/trials.md §8).
///
/// Messages name the field (`bizStep`, `quantity`, `epcisBody.eventList[2].eventTime`) and
/// never carry payload values beyond the identifiers a user typed.
public struct TrialError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, extensible error code: compare with `==`, never switch exhaustively.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, stable across releases.
        public let name: String
        /// Creates a code; prefer the static members.
        public init(_ name: String) { self.name = name }
        /// The code's name.
        public var description: String { name }

        /// A field is missing.
        public static let missingField = Code("missing_field")
        /// A field has a value outside what the spec allows.
        public static let invalidValue = Code("invalid_value")
        /// A payload is not in its one canonical byte form.
        public static let nonCanonicalPayload = Code("non_canonical_payload")
        /// The document or payload is not JSON.
        public static let malformedJSON = Code("malformed_json")
    }

    /// What kind of failure.
    public var code: Code
    /// One line for people.
    public var message: String
    /// The field at fault, as a path (`quantity`, `epcisBody.eventList[0].eventTime`).
    public var field: String

    /// Creates an error naming the field at fault.
    public init(_ code: Code, _ message: String, field: String) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// `field: message`.
    public var description: String { "\(field): \(message)" }
}
