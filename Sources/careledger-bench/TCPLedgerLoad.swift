import CareLedgerCLI
import Crypto
import Foundation
import LedgerCore
import LedgerNet
import LedgerSync
import Logging

/// `tcp-load` with real site ledgers: a central ledger served over Noise/TCP and N clinic
/// ledgers, each with its own entries, syncing with it at once, two rounds, through the
/// same reconciliation state machine and writer queue as `careledger serve` / `sync --peer`.
enum TCPLedgerLoad {
    struct Result {
        var converged: Bool
        var sessions: Int
        var seconds: Double
        var durations: [Double]
        var bytes: Int
        var entriesAtCentral: Int
        var peakConcurrent: Int
    }

    static func run(clients: Int, perClient: Int) async throws -> Result {
        let root = FileManager.default.temporaryDirectory.path + "/careledger-tcp-load-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let central = try SiteLedger.foundNetwork(at: root + "/central", siteName: "central", networkName: "load")
        try central.writeGenesis(to: root + "/genesis.json")
        var services: [LedgerSyncService] = []
        for index in 0..<clients {
            let clinic = try SiteLedger.join(at: root + "/clinic-\(index)", siteName: "clinic-\(index)", role: .clinic,
                                             genesisPath: root + "/genesis.json")
            let payloads = (0..<perClient).map { Array("{\"clinic\":\(index),\"n\":\($0)}".utf8) }
            try clinic.append(kind: "audit.note", payloads: payloads)
            _ = try central.admit(AdmitPayload(key: clinic.siteKey, agreementKey: clinic.metadata.agreementKey,
                                               name: "clinic-\(index)", role: .clinic))
            services.append(try LedgerSyncService(ledger: clinic))
        }
        let networkID = central.networkID
        let centralKey = central.agreementKeyForBundles
        var clinicKeys: [Curve25519.KeyAgreement.PrivateKey] = []
        for service in services { clinicKeys.append(try await service.withLedger { ledger, _ in ledger.agreementKeyForBundles }) }
        let centralService = try LedgerSyncService(ledger: central)
        let configuration = TransportConfiguration(networkID: networkID, idleTimeout: 60, exchangeTimeout: 300,
                                                   maximumConcurrentSessions: clients + 16)
        let server = try await SyncServer.bind(
            host: "127.0.0.1", port: 0, configuration: configuration, staticKey: centralKey,
            authorizer: { await centralService.authorize($0) }, logger: Logger(label: "tcp-load"),
            conversation: { peer in try await centralService.conversation(role: .responder, peer: peer) })
        let serving = Task { try await server.run() }
        var durations: [Double] = []
        var bytes = 0
        let started = ContinuousClock.now
        for _ in 0..<2 {
            try await withThrowingTaskGroup(of: (Double, Int).self) { group in
                for (index, service) in services.enumerated() {
                    let key = clinicKeys[index]
                    group.addTask {
                        let client = SyncClient(configuration: configuration, staticKey: key,
                                                authorizer: { await service.authorize($0) })
                        let start = ContinuousClock.now
                        let outcome = try await client.sync(host: "127.0.0.1", port: server.port) { peer in
                            try await service.conversation(role: .initiator, peer: peer)
                        }
                        let elapsed = ContinuousClock.now - start
                        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                        return (seconds, outcome.statistics.bytesIn + outcome.statistics.bytesOut)
                    }
                }
                for try await (seconds, moved) in group {
                    durations.append(seconds)
                    bytes += moved
                }
            }
        }
        let total = ContinuousClock.now - started
        await server.shutdown()
        serving.cancel()
        let centralRoot = try await centralService.withLedger { ledger, _ in try ledger.summaryRoot() }
        let entries = try await centralService.withLedger { ledger, _ in ledger.entryCount }
        // After round 1 central holds every clinic's entries; round 2 hands them all out.
        var converged = true
        for service in services {
            let root = try await service.withLedger { ledger, _ in try ledger.summaryRoot() }
            if root != centralRoot { converged = false }
        }
        return Result(converged: converged, sessions: 2 * clients,
                      seconds: Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18,
                      durations: durations.sorted(), bytes: bytes, entriesAtCentral: entries,
                      peakConcurrent: server.peakConcurrentSessions)
    }
}
