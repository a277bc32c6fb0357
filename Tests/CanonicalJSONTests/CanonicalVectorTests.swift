import CanonicalJSON
import Testing

@Suite("Canonical JSON vectors (Tests/Vectors/canonical-json.json)")
struct CanonicalVectorTests {
    static let accepted = CanonicalVectors.cases("accepted")
    static let rejected = CanonicalVectors.cases("rejected")

    @Test("the vector file is there and holds both sections")
    func vectorFile() {
        #expect(Self.accepted.count >= 60, "accepted cases in \(CanonicalVectors.url.path)")
        #expect(Self.rejected.count >= 50, "rejected cases in \(CanonicalVectors.url.path)")
        #expect(Self.accepted.allSatisfy { $0.canonical != nil } && Self.rejected.allSatisfy { $0.error != nil })
    }

    @Test("every accepted input gives exactly the canonical bytes of the vector", arguments: accepted)
    func acceptedInput(_ vector: CanonicalVectors.Case) throws {
        let value = try vector.requireObject ? JSONParser.parseObject(vector.input) : JSONParser.parse(vector.input)
        let canonical = JSONWriter.canonical(value)
        #expect(canonical == vector.canonical, "got \(String(decoding: canonical, as: UTF8.self))")
        // The canonical form is a fixed point.
        #expect(JSONWriter.canonical(try JSONParser.parse(canonical)) == canonical)
    }

    @Test("every rejected input is refused with the vector's error code", arguments: rejected)
    func rejectedInput(_ vector: CanonicalVectors.Case) {
        do {
            _ = try vector.requireObject ? JSONParser.parseObject(vector.input) : JSONParser.parse(vector.input)
            Issue.record("accepted; expected \(vector.error ?? "?")")
        } catch {
            #expect(error.code.rawValue == vector.error, "\(error)")
            #expect(error.offset != nil)
        }
    }

    @Test("every strict prefix of an accepted input is refused, and never traps", arguments: accepted)
    func prefixes(_ vector: CanonicalVectors.Case) {
        // Whitespace after the value is insignificant, so prefixes that end after it are complete.
        var complete = vector.input.count
        while complete > 0, [0x20, 0x09, 0x0A, 0x0D].contains(vector.input[complete - 1]) { complete -= 1 }
        var accepted: [Int] = []
        for end in 0..<complete where (try? JSONParser.parse(vector.input[0..<end])) != nil { accepted.append(end) }
        #expect(accepted.isEmpty, "prefixes accepted: \(accepted)")
    }

    @Test("every single-byte change of an accepted input is accepted canonically or refused, never traps", arguments: accepted.prefix(20))
    func byteChanges(_ vector: CanonicalVectors.Case) {
        for offset in vector.input.indices {
            for replacement: UInt8 in [0x00, 0x22, 0x5C, 0x7B, 0x80, 0xFF] {
                var changed = vector.input
                changed[offset] = replacement
                guard let value = try? JSONParser.parse(changed) else { continue }
                let canonical = JSONWriter.canonical(value)
                #expect((try? JSONWriter.canonical(JSONParser.parse(canonical))) == canonical, "offset \(offset)")
            }
        }
    }
}
