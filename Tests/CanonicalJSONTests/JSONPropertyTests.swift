import CanonicalJSON
import Testing
import TestSupport

@Suite("Canonical JSON properties (seeded)")
struct JSONPropertyTests {
    /// Random values: write → parse → write gives the same bytes, and the parsed value equals
    /// the original; re-spelling the text (other member order, whitespace, escapes) does not
    /// change the canonical bytes.
    @Test("random values survive write, parse, write byte for byte, however they are spelled")
    func roundTrip() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SeededGenerator(seed: seed)
        for round in 0..<500 {
            let value = RandomJSON.value(depth: 0, using: &random)
            let canonical = JSONWriter.canonical(value)
            let parsed = try JSONParser.parse(canonical)
            #expect(JSONWriter.canonical(parsed) == canonical, "seed \(seed) round \(round)")
            #expect(parsed == value, "seed \(seed) round \(round)")
            let respelled = RandomJSON.spell(value, using: &random)
            let reparsed = try JSONParser.parse(respelled)
            #expect(JSONWriter.canonical(reparsed) == canonical,
                    "seed \(seed) round \(round): \(String(decoding: respelled, as: UTF8.self))")
            if respelled != canonical { #expect(JSONWriter.pretty(reparsed) != [], "pretty never fails") }
        }
        print("JSONPropertyTests.roundTrip seed \(seed)")
    }
}

/// Random JSON values and random (valid, non-canonical) spellings of them.
enum RandomJSON {
    static let alphabet: [Unicode.Scalar] = ["a", "b", "A", "z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}",
                                             "\u{9}", "\u{A}", "\u{1F}", "\u{7F}", "\u{80}", "é", "e", "\u{301}",
                                             "中", "\u{2028}", "\u{FF61}", "😀", "\u{10FFFF}"]

    static func string<R: RandomNumberGenerator>(using random: inout R) -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...6, using: &random) { s.append(alphabet.randomElement(using: &random) ?? "a") }
        return String(s)
    }

    static func number<R: RandomNumberGenerator>(using random: inout R) -> JSONNumber {
        var text = Bool.random(using: &random) ? "-" : ""
        text += String(Int.random(in: 0...999_999, using: &random))
        if Bool.random(using: &random) { text += "." + String(Int.random(in: 0...99_999, using: &random)) }
        if Bool.random(using: &random) { text += (["e", "E", "e+", "e-"].randomElement(using: &random) ?? "e") + String(Int.random(in: 0...40, using: &random)) }
        return JSONNumber(text) ?? JSONNumber(0)
    }

    static func value<R: RandomNumberGenerator>(depth: Int, using random: inout R) -> JSONValue {
        switch Int.random(in: 0..<(depth < 4 ? 8 : 5), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(number(using: &random))
        case 3, 4: return .string(string(using: &random))
        case 5: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth + 1, using: &random) })
        default:
            var members: [(String, JSONValue)] = []
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                let key = string(using: &random)
                if !members.contains(where: { $0.0.utf8.elementsEqual(key.utf8) }) {
                    members.append((key, value(depth: depth + 1, using: &random)))
                }
            }
            return .object(members)
        }
    }

    /// A valid spelling of `value` with shuffled members, random whitespace and escapes.
    static func spell<R: RandomNumberGenerator>(_ value: JSONValue, using random: inout R) -> [UInt8] {
        var out: [UInt8] = []
        write(value, &out, &random)
        return out
    }

    private static func space<R: RandomNumberGenerator>(_ out: inout [UInt8], _ random: inout R) {
        for _ in 0..<Int.random(in: 0...2, using: &random) { out.append([0x20, 0x09, 0x0A, 0x0D].randomElement(using: &random) ?? 0x20) }
    }

    private static func write<R: RandomNumberGenerator>(_ value: JSONValue, _ out: inout [UInt8], _ random: inout R) {
        space(&out, &random)
        switch value {
        case .null, .bool: out += JSONWriter.canonical(value)
        case .number(let n): out += Array(n.text.utf8)
        case .string(let s): writeString(s, &out, &random)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, &out, &random)
            }
            space(&out, &random)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.shuffled(using: &random).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                space(&out, &random)
                writeString(member.0, &out, &random)
                space(&out, &random)
                out.append(UInt8(ascii: ":"))
                write(member.1, &out, &random)
            }
            space(&out, &random)
            out.append(UInt8(ascii: "}"))
        }
        space(&out, &random)
    }

    /// Escapes every scalar that must be escaped, and others at random (`\/`, `\u00e9`, pairs).
    private static func writeString<R: RandomNumberGenerator>(_ s: String, _ out: inout [UInt8], _ random: inout R) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            let must = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
            if !must && Bool.random(using: &random) {
                out += Array(String(scalar).utf8)
            } else if scalar == "/" && Bool.random(using: &random) {
                out += Array("\\/".utf8)
            } else {
                for unit in String(scalar).utf16 {
                    let hex = String(unit, radix: 16, uppercase: Bool.random(using: &random))
                    out += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
