import LedgerConsent
import LedgerCore
@testable import LedgerSite
import Testing

/// The HTTP API's bound on the patients it holds (Specs/fhir-api.md §3).
@Suite("The API's loaded patients")
struct LoadedPatientsTests {
    static func patient(_ n: UInt64) -> PatientPseudonym { PatientPseudonym(Hash32(w0: n, w1: 0, w2: 0, w3: 0)) }

    @Test("nothing is dropped until the capacity is passed by an eighth, then the least recently asked about go first")
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
}
