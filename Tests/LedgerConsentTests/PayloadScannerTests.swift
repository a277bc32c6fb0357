import CanonicalJSON
import LedgerCore
import Testing
import TestSupport

@testable import LedgerConsent

/// `ConsentPayloadScanner`: the direct reader `decode` tries first must never decide anything
/// the full decoder (JSON tree and strict member readers) would not — when it answers, the
/// content is the full decoder's, and when it says the bytes are canonical, encoding the
/// content gives them back; `decode` and `decode(indexed:)` give what the full decoder gives,
/// content or error, for every input.
@Suite("The payload scanner agrees with the full decoder")
struct PayloadScannerTests {
    static let seed: UInt64 = 2026_12_06_15

    /// Strings a payload may carry: plain ones the scanner reads, and ones it leaves to the
    /// full decoder (empty, escaped, control characters, non-ASCII).
    static let strings = ["c-1", "TREAT", "http://loinc.org", "Organization/clinic-b", "59284-0", "z", "a b", "",
                          "a\"b", "back\\slash", "tab\t", "é", "日本", "🩺", "\u{7F}"]
    static let instants: [Int64] = [0, 1_789_718_400_000, -86_400_000, FHIRDateTime.minMillis, FHIRDateTime.maxMillis,
                                    FHIRDateTime.minMillis - 1, FHIRDateTime.maxMillis + 1, 10]

    /// Random contents; a clean one (about half) holds only values both decoders accept.
    struct Random {
        var rng: SeededGenerator
        var clean = true
        mutating func int(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }
        mutating func chance(_ oneIn: Int) -> Bool { int(oneIn) == 0 }
        mutating func pick<T>(_ values: [T]) -> T { values[int(values.count)] }
        mutating func string() -> String {
            !clean && chance(4) ? pick(PayloadScannerTests.strings) : pick(Array(PayloadScannerTests.strings.prefix(7)))
        }
        mutating func instant() -> Int64 {
            !clean && chance(3) ? pick(PayloadScannerTests.instants) : pick(Array(PayloadScannerTests.instants.prefix(5)))
        }
        mutating func hash() -> Hash32 { Hash32(bytes: rng.bytes(32))! }
        mutating func list<T>(_ max: Int, _ make: (inout Random) -> T) -> [T] { (0..<int(max + 1)).map { _ in make(&self) } }
        mutating func coding() -> Coding {
            Coding(system: chance(3) ? nil : string(), code: string(), display: chance(2) ? nil : string())
        }
        mutating func concept() -> Concept {
            let codings = list(2) { $0.coding() }
            let text = chance(2) ? nil : string()
            return Concept(codings: codings, text: clean && codings.isEmpty && text == nil ? "t" : text)
        }
        mutating func period() -> ConsentPeriod {
            let a = instant(), b = instant()
            if clean { return chance(3) ? ConsentPeriod(start: min(a, b)) : ConsentPeriod(start: chance(2) ? nil : min(a, b), end: max(a, b)) }
            return ConsentPeriod(start: chance(3) ? nil : a, end: chance(3) ? nil : b)
        }
        mutating func provision(depth: Int) -> ConsentProvision {
            ConsentProvision(
                type: chance(4) ? nil : pick(ProvisionType.allCases), period: chance(3) ? period() : nil,
                actors: list(2) { ProvisionActor(role: $0.concept(), reference: $0.string()) }, actions: list(1) { $0.concept() },
                securityLabels: list(2) { $0.coding() }, purposes: list(2) { $0.coding() }, classes: list(1) { $0.coding() },
                codes: list(1) { $0.concept() }, dataPeriod: chance(4) ? period() : nil,
                provisions: depth >= 3 ? [] : list(2) { $0.provision(depth: depth + 1) },
                data: chance(4) ? list(2) { ProvisionData(meaning: $0.pick(ProvisionData.Meaning.allCases), reference: $0.string()) } : [])
        }
        /// Provisions nested `levels` deep (the decoders refuse past 16).
        mutating func nested(_ levels: Int) -> ConsentProvision {
            var p = ConsentProvision(type: .deny)
            for _ in 1..<levels { p = ConsentProvision(type: .permit, provisions: [p]) }
            return p
        }
        mutating func content() -> ConsentVersionContent {
            clean = chance(2)
            let provision: ConsentProvision? = chance(5) ? nil : chance(20) ? nested(clean ? pick([15, 16]) : pick([16, 17])) : self.provision(depth: 1)
            return ConsentVersionContent(
                key: ConsentKey(patient: PatientPseudonym(hash()), consentId: string()), status: pick(ConsentStatus.allCases),
                scope: concept(), category: list(2) { $0.concept() }, dateTime: chance(2) ? instant() : nil,
                policyRule: chance(2) ? concept() : nil, organizations: list(2) { $0.string() }, provision: provision,
                supersedes: list(3) { $0.hash() }, policies: chance(4) ? list(3) { $0.string() } : [],
                policyReferences: chance(4) ? list(2) { PolicyReference(authority: $0.chance(2) ? nil : $0.string(), uri: ($0.clean || !$0.chance(3)) ? $0.string() : nil) } : [],
                original: chance(2) ? hash() : nil)
        }
    }

