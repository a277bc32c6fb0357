/// Serialises `JSONValue`s: canonical (Specs/canonical-json.md §3) or indented for people.
///
/// Canonical form: members sorted by the UTF-8 bytes of their names, no insignificant
/// whitespace, strings escaped minimally (`"` `\` and control characters only, the latter
/// as `\b \f \n \r \t` or lowercase `\u00xx`), numbers as `JSONNumber`'s canonical text.
/// One value has exactly one canonical encoding, so payload bytes are reproducible.
public enum JSONWriter {
    /// The canonical bytes of `value`.
    public static func canonical(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, sorted: true, indent: nil, level: 0, to: &out)
        return out
    }

    /// Indented text for people and FHIR exports, members in their given order, then a newline.
    ///
    /// Strings and numbers are written as in the canonical form.
    public static func pretty(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, sorted: false, indent: 2, level: 0, to: &out)
        out.append(0x0A)
        return out
    }

    private static func newline(_ indent: Int?, _ level: Int, _ out: inout [UInt8]) {
        guard let indent else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: indent * level))
    }

    private static func write(_ value: JSONValue, sorted: Bool, indent: Int?, level: Int, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let number): out.append(contentsOf: number.text.utf8)
        case .string(let s): writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent, level + 1, &out)
                write(item, sorted: sorted, indent: indent, level: level + 1, to: &out)
            }
            if !items.isEmpty { newline(indent, level, &out) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            let ordered = sorted ? sortedByName(members) : members
            out.append(UInt8(ascii: "{"))
            for (i, member) in ordered.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent, level + 1, &out)
                writeString(member.0, to: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(0x20) }
                write(member.1, sorted: sorted, indent: indent, level: level + 1, to: &out)
            }
            if !ordered.isEmpty { newline(indent, level, &out) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Members in the byte order of their UTF-8 names (already-sorted input is kept as is).
    private static func sortedByName(_ members: [(String, JSONValue)]) -> [(String, JSONValue)] {
        let inOrder = zip(members, members.dropFirst()).allSatisfy { !$1.0.utf8.lexicographicallyPrecedes($0.0.utf8) }
        return inOrder ? members : members.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy them whole.
        let copied = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if copied == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigits[Int(byte >> 4)]); out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
