/// A parsed JSON value that keeps what strict decoders need to see.
///
/// Foundation's `JSONSerialization` merges duplicate keys, blurs booleans into numbers
/// and forgets where a value came from; consent payloads and FHIR imports must reject
/// all of that and name the path at fault, so this small value type keeps object members
/// in document order and numbers as their exact lexeme (Specs/consent.md §3.1).
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as its exact text so integer checks are lossless.
    case number(String)
    /// A string, unescaped.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, members in document order (duplicate keys are rejected by the parser).
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// A short name of the value's JSON type, for error messages (never the value itself).
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// An integer value from a number lexeme; nil for fractions, exponents or overflow.
    static func integer(_ lexeme: String) -> Int64? {
        guard !lexeme.contains("."), !lexeme.contains("e"), !lexeme.contains("E") else { return nil }
        return Int64(lexeme)
    }
}
