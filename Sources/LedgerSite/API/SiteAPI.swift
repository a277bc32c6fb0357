import CanonicalJSON
import Foundation
import LedgerConsent
import LedgerCore
import LedgerSync
import Synchronization

/// The site's FHIR R4 and CDS Hooks API, without HTTP (Specs/fhir-api.md).
///
/// Why here and not in the HTTP target: every rule an EHR relies on — who may call, how a
/// Consent is validated and written, how a consult is decided and recorded — is the site's,
/// and a program embedding CareLedger can call ``respond(to:)`` with no server at all. The
/// `LedgerHTTP` target only turns HTTP requests into ``APIRequest`` values and back.
///
/// Every ledger access runs on the serving ledger's queue (``LedgerSyncService``), the same one
/// sync sessions and the control socket use, so writes from the API, from peers and from other
/// processes are serialised, and what the API records is offered to the next sync at once.
public final class SiteAPI: @unchecked Sendable {  // `state` is touched only on the service's queue.
    /// The serving ledger and its queue.
    public let service: LedgerSyncService
    /// Where the site's files are (the token file is checked per request, so a revocation takes effect at once).
    public let layout: SiteLayout
    /// The site's name, shown as the source of cards and audit events.
    public let siteName: String
    /// Patients whose consents the API holds at most (Specs/fhir-api.md §3).
    public let patientCapacity: Int
    /// The default of ``patientCapacity``.
    public static let defaultPatientCapacity = 16_384
    private var state: ConsentAPIState?
    private let tokens = APITokenCache()
    /// The network's pseudonym key once a consult read it (genesis never changes), so later
    /// consults are parsed and pseudonymised before they reach the ledger's queue.
    private let pseudonymKey = PseudonymKeyCache()
    /// Made on first use, on the ledger's queue (it tells ``state`` what it wrote).
    /// Consults received and not yet answered (the group commit waits briefly for as many).
    private let inFlight = ConsultsInFlight()
    private lazy var committer = DecisionCommitter(service: service, inFlight: inFlight) { [unowned self] ledger, entries in
        self.state?.absorb(written: entries, ledger: ledger)
    }

    /// An API over the ledger that `service` serves, holding at most `patientCapacity`
    /// patients' consents (the least recently asked about are dropped and read again when needed).
    public init(service: LedgerSyncService, layout: SiteLayout, siteName: String, patientCapacity: Int = SiteAPI.defaultPatientCapacity) {
        self.service = service
        self.patientCapacity = patientCapacity
        self.layout = layout
        self.siteName = siteName
    }

    /// Answers one request; never throws: every failure is an `OperationOutcome` (§6).
    public func respond(to request: APIRequest) async -> APIResponse {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let route = APIRoute(method: request.method, segments: segments)
        guard let route else {
            return .outcome(404, code: "not-found", "no such endpoint: \(request.method) \(request.path) (Specs/fhir-api.md lists them)")
        }
        var client: String?
        if route.needsToken {
            let holder: String?
            do { holder = try tokens.holder(ofAuthorization: request.authorization, in: layout) } catch {
                return .outcome(500, code: "exception", "the site's API token file cannot be read: \(error)")
            }
            guard holder != nil else {
                var response = APIResponse.outcome(401, code: "login", "this endpoint needs `Authorization: Bearer TOKEN` with a token from `careledger api-token`")
                response.headers.append((name: "WWW-Authenticate", value: "Bearer"))
                return response
            }
            client = holder
        }
        var response: APIResponse
        do {
            if route == .consult {
                response = await consult(request.body, client: client)
            } else {
                response = try await service.withLedger { ledger, set in
                    try self.respond(route, request: request, ledger: ledger, set: &set)
                }
            }
        } catch {
            response = .outcome(500, code: "exception", "the site could not answer: \(error)")
        }
        response.client = client
        return response
    }

    /// A consult: decided on the ledger's queue, recorded in the next group commit (which the
    /// decision joins there, so the commit holds every consult decided before it runs), then
    /// answered (§4.3). A decision whose entry cannot be written is not given. The entry names
    /// `client`, the token's name (§2).
    private func consult(_ body: [UInt8], client: String?) async -> APIResponse {
        inFlight.enter()
        defer { inFlight.leave() }
        // Read here, on the caller's thread, when the key is known: the ledger's queue is the
        // server's bottleneck (it also waits for every commit's fdatasync).
        let parsed = pseudonymKey.value.map { CDSConsult.request(body, client: client, key: $0) }
        if case .failure(let failure)? = parsed { return failure.response }
        let outcome: ConsultOutcome = await withUnsafeContinuation { continuation in  // resumed once on every path below
            service.schedule { ledger, _ in
                let prepared: Result<(decision: AccessDecision, payload: [UInt8]), APIFailure>
                do {
                    if case .success(let request)? = parsed {
                        prepared = try self.withState(ledger) { context in context.prepareConsult(request) }
                    } else {
                        if let key = try? ledger.pseudonymKey() { self.pseudonymKey.set(key) }
                        prepared = try self.withState(ledger) { context in context.prepareConsult(body, client: client) }
                    }
                } catch {
                    return continuation.resume(returning: .failed(error))
                }
                switch prepared {
                case .failure(let failure):
                    continuation.resume(returning: .refused(failure))
                case .success(let (decision, payload)):
                    self.committer.add(payload, decision: decision) { continuation.resume(returning: .decided(decision, $0)) }
                }
            }
        }
        switch outcome {
        case .refused(let failure):
            return failure.response
        case .failed(let error):
            return .outcome(500, code: "exception", "the site could not answer: \(error)")
        case .decided(_, .failure(let error)):
            return .outcome(503, code: "transient", "the decision could not be recorded, so none is given: \(error)")
        case .decided(let decision, .success(let entry)):
            return CDSConsult.card(decision, entry: entry, siteName: siteName)
        }
    }

