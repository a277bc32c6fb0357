import LedgerConsent

/// The patients whose consent versions the HTTP API's state holds, bounded: past
/// ``capacity`` the ones asked about least recently are dropped (Specs/fhir-api.md §3).
///
/// Why: a server answering consults for random patients would otherwise end up holding every
/// patient of the site (at 10^6 entries, 50,000 patients and over 300 MB). A dropped patient is
/// read again through the index when next asked about, so dropping costs time, never answers.
/// Dropping runs in batches of an eighth of the capacity: one sort per batch, not per request.
struct LoadedPatients {
    /// Patients kept after a drop.
    let capacity: Int
    /// Patient → when it was last asked about (a counter).
    private var lastUse: [PatientPseudonym: UInt64] = [:]
    private var clock: UInt64 = 0

    /// None loaded, at most `capacity` kept (at least 1).
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// How many are loaded.
    var count: Int { lastUse.count }

    /// Whether `patient`'s versions are held; marks it as just asked about when they are.
    mutating func use(_ patient: PatientPseudonym) -> Bool {
        guard lastUse[patient] != nil else { return false }
        clock += 1
        lastUse[patient] = clock
        return true
    }

    /// Whether `patient`'s versions are held (without marking it).
    func contains(_ patient: PatientPseudonym) -> Bool { lastUse[patient] != nil }

    /// Records that `patient`'s versions are now held.
    mutating func insert(_ patient: PatientPseudonym) {
        clock += 1
        lastUse[patient] = clock
    }

    /// The patients to drop now, least recently asked about first, never one of `keeping`
    /// (removed here; the caller drops their versions): none until ``count`` passes the
    /// capacity by an eighth, then enough to come back to it.
    mutating func evict(keeping: Set<PatientPseudonym>) -> [PatientPseudonym] {
        guard lastUse.count > capacity + max(1, capacity / 8) else { return [] }
        let excess = lastUse.count - capacity
        let oldest = lastUse.filter { !keeping.contains($0.key) }.sorted { $0.value < $1.value }.prefix(excess).map(\.key)
        for patient in oldest { lastUse[patient] = nil }
        return oldest
    }
}
