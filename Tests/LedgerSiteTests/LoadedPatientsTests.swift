import LedgerConsent
import LedgerCore
@testable import LedgerSite
import Testing
import TestSupport

/// The HTTP API's bound on the patients it holds (Specs/fhir-api.md §3).
@Suite("The API's loaded patients")
struct LoadedPatientsTests {
    static func patient(_ n: UInt64) -> PatientPseudonym { PatientPseudonym(Hash32(w0: n, w1: 0, w2: 0, w3: 0)) }

    @Test("nothing is dropped until the capacity is passed, then the least recently asked about go first")
    func dropsLeastRecentlyUsed() {
        var loaded = LoadedPatients(capacity: 8)
        for n: UInt64 in 0..<9 { loaded.insert(Self.patient(n)) }
        #expect(loaded.evict(keeping: []).isEmpty)
        let used = loaded.use(Self.patient(0))
        #expect(used)
        loaded.insert(Self.patient(9))
        // 10 held, capacity 8: the two asked about least recently (1 and 2; 0 was just used) go.
        let dropped = loaded.evict(keeping: [])
        #expect(Set(dropped) == [Self.patient(1), Self.patient(2)])
        #expect(loaded.count == 8)
        #expect(loaded.contains(Self.patient(0)))
        #expect(!loaded.contains(Self.patient(1)))
        let reused = loaded.use(Self.patient(2))
        #expect(!reused)
    }

    @Test("a patient the current request asks about is never dropped")
    func keepsTheRequestsPatients() {
        var loaded = LoadedPatients(capacity: 1)
        for n: UInt64 in 0..<3 { loaded.insert(Self.patient(n)) }
        let dropped = loaded.evict(keeping: [Self.patient(0)])
        #expect(Set(dropped) == [Self.patient(1), Self.patient(2)])
        #expect(loaded.contains(Self.patient(0)))
    }

    /// The rule as first written: every patient's last use, sorted at each drop.
    struct Reference {
        let capacity: Int
        var lastUse: [PatientPseudonym: UInt64] = [:]
        var clock: UInt64 = 0
        mutating func use(_ patient: PatientPseudonym) -> Bool {
            guard lastUse[patient] != nil else { return false }
            clock += 1
            lastUse[patient] = clock
            return true
        }
        mutating func insert(_ patient: PatientPseudonym) { clock += 1; lastUse[patient] = clock }
        mutating func evict(keeping: Set<PatientPseudonym>) -> [PatientPseudonym] {
            guard lastUse.count > capacity + max(1, capacity / 64) else { return [] }
            let oldest = lastUse.filter { !keeping.contains($0.key) }.sorted { $0.value < $1.value }
                .prefix(lastUse.count - capacity).map(\.key)
            for patient in oldest { lastUse[patient] = nil }
            return oldest
        }
    }

    @Test("drops exactly the patients a full sort by last use drops, in that order, over seeded random requests", arguments: [1, 7, 64, 200])
    func matchesTheSortedRule(capacity: Int) {
        var generator = SeededGenerator(seed: UInt64(20261206 + capacity))
        var loaded = LoadedPatients(capacity: capacity)
        var reference = Reference(capacity: capacity)
        for step in 0..<20_000 {
            // A request about one to three patients out of four times the capacity, as `load` makes it.
            let asked = (0..<Int.random(in: 1...3, using: &generator)).map { _ in Self.patient(UInt64.random(in: 0..<UInt64(4 * capacity + 4), using: &generator)) }
            let missing = asked.filter { !loaded.use($0) }
            #expect(missing == asked.filter { !reference.use($0) }, "step \(step)")
            guard !missing.isEmpty else { continue }
            let dropped = loaded.evict(keeping: Set(asked))
            let expected = reference.evict(keeping: Set(asked))
            #expect(dropped == expected, "step \(step): seed \(20261206 + capacity)")
            for patient in missing where !loaded.contains(patient) {
                loaded.insert(patient)
                reference.insert(patient)
            }
            #expect(loaded.count == reference.lastUse.count)
        }
    }
}
