/// A parsed JSON value: the one JSON value type of CareLedger (Specs/canonical-json.md).
///
/// Foundation's `JSONSerialization` merges duplicate keys, blurs booleans into numbers,
/// rounds numbers through `Double` and forgets where a value came from. Payloads are
/// hashed and signed, and strict decoders must name the member at fault, so this type keeps
/// object members in document order and numbers as exact canonical decimal text.
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, exact (see `JSONNumber`).
    case number(JSONNumber)
    /// A string, unescaped.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, members in document order (the parser rejects duplicate names; the
    /// canonical writer sorts members by the UTF-8 bytes of their names).
    case object([(String, JSONValue)])

    /// Whether the two values have the same canonical encoding.
    ///
    /// So member order does not matter, and strings compare by their UTF-8 bytes (not by
    /// Unicode canonical equivalence, as `String.==` does: `é` and `e\u{301}` differ).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        JSONWriter.canonical(lhs) == JSONWriter.canonical(rhs)
    }

    /// A short name of the value's JSON type, for error messages (never the value itself).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The integer value of a number that is an integer fitting in 64 bits; nil otherwise.
    public var int64Value: Int64? {
        guard case .number(let number) = self else { return nil }
        return number.int64Value
    }

    /// Parses `bytes` as one JSON document (see `JSONParser.parse(_:)`).
    /// - Throws: `JSONError` naming the first fault and its byte offset.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONError) {
        self = try JSONParser.parse(bytes)
    }

    /// The canonical bytes of this value (see `JSONWriter.canonical(_:)`).
    public var canonicalBytes: [UInt8] { JSONWriter.canonical(self) }
}
