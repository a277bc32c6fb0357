import LedgerConsent
import LedgerCore
import Testing
import TestSupport

/// `AccessDecisionPayload.decodes(_:)`: the group commit hands the derived-state database the
/// decisions it encoded instead of the database parsing their payloads (Specs/fhir-api.md §4.3),
/// so it must say exactly when decoding the encoding gives the decision's members back.
@Suite("A decision's payload decodes back")
struct DecisionDecodesTests {
    /// Strings a request may carry, including the ones decoding refuses (empty) and ones the
    /// JSON writer escapes.
    static let strings = ["", "TREAT", "Organization/clinic-b", "a\"b\\c", "tab\tnewline\n", "\u{0}", "é", "e\u{301}", "日本", "🩺", "z"]
    static let instants: [Int64] = [FHIRDateTime.minMillis - 1, FHIRDateTime.minMillis, 0, 1_900_000_000_000, FHIRDateTime.maxMillis,
                                    FHIRDateTime.maxMillis + 1, -1]

    private static func pick<T>(_ values: [T], _ rng: inout SeededGenerator) -> T { values[Int(rng.next() % UInt64(values.count))] }

    private static func list(_ rng: inout SeededGenerator) -> [String] {
        (0..<Int(rng.next() % 4)).map { _ in pick(strings, &rng) }
    }

    /// A decision with random members; about every third one has a list set after `init`, unsorted or repeated.
    private static func decision(_ rng: inout SeededGenerator) -> AccessDecision {
        let maybe: (inout SeededGenerator) -> String? = { rng in rng.next() % 3 == 0 ? nil : pick(strings, &rng) }
        var request = AccessRequest(
            patient: PatientPseudonym(Hash32(bytes: (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) })!),
            actor: pick(strings, &rng), purpose: pick(strings, &rng), classes: list(&rng), time: pick(instants, &rng),
            dataTime: rng.next() % 2 == 0 ? nil : pick(instants, &rng), emergency: rng.next() % 2 == 0,
            resource: maybe(&rng), referencedBy: list(&rng), client: maybe(&rng))
        if rng.next() % 3 == 0 { request.classes = list(&rng) }
        if rng.next() % 3 == 0 { request.referencedBy = list(&rng) }
        let basis = (0..<Int(rng.next() % 3)).map { _ in Hash32(bytes: (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) })! }
        var decision = AccessDecision(request: request, outcome: rng.next() % 2 == 0 ? .permit : .deny, basis: basis,
                                      reason: pick(strings, &rng), emergency: request.emergency)
        if rng.next() % 3 == 0 { decision.basis = basis + basis.prefix(1) }
        return decision
    }

    @Test("decodes(_:) holds exactly when decode(encode(d)) succeeds and gives d back (seeded)")
    func decodesMatchesDecoding() throws {
        var rng = SeededGenerator(seed: 2026_12_06)
        var held = 0, refused = 0
        for _ in 0..<4_000 {
            let decision = Self.decision(&rng)
            let decoded = try? AccessDecisionPayload.decode(AccessDecisionPayload.encode(decision))
            #expect(AccessDecisionPayload.decodes(decision) == (decoded != nil), "\(decision)")
            if AccessDecisionPayload.decodes(decision) {
                #expect(decoded == decision, "\(decision)")
                held += 1
            } else {
                refused += 1
            }
        }
        #expect(held > 100 && refused > 100, "both sides exercised: \(held) held, \(refused) refused")
    }

    @Test("the rules decoding adds: an empty string, an instant past year 9999, unsorted classes")
    func namedRefusals() throws {
        let request = AccessRequest(patient: PatientPseudonym(Hash32(bytes: [UInt8](repeating: 7, count: 32))!), actor: "Organization/a",
                                    purpose: "TREAT", classes: ["Observation"], time: 1_900_000_000_000, client: "ehr-1")
        let good = AccessDecision(request: request, outcome: .permit, basis: [], reason: "permitted", emergency: false)
        #expect(AccessDecisionPayload.decodes(good))
        var emptyClient = good
        emptyClient.request.client = ""
        var late = good
        late.request.time = FHIRDateTime.maxMillis + 1
        var unsorted = good
        unsorted.request.classes = ["b", "a"]
        var emptyReason = good
        emptyReason.reason = ""
        for bad in [emptyClient, late, unsorted, emptyReason] {
            #expect(!AccessDecisionPayload.decodes(bad))
            #expect(throws: ConsentError.self) { try AccessDecisionPayload.decode(AccessDecisionPayload.encode(bad)) }
        }
    }
}
