import CanonicalJSON
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerConsent
import LedgerCore
import LedgerHTTP
import LedgerSite

// The step where an EHR asks central over HTTP (Specs/fhir-api.md): a CDS Hooks consult,
// answered from central's consents and recorded on its ledger.
extension DemoScenario {
    func ehrOverHTTP() async throws -> DemoOutcome {
        var tokens = try APITokens.load(from: central.ledger.layout)
        let token = try tokens.create(name: "demo-ehr")
        try tokens.save(to: central.ledger.layout)
        let before = central.entries
        let api = SiteAPI(service: try LedgerSyncService(ledger: central.ledger), layout: central.ledger.layout, siteName: central.name)
        let ready = AsyncStream<Int>.makeStream()
        let server = Task {
            try await HTTPAPIServer.run(api: api, host: "127.0.0.1", port: 0, logger: DemoSite.quietLogger) { port in
                ready.continuation.yield(port)
            }
        }
        defer { server.cancel() }
        var iterator = ready.stream.makeAsyncIterator()
        guard let port = await iterator.next() else { return DemoOutcome(false, ["the HTTP API did not start"]) }
        let context = """
        {"hook": "patient-consent-consult", "hookInstance": "demo-1",
         "context": {"patientId": [{"system": "\(DemoFHIR.mrnSystem)", "value": "\(DemoFHIR.conflictedPatient)"}],
                     "purposeOfUse": ["TREAT"], "actor": [{"system": "urn:ietf:rfc:3986", "value": "Organization/clinic-b"}],
                     "class": ["Observation"]}}
        """
        guard let url = URL(string: "http://127.0.0.1:\(port)/cds-services/patient-consent-consult") else {
            return DemoOutcome(false, ["no URL for port \(port)"])
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(context.utf8)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await URLSession.shared.data(for: request)
        server.cancel()
        _ = try? await server.value
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard case .object(let top)? = try? JSONParser.parse(Array(data)), case .array(let cards)? = top.first(where: { $0.0 == "cards" })?.1,
              case .object(let card)? = cards.first, case .string(let summary)? = card.first(where: { $0.0 == "summary" })?.1 else {
            return DemoOutcome(false, ["the consult answered HTTP \(status) without a card"])
        }
        let library = try conflictedCheck(at: central)
        let recorded = central.entries - before
        let agrees = (summary == "CONSENT_DENY") == (library.outcome == .deny)
        figures["http_consult_status"] = status
        return DemoOutcome(status == 200 && agrees && recorded == 1, [
            "central serves the FHIR API on http://127.0.0.1:\(port) (bearer token demo-ehr); the EHR's CDS Hooks consult for clinic-b/TREAT/Observation answered \(summary)",
            "the same answer as `check` (\(library.outcome.rawValue)); the decision is \(recorded) new access.decision entry on central's ledger, synced like any other",
        ])
    }
}
