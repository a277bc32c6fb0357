/// A strict RFC 8259 JSON parser over bytes (Specs/canonical-json.md §4).
///
/// Rejects what lenient parsers accept: invalid UTF-8 anywhere, duplicate object keys
/// (compared by UTF-8 bytes), lone surrogates in `\u` escapes, leading zeros, `NaN`,
/// trailing bytes, and nesting deeper than `maxDepth` (so hostile input cannot exhaust the
/// stack). Numbers are canonicalised as they are read (`JSONNumber`).
public enum JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    public static let maxDepth = 64

    /// Parses one JSON document that must span all of `bytes` (whitespace aside).
    /// - Throws: `JSONError` naming the first fault and its byte offset in `bytes`.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONError) in try parse(buffer) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer in Result { () throws(JSONError) in try parse(buffer) } }.get()
    }

    /// Parses one JSON document that must be an object.
    /// - Throws: `JSONError`, with code `notAnObject` for any other valid value.
    public static func parseObject(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSONValue {
        let value = try parse(bytes)
        guard case .object = value else {
            throw JSONError(.notAnObject, "expected an object, found \(value.typeName)", offset: 0)
        }
        return value
    }

    private static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSONValue {
        if let bad = UTF8Validation.firstInvalidOffset(buffer) {
            throw JSONError(.invalidUTF8, "invalid UTF-8", offset: bad)
        }
        var reader = JSONReader(bytes: buffer)
        reader.skipWhitespace()
        let value = try reader.parseValue()
        reader.skipWhitespace()
        guard reader.index == buffer.count else {
            throw JSONError(.trailingBytes, "trailing bytes after the JSON value", offset: reader.index)
        }
        return value
    }
}

/// The recursive-descent reader behind `JSONParser`, over UTF-8 already validated.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    private var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func fail(_ what: String, _ code: JSONError.Code = .invalidSyntax, at offset: Int? = nil) -> JSONError {
        JSONError(code, what, offset: offset ?? index)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONError) -> JSONValue {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected byte")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let text = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for byte in text {
            guard index < bytes.count, bytes[index] == byte else { throw fail("invalid literal") }
            index += 1
        }
    }

    private mutating func enter() throws(JSONError) {
        depth += 1
        guard depth <= JSONParser.maxDepth else { throw fail("nesting deeper than \(JSONParser.maxDepth)", .nestingTooDeep) }
        index += 1
        skipWhitespace()
    }

    /// Reads the elements of the container whose opener is at `index`, through its `closer`:
    /// none when the closer follows the opener, else `element`, then `,` or the closer, repeated.
    private mutating func elements(
        closedBy closer: Unicode.Scalar, _ element: (inout JSONReader) throws(JSONError) -> Void
    ) throws(JSONError) {
        try enter()
        if index < bytes.count, bytes[index] == UInt8(ascii: closer) {
            index += 1; depth -= 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: closer) { index += 1; break }
            throw fail("expected ',' or '\(closer)'")
        }
        depth -= 1
    }

    private mutating func parseObject() throws(JSONError) -> JSONValue {
        var members: [(String, JSONValue)] = []
        var keyOffsets: [Int] = []
        try elements(closedBy: "}") { (p) throws(JSONError) in
            guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "\"") else { throw p.fail("expected a member name") }
            keyOffsets.append(p.index)
            let key = try p.parseString()
            p.skipWhitespace()
            guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: ":") else { throw p.fail("expected ':'") }
            p.index += 1
            p.skipWhitespace()
            members.append((key, try p.parseValue()))
        }
        if let duplicate = Self.firstDuplicate(members, keyOffsets) {
            throw fail("duplicate member name", .duplicateKey, at: duplicate)
        }
        return .object(members)
    }

    /// The offset of the earliest member name that repeats an earlier one (by UTF-8 bytes).
    private static func firstDuplicate(_ members: [(String, JSONValue)], _ offsets: [Int]) -> Int? {
        guard members.count > 1 else { return nil }
        if members.count <= 8 {
            for i in 1..<members.count {
                for j in 0..<i where members[i].0.utf8.elementsEqual(members[j].0.utf8) { return offsets[i] }
            }
            return nil
        }
        let order = members.indices.sorted { members[$0].0.utf8.lexicographicallyPrecedes(members[$1].0.utf8) }
        var earliest: Int?
        for (a, b) in zip(order, order.dropFirst()) where members[a].0.utf8.elementsEqual(members[b].0.utf8) {
            let later = max(offsets[a], offsets[b])
            earliest = min(earliest ?? later, later)
        }
        return earliest
    }

    private mutating func parseArray() throws(JSONError) -> JSONValue {
        var items: [JSONValue] = []
        try elements(closedBy: "]") { (p) throws(JSONError) in items.append(try p.parseValue()) }
        return .array(items)
    }

    private mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw fail("leading zero in number") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid fraction") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        guard let text = JSONNumber.canonicalText(bytes, start, index) else {
            throw fail("number exponent out of range", .numberOutOfRange, at: start)
        }
        return JSONNumber(canonicalText: text)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private mutating func parseString() throws(JSONError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes, so the string is the bytes themselves (UTF-8 already checked).
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index - 1]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            index += 1
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard index < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { index += 1; break }
            if byte < 0x20 { throw fail("control character in string") }
            if byte != UInt8(ascii: "\\") { out.append(byte); index += 1; continue }
            index += 1
            guard index < bytes.count else { throw fail("unterminated escape") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"): Self.appendUTF8(try parseUnicodeEscape(), to: &out)
            default: throw fail("invalid escape", at: index - 2)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func parseHex4() throws(JSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// A `\u` escape (the `\u` already read): one scalar, or a surrogate pair as one scalar.
    private mutating func parseUnicodeEscape() throws(JSONError) -> UInt32 {
        let escapeStart = index - 2
        let first = try parseHex4()
        if (0xDC00...0xDFFF).contains(first) { throw fail("lone low surrogate", .loneSurrogate, at: escapeStart) }
        guard (0xD800...0xDBFF).contains(first) else { return first }
        guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
            throw fail("lone high surrogate", .loneSurrogate, at: escapeStart)
        }
        index += 2
        let second = try parseHex4()
        guard (0xDC00...0xDFFF).contains(second) else { throw fail("lone high surrogate", .loneSurrogate, at: escapeStart) }
        return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
    }

    /// Appends the UTF-8 encoding of scalar `value` (not a surrogate, at most 0x10FFFF).
    private static func appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
        switch value {
        case 0..<0x80:
            out.append(UInt8(value))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | value >> 6)); out.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | value >> 12)); out.append(UInt8(0x80 | value >> 6 & 0x3F))
            out.append(UInt8(0x80 | value & 0x3F))
        default:
            out.append(UInt8(0xF0 | value >> 18)); out.append(UInt8(0x80 | value >> 12 & 0x3F))
            out.append(UInt8(0x80 | value >> 6 & 0x3F)); out.append(UInt8(0x80 | value & 0x3F))
        }
    }
}
