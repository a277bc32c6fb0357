import Foundation
import Synchronization
import Testing
import TestSupport

/// A consult never answers from a stale state: the API keeps the patients it was asked about
/// (and its own decisions) in memory between requests, yet a consent version written by
/// another process must decide the very next consult (Specs/fhir-api.md §3).
@Suite("Consults over HTTP see every commit")
struct HTTPConsultFreshnessTests {
    static let consult = Data("""
    {"hook": "patient-consent-consult", "hookInstance": "fresh",
     "context": {"patientId": [{"system": "urn:oid:2.16.840.1.113883.2.4.6.3", "value": "sample-mrn-0001"}],
                 "purposeOfUse": ["TREAT"], "actor": [{"system": "urn:ietf:rfc:3986", "value": "Organization/clinic-b"}],
                 "class": ["Observation"]}}
    """.utf8)

    static func summary(_ port: Int, token: String) async throws -> String? {
        let answered = try await HTTPAPITests.call(port, "POST", "/cds-services/patient-consent-consult", token: token, body: consult)
        let cards = try HTTPAPITests.object(answered.body)["cards"] as? [[String: Any]]
        return cards?.first?["summary"] as? String
    }

    @Test("a revocation imported by another process while consults are being committed denies the next consult")
    func externalRevocationDeniesTheNextConsult() async throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "net"]).status == 0)
        let token = try #require(try cli.json(["api-token", "--dir", "central", "--name", "ehr-1"])["token"] as? String)
        let samples = SamplesTests.samplesFolder + "/fhir/"
        #expect(try cli.run(["consent", "import", "--dir", "central", samples + "permit-with-nested-deny.json"]).status == 0)
        let server = try TCPSyncTests.Server(cli: cli, site: "central", options: [], http: true)
        defer { server.stop() }
        // The patient is loaded into the API's state, and its decisions are being recorded.
        #expect(try await Self.summary(server.port, token: token) == "CONSENT_PERMIT")

        let port = server.port
        let stop = StopFlag()
        // Other EHRs keep consulting while the revocation is written: group commits of their
        // decisions land before and after the import's entry.
        let load = Task {
            var answered = 0
            while !stop.isSet {
                async let one = Self.summary(port, token: token)
                async let two = Self.summary(port, token: token)
                _ = try await (one, two)
                answered += 2
            }
            return answered
        }
        try await Task.sleep(for: .milliseconds(200))
        let imported = try cli.run(["consent", "import", "--dir", "central", samples + "revocation.json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        // The import returned once its entry was durable: the next consult must see it.
        #expect(try await Self.summary(port, token: token) == "CONSENT_DENY")
        stop.set()
        #expect(try await load.value > 0)
        #expect(try await Self.summary(port, token: token) == "CONSENT_DENY")
    }
}

/// A flag one task sets and another polls.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
