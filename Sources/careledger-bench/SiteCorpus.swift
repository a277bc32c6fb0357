import Foundation

/// The input files `careledger-bench site` feeds the real `careledger` binary: FHIR Consent
/// bundles, access decisions, clinical notes and record anchors, all synthetic and
/// deterministic (the same size gives the same files), none holding patient data.
struct SiteCorpus {
    /// The identifier system the synthetic patients' MRNs live in.
    static let patientSystem = "urn:oid:2.16.840.1.113883.2.4.6.3"
    /// Consents per FHIR Bundle file (one `consent import` argument each).
    static let consentsPerFile = 20_000

    /// Where the files are written.
    let folder: String

    /// The `check`/`consent export` argument for synthetic patient `index`.
    static func patient(_ index: Int) -> String { "\(patientSystem)|bench-mrn-\(index)" }

    /// Writes `count` Consents over `patients` patients into Bundle files named
    /// `PREFIX-N.json`, returning their paths. Every patient's first Consent permits
    /// treatment and denies psychotherapy notes; later ones are new consents of that patient.
    func writeConsents(_ count: Int, patients: Int, prefix: String) throws -> [String] {
        var paths: [String] = []
        var start = 0
        while start < count {
            let end = min(count, start + Self.consentsPerFile)
            var out = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
            for index in start..<end {
                if index > start { out += "," }
                out += Self.consent(index: index, prefix: prefix, patient: index % max(1, patients))
            }
            out += "]}\n"
            let path = folder + "/\(prefix)-\(paths.count).json"
            try Data(out.utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
            start = end
        }
        return paths
    }

    /// One FHIR R4 Consent resource as JSON text.
    static func consent(index: Int, prefix: String, patient: Int) -> String {
        """
        {"fullUrl":"urn:uuid:\(uuid(index, prefix.utf8.count))","resource":{"resourceType":"Consent","id":"\(prefix)-\(index)",\
        "status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},\
        "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],\
        "patient":{"identifier":{"system":"\(patientSystem)","value":"bench-mrn-\(patient)"}},\
        "dateTime":"2026-0\(1 + index % 9)-1\(index % 10)T08:00:00Z",\
        "policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]},\
        "provision":{"type":"permit","purpose":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"TREAT"}],\
        "provision":[{"type":"deny","securityLabel":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"PSY"}]}]}}}
        """
    }

    /// A fixed, valid UUID text for item `index` of a corpus.
    private static func uuid(_ index: Int, _ salt: Int) -> String {
        let hex = String(format: "%012x", index * 16 + salt % 16)
        return "5d0c6a6e-7b1e-4a53-9a4c-\(hex)"
    }

    /// Writes `count` access-decision payloads (Specs/consent.md §6) as JSON Lines.
    func writeDecisions(_ count: Int, patients: Int, path: String) throws {
        try writeLines(path, count) { index in
            let patient = String(format: "%064x", index % max(1, patients))
            let decision = index % 5 == 0 ? "deny" : "permit"
            return "{\"actor\":\"Organization/clinic-\(index % 7)\",\"classes\":[\"Observation\"],\"decision\":\"\(decision)\","
                + "\"emergency\":false,\"format\":1,\"patient\":\"\(patient)\",\"purpose\":\"TREAT\","
                + "\"reason\":\"bench\",\"time\":\(1_767_225_600_000 + index * 1000)}"
        }
    }

    /// Writes `count` notes (even lines) and record anchors (odd lines) as JSON Lines of one
    /// kind each: notes to `notesPath`, anchors to `anchorsPath`; returns the two counts.
    func writeNotesAndAnchors(_ count: Int, site: String, notesPath: String, anchorsPath: String) throws -> (notes: Int, anchors: Int) {
        let notes = (count + 1) / 2
        let anchors = count / 2
        try writeLines(notesPath, notes) { index in
            "{\"note\":\"\(site) shift handover \(index)\",\"ward\":\"w\(index % 12)\",\"n\":\(index)}"
        }
        try writeLines(anchorsPath, anchors) { index in
            "{\"id\":\"\(site)-obs-\(index)\",\"sha256\":\"\(String(format: "%064x", index + 1))\",\"size\":\(512 + index % 4096),\"type\":\"Observation\"}"
        }
        return (notes, anchors)
    }

    /// Writes `count` lines made by `line`, through a buffer (10^6 lines are tens of MB).
    func writeLines(_ path: String, _ count: Int, _ line: (Int) -> String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw MeasuredProcess.Failure(description: "cannot create \(path)")
        }
        defer { try? handle.close() }
        var buffer = ""
        buffer.reserveCapacity(1 << 20)
        for index in 0..<count {
            buffer += line(index)
            buffer += "\n"
            if buffer.utf8.count >= 1 << 20 {
                try handle.write(contentsOf: Data(buffer.utf8))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: Data(buffer.utf8))
    }
}