    /// The same outcome: equal content, or errors with the same code, message, path and offset.
    static func same(_ a: Result<ConsentVersionContent, ConsentError>, _ b: Result<ConsentVersionContent, ConsentError>) -> Bool {
        switch (a, b) {
        case (.success(let x), .success(let y)): x == y
        case (.failure(let x), .failure(let y)): x.code == y.code && x.message == y.message && x.path == y.path && x.offset == y.offset
        default: false
        }
    }

    /// Checks every promise on one input; returns whether the scanner answered.
    @discardableResult
    static func check(_ bytes: [UInt8], _ label: String) -> Bool {
        let full = Result { () throws(ConsentError) in try ConsentVersionPayload.decodeFully(bytes) }
        let fullIndexed = Result { () throws(ConsentError) in try ConsentVersionPayload.content(try ConsentJSON.parse(bytes)) }
        let decoded = Result { () throws(ConsentError) in try ConsentVersionPayload.decode(bytes) }
        let indexed = Result { () throws(ConsentError) in try ConsentVersionPayload.decode(indexed: bytes) }
        #expect(same(decoded, full), "decode differs from the full decoder: \(label); replay with seed \(seed)")
        #expect(same(indexed, fullIndexed), "decode(indexed:) differs from the full decoder: \(label); replay with seed \(seed)")
        guard let scanned = ConsentPayloadScanner.scan(bytes) else { return false }
        #expect((try? fullIndexed.get()) == scanned, "scanner content differs: \(label); replay with seed \(seed)")
        return true
    }

    @Test("encoded random contents: same content or same error (seeded)")
    func randomContents() throws {
        var random = Random(rng: SeededGenerator(seed: Self.seed))
        var answered = 0, left = 0
        for n in 0..<3_000 {
            let bytes = ConsentVersionPayload.encode(random.content())
            if Self.check(bytes, "content \(n)") { answered += 1 } else { left += 1 }
        }
        #expect(answered > 300 && left > 300, "both paths exercised: \(answered) scanned, \(left) left to the full decoder; seed \(Self.seed)")
    }

    @Test("mutated payloads: whitespace, swapped members, bad digits, unsorted lists (seeded)")
    func mutatedPayloads() throws {
        var random = Random(rng: SeededGenerator(seed: Self.seed &+ 1))
        let inserts: [[UInt8]] = [Array(" ".utf8), Array(",".utf8), Array("0".utf8), Array("-".utf8), Array("\"".utf8),
                                  Array("{}".utf8), Array("[]".utf8), Array(".5".utf8), Array("\\u0041".utf8), Array("A".utf8)]
        var answered = 0
        for n in 0..<3_000 {
            var bytes = ConsentVersionPayload.encode(random.content())
            switch random.int(5) {
            case 0: bytes.remove(at: random.int(bytes.count))
            case 1: bytes.insert(contentsOf: random.pick(inserts), at: random.int(bytes.count + 1))
            case 2: bytes[random.int(bytes.count)] = UInt8(truncatingIfNeeded: random.rng.next())
            case 3:
                let a = random.int(bytes.count), b = random.int(bytes.count)
                bytes.swapAt(a, b)
            default:
                // Digits and hex case: both decoders must refuse an upper-case pseudonym or a leading zero alike.
                if let at = bytes.indices.filter({ (0x30...0x39).contains(bytes[$0]) || (0x61...0x66).contains(bytes[$0]) }).randomElement(using: &random.rng) {
                    bytes[at] = random.pick([0x30, 0x41, 0x46, 0x39])
                }
            }
            if Self.check(bytes, "mutation \(n): \(String(decoding: bytes, as: UTF8.self))") { answered += 1 }
        }
        #expect(answered > 100, "mutations the scanner still reads: \(answered); seed \(Self.seed)")
    }

    @Test("unsorted or repeated supersedes and policies: content read, decode refuses them as non-canonical")
    func unsortedLists() throws {
        let patient = PatientPseudonym(Hash32(bytes: [UInt8](repeating: 0xab, count: 32))!)
        let low = Hash32(bytes: [UInt8](repeating: 1, count: 32))!, high = Hash32(bytes: [UInt8](repeating: 2, count: 32))!
        let content = ConsentVersionContent(
            key: ConsentKey(patient: patient, consentId: "c-1"), status: .active, scope: Concept(code: "patient-privacy"),
            category: [], provision: ConsentProvision(type: .permit), supersedes: [low, high], policies: ["p-a", "p-b"])
        let canonical = ConsentVersionPayload.encode(content)
        let text = String(decoding: canonical, as: UTF8.self)
        for swapped in [text.replacingOccurrences(of: "\"\(low.hex)\",\"\(high.hex)\"", with: "\"\(high.hex)\",\"\(low.hex)\""),
                        text.replacingOccurrences(of: "\"\(low.hex)\",\"\(high.hex)\"", with: "\"\(high.hex)\",\"\(high.hex)\",\"\(low.hex)\""),
                        text.replacingOccurrences(of: "\"p-a\",\"p-b\"", with: "\"p-b\",\"p-a\"")] {
            let bytes = Array(swapped.utf8)
            #expect(bytes != canonical)
            #expect(ConsentPayloadScanner.scan(bytes) == content)
            #expect(try ConsentVersionPayload.decode(indexed: bytes) == content)
            #expect(throws: ConsentError.self) { try ConsentVersionPayload.decode(bytes) }
            Self.check(bytes, swapped)
        }
        #expect(ConsentPayloadScanner.scan(canonical) == content)
    }
}
