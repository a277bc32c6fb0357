import Foundation
import LedgerSite

/// One `wrk` load phase against the API and what it printed: requests per second, the
/// latency percentiles of `--latency`, and the non-2xx count.
struct WrkRun {
    let perSecond: Double
    let p50: Double
    let p99: Double
    let failures: Int

    init(wrk: String, port: Int, seconds: Int, connections: Int, scratch: String, script: String) throws {
        let scriptPath = scratch + "/wrk-\(UUID().uuidString.prefix(8)).lua"
        try Data(script.utf8).write(to: URL(fileURLWithPath: scriptPath))
        let out = scratch + "/wrk.out"
        _ = try MeasuredProcess.runChecked(wrk, ["-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", scriptPath,
                                                 "http://127.0.0.1:\(port)"], scratch: scratch, stdoutPath: out)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        func value(after label: String) -> String? {
            text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }
                .map { $0.trimmingCharacters(in: .whitespaces).dropFirst(label.count).trimmingCharacters(in: .whitespaces) }
        }
        perSecond = value(after: "Requests/sec:").flatMap(Double.init) ?? 0
        p50 = value(after: "50%").map(Self.milliseconds) ?? 0
        p99 = value(after: "99%").map(Self.milliseconds) ?? 0
        failures = value(after: "Non-2xx or 3xx responses:").flatMap { Int($0) } ?? 0
    }

    /// `812.00us`, `1.23ms`, `2.01s` → milliseconds.
    static func milliseconds(_ text: String) -> Double {
        let units: [(String, Double)] = [("us", 0.001), ("ms", 1), ("s", 1000), ("m", 60_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            return ((Double(text.dropLast(suffix.count)) ?? 0) * factor * 1000).rounded() / 1000
        }
        return 0
    }

    /// The consult for synthetic patient `patient`, as the EHR in the benchmark sends it.
    static func consultBody(patient: String) -> String {
        #"{"hook":"patient-consent-consult","hookInstance":"bench","context":{"patientId":[{"system":""#
            + SiteCorpus.patientSystem + #"","value":""# + patient
            + #""}],"purposeOfUse":["TREAT"],"actor":[{"system":"urn:ietf:rfc:3986","value":"Organization/clinic-1"}],"class":["Observation"]}}"#
    }

    static func consultRequest(patient: Int, token: String) -> APIRequest {
        APIRequest(method: "POST", path: "/cds-services/patient-consent-consult", authorization: "Bearer \(token)",
                   body: Array(consultBody(patient: "bench-mrn-\(patient)").utf8))
    }

    /// A wrk script posting consults for random patients (fixed seed).
    static func consultScript(token: String, patients: Int) -> String {
        let body = consultBody(patient: "bench-mrn-%d").replacingOccurrences(of: "\"", with: "\\\"")
        return """
        math.randomseed(20261205)
        request = function()
          local body = string.format("\(body)", math.random(0, \(patients - 1)))
          return wrk.format("POST", "/cds-services/patient-consent-consult",
            {["Authorization"] = "Bearer \(token)", ["Content-Type"] = "application/json"}, body)
        end
        """
    }

    /// A wrk script searching the consents of random patients (fixed seed).
    static func searchScript(token: String, patients: Int) -> String {
        """
        math.randomseed(20261205)
        request = function()
          local path = string.format("/fhir/Consent?patient=\(SiteCorpus.patientSystem)%%7Cbench-mrn-%d", math.random(0, \(patients - 1)))
          return wrk.format("GET", path, {["Authorization"] = "Bearer \(token)"})
        end
        """
    }
}