    /// How a consult ended on the ledger's queue.
    private enum ConsultOutcome: Sendable {
        /// Refused before deciding (a malformed request).
        case refused(APIFailure)
        /// The state could not be read.
        case failed(any Error)
        /// Decided, and recorded or not.
        case decided(AccessDecision, Result<Entry, any Error>)
    }

    /// Runs `body` with the API state caught up with `ledger`; on the ledger's queue.
    private func withState<T>(_ ledger: SiteLedger, _ body: (inout APIContext) -> T) throws -> T {
        if state == nil { state = try ConsentAPIState(ledger: ledger, patientCapacity: patientCapacity) }
        guard var current = state else { throw SiteError(.unusableSite, "the API state could not be loaded") }
        // Taken out, so it is mutated in place: a second reference would make every write copy
        // every consent version the site holds. (A throw leaves it unloaded: the next request
        // loads it again from the log.)
        state = nil
        try current.catchUp(ledger)
        var context = APIContext(state: consume current, ledger: ledger, siteName: siteName)
        let result = body(&context)
        state = context.state
        return result
    }

    /// Runs on the ledger's queue.
    private func respond(_ route: APIRoute, request: APIRequest, ledger: SiteLedger, set: inout ReconcilableSet) throws -> APIResponse {
        var written: [Entry] = []
        let response = try withState(ledger) { context -> APIResponse in
            defer { written = context.written }
            switch route {
            case .metadata: return CapabilityStatementView.response()
            case .cdsDiscovery: return CDSConsult.discovery()
            case .consult: return .outcome(500, code: "exception", "consults are answered through the group commit")
            case .createConsent: return context.writeConsent(request.body, id: nil)
            case .updateConsent(let id): return context.writeConsent(request.body, id: id)
            case .readConsent(let id): return context.readConsent(id)
            case .consentHistory(let id): return context.history(id)
            case .consentVersion(let id, let version): return context.version(id, version)
            case .searchConsent: return context.searchConsents(request)
            case .searchAuditEvent: return context.searchAuditEvents(request)
            case .provenance(let id): return context.provenance(id)
            }
        }
        if !written.isEmpty {
            _ = set.insert(contentsOf: written.map(\.id))
            _ = try withState(ledger) { _ in () }  // the state absorbs what this request wrote
        }
        return response
    }
}

/// The endpoints (Specs/fhir-api.md §4).
enum APIRoute: Equatable {
    case metadata, cdsDiscovery, consult
    case createConsent, updateConsent(String), readConsent(String), consentHistory(String)
    case consentVersion(String, String), searchConsent
    case searchAuditEvent, provenance(String)

    init?(method: String, segments: [String]) {
        switch (method, segments) {
        case ("GET", ["fhir", "metadata"]): self = .metadata
        case ("GET", ["cds-services"]): self = .cdsDiscovery
        case ("POST", ["cds-services", CDSConsult.serviceID]): self = .consult
        case ("POST", ["fhir", "Consent"]): self = .createConsent
        case ("PUT", let s) where s.count == 3 && s[0] == "fhir" && s[1] == "Consent": self = .updateConsent(s[2])
        case ("GET", ["fhir", "Consent"]): self = .searchConsent
        case ("GET", let s) where s.count == 3 && s[0] == "fhir" && s[1] == "Consent": self = .readConsent(s[2])
        case ("GET", let s) where s.count == 4 && s[0] == "fhir" && s[1] == "Consent" && s[3] == "_history":
            self = .consentHistory(s[2])
        case ("GET", let s) where s.count == 5 && s[0] == "fhir" && s[1] == "Consent" && s[3] == "_history":
            self = .consentVersion(s[2], s[4])
        case ("GET", ["fhir", "AuditEvent"]): self = .searchAuditEvent
        case ("GET", let s) where s.count == 3 && s[0] == "fhir" && s[1] == "Provenance": self = .provenance(s[2])
        default: return nil
        }
    }

    /// Everything but the two discovery documents needs a bearer token (§2).
    var needsToken: Bool { self != .metadata && self != .cdsDiscovery }
}

/// One request's view of the site: the API state, the ledger, and what the request wrote.
struct APIContext {
    var state: ConsentAPIState
    let ledger: SiteLedger
    let siteName: String
    /// Entries this request appended (the sync set learns them).
    var written: [Entry] = []
}

/// The network's pseudonym key, set once by the ledger's queue and read by any thread.
private final class PseudonymKeyCache: Sendable {
    private let key = Mutex<PseudonymKey?>(nil)

    var value: PseudonymKey? { key.withLock { $0 } }
    func set(_ key: PseudonymKey) { self.key.withLock { $0 = key } }
}
