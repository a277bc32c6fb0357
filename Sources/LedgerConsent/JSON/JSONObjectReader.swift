import CanonicalJSON

/// Reads one JSON object member by member, tracking the JSON path for errors.
///
/// Strict decoders (payloads, FHIR import) take the members they know and then call
/// `finish()`, which reports the first member nobody took, so unknown elements are
/// refused by name rather than silently dropped (Specs/consent.md §3.2, §4.4).
struct JSONObjectReader {
    /// The path of this object, e.g. `Bundle.entry[2].resource`.
    let path: String
    private let members: [(String, JSONValue)]
    /// Members taken, by index into `members`: bit i of `takenLow` for the first 64 (every
    /// payload object; a set would hash each index), `takenHigh` for the rest.
    private var takenLow: UInt64 = 0
    private var takenHigh = Set<Int>()

    /// Wraps `value`, which must be an object.
    init(_ value: JSONValue, path: String) throws(ConsentError) {
        guard case .object(let members) = value else {
            throw ConsentError(.invalidValue, "expected an object, found \(value.typeName)", path: path)
        }
        self.path = path
        self.members = members
    }

    /// The path of member `key`.
    func child(_ key: String) -> String { "\(path).\(key)" }

    /// The index of member `key`, names compared by UTF-8 bytes as the parser does
    /// (`String.==` would let the Kelvin sign U+212A stand for `K`).
    /// Names of another UTF-8 length are skipped before their bytes are compared (a member
    /// look-up runs for every key a decoder knows, most of them absent or elsewhere).
    private func index(_ key: String) -> Int? {
        let utf8 = key.utf8, length = utf8.count
        return members.firstIndex { $0.0.utf8.count == length && $0.0.utf8.elementsEqual(utf8) }
    }

    private mutating func take(_ i: Int) {
        if i < 64 { takenLow |= 1 << UInt64(i) } else { takenHigh.insert(i) }
    }

    private func isTaken(_ i: Int) -> Bool {
        i < 64 ? takenLow & (1 << UInt64(i)) != 0 : takenHigh.contains(i)
    }

    /// Whether the object has member `key` (without taking it).
    func has(_ key: String) -> Bool { index(key) != nil }

    /// Takes member `key` if present.
    mutating func optional(_ key: String) -> JSONValue? {
        guard let i = index(key) else { return nil }
        take(i)
        return members[i].1
    }

    /// Takes member `key`, which must be present.
    mutating func required(_ key: String) throws(ConsentError) -> JSONValue {
        guard let value = optional(key) else {
            throw ConsentError(.missingElement, "required element is missing; add it", path: child(key))
        }
        return value
    }

    /// Takes member `key` if present: a non-empty array (FHIR forbids empty arrays, canonical
    /// payloads omit them), each element read by `body` with its path `key[i]`; `[]` when absent.
    mutating func list<T>(_ key: String, _ body: (JSONValue, String) throws(ConsentError) -> T) throws(ConsentError) -> [T] {
        guard let value = optional(key) else { return [] }
        let path = child(key)
        return try JSONRead.each(try JSONRead.nonEmptyArray(value, path), path, body)
    }

    /// Marks member `key` as deliberately ignored.
    mutating func ignore(_ key: String) {
        if let i = index(key) { take(i) }
    }

    /// Throws for the first member (in document order) that was not taken.
    func finish(_ code: ConsentError.Code = .unsupportedElement) throws(ConsentError) {
        if let i = members.indices.first(where: { !isTaken($0) }) {
            let stray = members[i]
            let message: String
            if code != .unsupportedElement {
                message = "unknown member"
            } else if stray.0 == "modifierExtension" {
                message = "a modifierExtension changes what the resource means and CareLedger cannot evaluate it (FHIR: a system that does not understand it must refuse the resource); remove it and state the rule with provision elements"
            } else {
                message = "element is not supported by CareLedger and may change the decision; remove it or express it with the elements Specs/consent.md §4.2 lists"
            }
            throw ConsentError(code, message, path: child(stray.0))
        }
    }
}

/// Typed accessors for JSON values that name the path on failure.
///
/// The path is built only when it is reported: a payload decoder names the path of every
/// value it reads, and building those strings cost more than reading the values (a catch-up
/// decodes every consent version and access decision it indexes, Specs/static-log.md §11.3).
enum JSONRead {
    /// A string value (FHIR strings must also be non-empty; pass `allowEmpty` for payloads).
    static func string(_ value: JSONValue, _ path: @autoclosure () -> String, allowEmpty: Bool = false) throws(ConsentError) -> String {
        guard case .string(let s) = value else {
            throw ConsentError(.invalidValue, "expected a string, found \(value.typeName)", path: path())
        }
        guard allowEmpty || !s.isEmpty else { throw ConsentError(.invalidValue, "empty string", path: path()) }
        return s
    }

    /// An array value.
    static func array(_ value: JSONValue, _ path: @autoclosure () -> String) throws(ConsentError) -> [JSONValue] {
        guard case .array(let items) = value else {
            throw ConsentError(.invalidValue, "expected an array, found \(value.typeName)", path: path())
        }
        return items
    }

    /// A non-empty array (FHIR forbids empty arrays; canonical payloads omit them).
    static func nonEmptyArray(_ value: JSONValue, _ path: @autoclosure () -> String) throws(ConsentError) -> [JSONValue] {
        let items = try array(value, path())
        guard !items.isEmpty else { throw ConsentError(.invalidValue, "empty array", path: path()) }
        return items
    }

    /// An integer that fits in 64 bits.
    static func int64(_ value: JSONValue, _ path: @autoclosure () -> String) throws(ConsentError) -> Int64 {
        guard let n = value.int64Value else {
            throw ConsentError(.invalidValue, "expected an integer, found \(value.typeName)", path: path())
        }
        return n
    }

    /// A boolean.
    static func bool(_ value: JSONValue, _ path: @autoclosure () -> String) throws(ConsentError) -> Bool {
        guard case .bool(let b) = value else {
            throw ConsentError(.invalidValue, "expected a boolean, found \(value.typeName)", path: path())
        }
        return b
    }

    /// Maps each element of an array with its path `path[i]`.
    static func each<T>(
        _ items: [JSONValue], _ path: String, _ body: (JSONValue, String) throws(ConsentError) -> T
    ) throws(ConsentError) -> [T] {
        var out: [T] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() { out.append(try body(item, "\(path)[\(i)]")) }
        return out
    }
}
