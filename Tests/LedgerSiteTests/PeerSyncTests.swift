import Foundation
import LedgerConsent
import LedgerCore
import LedgerNet
import LedgerSite
import Logging
import TestSupport
import Testing

@Suite("TCP sync through the library")
struct PeerSyncTests {
    @Test("a clinic syncs once with central's server and both record the run")
    func syncWithServer() async throws {
        let sites = try TwoSites()
        var consent = try SiteConsent(sites.central)
        _ = try consent.importFHIR([("a.json", TwoSites.consent(id: "c1", mrn: "mrn-1"))])
        // The clinic's agreement key reaches central in the admit entry; central's reaches the clinic in genesis.
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        // Every clock a hang guard, the handshake deadline too (its default of 5 s is for
        // strangers; a loaded machine can take longer to open and authorize than that).
        let server = try await LedgerServing.bind(ledger: sites.central, host: "127.0.0.1", port: 0, idleTimeout: 600,
                                                  exchangeTimeout: 1200, maximumConcurrentSessions: 4,
                                                  admission: AdmissionLimits(handshakeTimeout: 600), logger: quiet)
        let serving = Task(executorPreference: NetworkTestExecutor.shared) { try await server.run() }  // off the cooperative pool
        let service = try LedgerSyncService(ledger: sites.clinic)
        let result: PeerSyncResult
        do {
            result = try await service.sync(with: PeerAddress(host: "127.0.0.1", port: server.port), idleTimeout: 600, exchangeTimeout: 1200)
        } catch {
            await server.shutdown()
            _ = try? await serving.value
            throw error
        }
        await server.shutdown()
        _ = try? await serving.value
        #expect(result.peer == "central")
        #expect(result.received > 0)
        #expect(result.sent > 0)
        let runs = try await service.withLedger { ledger, _ in ledger.readHistory(SyncRun.self, from: SyncRun.historyFile) }
        #expect(runs.map(\.transport) == ["tcp"])
        #expect(runs.first?.ok == true)
        let decision = try await service.withLedger { ledger, _ in
            let atClinic = try SiteConsent(ledger)
            return try atClinic.check(try TwoSites.request(atClinic, mrn: "mrn-1")).decision.outcome
        }
        #expect(decision == .permit)
    }

    @Test("a failed session is thrown as a transport error and recorded as a failed run")
    func failedSessionIsRecorded() async throws {
        let sites = try TwoSites()
        let service = try LedgerSyncService(ledger: sites.clinic)
        // Port 1 on the loopback: nothing listens there, so the connection is refused.
        await #expect(throws: TransportError.self) {
            _ = try await service.sync(with: PeerAddress(host: "127.0.0.1", port: 1), idleTimeout: 5, exchangeTimeout: 5)
        }
        let runs = try await service.withLedger { ledger, _ in ledger.readHistory(SyncRun.self, from: SyncRun.historyFile) }
        #expect(runs.map(\.ok) == [false])
        #expect(runs.first?.peer == "127.0.0.1:1")
    }
}
