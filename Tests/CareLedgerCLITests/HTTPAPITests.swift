import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// `careledger serve --http` and `careledger api-token` as a user meets them: a real server
/// process and an HTTP client (Specs/fhir-api.md; issue 15).
@Suite("The FHIR API of serve --http")
struct HTTPAPITests {
    static func call(_ port: Int, _ method: String, _ path: String, token: String?, body: Data? = nil) async throws
        -> (status: Int, body: Data, headers: [AnyHashable: Any]) {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
        request.httpMethod = method
        request.httpBody = body
        request.setValue("application/fhir+json", forHTTPHeaderField: "Content-Type")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, data, http.allHeaderFields)
    }

    static func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("an EHR creates a consent, asks a consult, and reads the audit trail (naming its token) over HTTP; the token file is 0600 and a huge body gets 413")
    func ehrSessionOverHTTP() async throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "net"]).status == 0)
        let created = try cli.json(["api-token", "--dir", "central", "--name", "ehr-1"])
        let token = try #require(created["token"] as? String)
        #expect(token.hasPrefix("clt_"))
        let mode = try FileManager.default.attributesOfItem(atPath: cli.path("central/api-tokens.json"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!(try String(contentsOfFile: cli.path("central/api-tokens.json"), encoding: .utf8)).contains(token))

        let server = try TCPSyncTests.Server(cli: cli, site: "central", options: [], http: true)
        defer { server.stop() }
        #expect(try await Self.call(server.port, "GET", "/fhir/metadata", token: nil).status == 200)
        #expect(try await Self.call(server.port, "GET", "/fhir/AuditEvent", token: nil).status == 401)

        let consent = try #require(FileManager.default.contents(atPath: SamplesTests.samplesFolder + "/fhir/permit-with-nested-deny.json"))
        let posted = try await Self.call(server.port, "POST", "/fhir/Consent", token: token, body: consent)
        #expect(posted.status == 201)
        #expect((posted.headers["Location"] as? String)?.hasPrefix("/fhir/Consent/privacy-clinic-b/_history/") == true)

        let consult = Data("""
        {"hook": "patient-consent-consult", "hookInstance": "h-1",
         "context": {"patientId": [{"system": "urn:oid:2.16.840.1.113883.2.4.6.3", "value": "sample-mrn-0001"}],
                     "purposeOfUse": ["TREAT"], "actor": [{"system": "urn:ietf:rfc:3986", "value": "Organization/clinic-b"}],
                     "class": ["Observation"]}}
        """.utf8)
        let answered = try await Self.call(server.port, "POST", "/cds-services/patient-consent-consult", token: token, body: consult)
        let cards = try #require(try Self.object(answered.body)["cards"] as? [[String: Any]])
        #expect(cards.first?["summary"] as? String == "CONSENT_PERMIT")

        let audit = try Self.object(try await Self.call(server.port, "GET", "/fhir/AuditEvent?outcome=0", token: token).body)
        #expect(audit["total"] as? Int == 1)
        // The decision's entry names the token that asked, and the AuditEvent shows it as the client agent.
        let event = (audit["entry"] as? [[String: Any]])?.first?["resource"] as? [String: Any]
        let clients = (event?["agent"] as? [[String: Any]] ?? []).compactMap { agent -> String? in
            let identifier = (agent["who"] as? [String: Any])?["identifier"] as? [String: Any]
            return identifier?["system"] as? String == "urn:careledger:api-client" ? identifier?["value"] as? String : nil
        }
        #expect(clients == ["ehr-1"])
        let byClient = try Self.object(try await Self.call(server.port, "GET", "/fhir/AuditEvent?agent=ehr-1", token: token).body)
        #expect(byClient["total"] as? Int == 1)
        #expect(try await Self.call(server.port, "GET", "/fhir/AuditEvent?agnet=ehr-1", token: token).status == 400)

        let huge = Data(repeating: 0x20, count: (8 << 20) + 1)
        #expect(try await Self.call(server.port, "POST", "/fhir/Consent", token: token, body: huge).status == 413)

        // The site answers other commands while it serves: the decision is on the ledger.
        let stats = try cli.json(["stats", "--dir", "central"])
        #expect((stats["entries"] as? Int ?? 0) >= 3)
    }

    /// Whether python3 with fhirpy and fhir.resources is here (`.ci/run` installs both).
    static let fhirpyAvailable = Python.canImport("fhirpy, fhir.resources")

    @Test("an independent client, fhirpy, creates, reads, searches and revokes a consent; the consult answers permit then deny; every resource validates",
          .enabled(if: fhirpyAvailable, "needs python3 with fhirpy and fhir.resources (.ci/run installs them)"))
    func fhirpyDrivesTheServer() async throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "net"]).status == 0)
        let token = try #require(try cli.json(["api-token", "--dir", "central", "--name", "fhirpy"])["token"] as? String)
        let server = try TCPSyncTests.Server(cli: cli, site: "central", options: [], http: true)
        defer { server.stop() }
        let run = try BuiltBinary.run("/usr/bin/env", [
            "python3", BuiltBinary.repositoryRoot + "/Tests/Tools/fhirpy_client.py", "http://127.0.0.1:\(server.port)/fhir", token,
            SamplesTests.samplesFolder + "/fhir/permit-with-nested-deny.json",
        ], in: cli.folder.path)
        #expect(run.status == 0, "fhirpy_client.py: \(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains(#""consults": ["CONSENT_PERMIT", "CONSENT_DENY"]"#))
    }
}
