import LedgerConsent

/// The patients whose consent versions the HTTP API's state holds, bounded: past
/// ``capacity`` the ones asked about least recently are dropped (Specs/fhir-api.md §3).
///
/// Why: a server answering consults for random patients would otherwise end up holding every
/// patient of the site (at 10^6 entries, 50,000 patients and over 300 MB). A dropped patient is
/// read again through the index when next asked about, so dropping costs time, never answers.
///
/// Dropping runs in batches of a sixty-fourth of the capacity, and costs what it drops, not
/// what is held: every use is appended to ``uses`` with its stamp, so the live records (those
/// whose stamp is still their patient's last use) list the patients from least to most
/// recently asked about, and a drop takes them from the front. Stale records are skipped
/// there and swept out once they outnumber the patients held (one pass, no sort). A consult
/// on the ledger's queue never waits for a sort of every patient held.
struct LoadedPatients {
    /// Patients kept after a drop.
    let capacity: Int
    /// Patient → when it was last asked about (a counter).
    private var lastUse: [PatientPseudonym: UInt64] = [:]
    /// Uses in the order they happened, from ``head`` on: `(patient, stamp)`.
    private var uses: [(patient: PatientPseudonym, stamp: UInt64)] = []
    /// Where the records not yet taken by a drop begin.
    private var head = 0
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
        touch(patient)
        return true
    }

    /// Whether `patient`'s versions are held (without marking it).
    func contains(_ patient: PatientPseudonym) -> Bool { lastUse[patient] != nil }

    /// Records that `patient`'s versions are now held.
    mutating func insert(_ patient: PatientPseudonym) { touch(patient) }

    /// The patients to drop now, least recently asked about first, never one of `keeping`
    /// (removed here; the caller drops their versions): none until ``count`` passes the
    /// capacity by a sixty-fourth, then enough to come back to it.
    mutating func evict(keeping: Set<PatientPseudonym>) -> [PatientPseudonym] {
        guard lastUse.count > capacity + max(1, capacity / 64) else { return [] }
        var excess = lastUse.count - capacity
        var dropped: [PatientPseudonym] = []
        var kept: [(patient: PatientPseudonym, stamp: UInt64)] = []
        while excess > 0, head < uses.count {
            let record = uses[head]
            head += 1
            guard lastUse[record.patient] == record.stamp else { continue }  // used again since
            if keeping.contains(record.patient) {
                kept.append(record)
                continue
            }
            lastUse[record.patient] = nil
            dropped.append(record.patient)
            excess -= 1
        }
        // The request's own patients stay where they were: the least recently used held.
        head -= kept.count
        for (offset, record) in kept.enumerated() { uses[head + offset] = record }
        return dropped
    }

    /// Marks `patient` as just asked about; sweeps the stale records once they outnumber the
    /// live ones (each sweep follows at least as many uses as it keeps records).
    private mutating func touch(_ patient: PatientPseudonym) {
        clock += 1
        lastUse[patient] = clock
        uses.append((patient, clock))
        if uses.count >= 2 * (lastUse.count + 512) {
            uses = uses[head...].filter { lastUse[$0.patient] == $0.stamp }
            head = 0
        }
    }
}
