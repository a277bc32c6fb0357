import Crypto

/// Realistic ledger records for the storage benchmark: consent versions and audit events as
/// JSON of about 400 bytes with lowercase hex hashes, keyed by the SHA-256 of the value.
///
/// Deterministic (SplitMix64 from a fixed seed), so every run and both stores see the same bytes.
struct StorageBenchmarkRecords {
    private var state: UInt64
    private let patients: [String]
    private let actors = ["Organization/clinic-b", "Practitioner/dr-0412", "Organization/lab-north", "Practitioner/nurse-77"]
    private let purposes = ["TREAT", "ETREAT", "HRESCH", "HPAYMT", "PUBHLTH"]
    private let classes = ["Observation", "Condition", "MedicationRequest", "DiagnosticReport", "Immunization"]

    init(seed: UInt64 = 0x00C0_FFEE, patientCount: Int = 20_000) {
        state = seed
        var generator = seed ^ 0x5EED
        patients = (0..<patientCount).map { _ in Self.hex(Self.splitMix(&generator), Self.splitMix(&generator), Self.splitMix(&generator), Self.splitMix(&generator)) }
    }

    /// The record with 0-based number `ordinal` in this stream (call in order).
    mutating func next(ordinal: Int) -> (key: [UInt8], value: [UInt8]) {
        let patient = patients[Int(Self.splitMix(&state) % UInt64(patients.count))]
        let hash = Self.hex(Self.splitMix(&state), Self.splitMix(&state), Self.splitMix(&state), Self.splitMix(&state))
        let actor = actors[Int(Self.splitMix(&state) % UInt64(actors.count))]
        let purpose = purposes[Int(Self.splitMix(&state) % UInt64(purposes.count))]
        let dataClass = classes[Int(Self.splitMix(&state) % UInt64(classes.count))]
        let second = 1_764_000_000 + ordinal * 3
        let time = "2026-11-\(10 + (second / 86_400) % 18)T\(pad((second / 3600) % 24)):\(pad((second / 60) % 60)):\(pad(second % 60))Z"
        let json: String
        if ordinal % 3 == 0 {
            json = """
                {"kind":"consent.version","site":"clinic-\(pad(ordinal % 50))","patient":"\(patient)","consent":"c-\(ordinal / 7)",\
                "version":\(ordinal % 9 + 1),"status":"active","provision":{"type":"\(ordinal % 5 == 0 ? "deny" : "permit")",\
                "actor":"\(actor)","purpose":"\(purpose)","class":["\(dataClass)"]},"period":{"start":"2026-01-01T00:00:00Z",\
                "end":"2027-01-01T00:00:00Z"},"supersedes":["\(hash)"],"time":"\(time)"}
                """
        } else {
            json = """
                {"kind":"audit.access","site":"clinic-\(pad(ordinal % 50))","actor":"\(actor)","patient":"\(patient)",\
                "purpose":"\(purpose)","class":"\(dataClass)","decision":"\(ordinal % 11 == 0 ? "deny" : "permit")",\
                "basis":["\(hash)"],"emergency":\(ordinal % 101 == 0),"record_sha256":"\(hash.prefix(32))\(patient.prefix(32))",\
                "time":"\(time)"}
                """
        }
        let value = Array(json.utf8)
        return (Array(SHA256.hash(data: value)), value)
    }

    private func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func hex(_ words: UInt64...) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(words.count * 16)
        for word in words {
            for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((word >> UInt64(shift)) & 0xF)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
