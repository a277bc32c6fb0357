import Crypto
import Foundation
import LedgerCore
import LedgerNet
import LedgerSite
import LedgerSync
import Logging

/// `tcp-load` with real site ledgers: a central ledger served over Noise/TCP and N clinic
/// ledgers, each with its own entries, syncing with it at once, two rounds, through the
/// same reconciliation state machine and writer queue as `careledger serve` / `sync --peer`.
///
/// The central server runs in a child process (``TCPServerProcess``, `tcp-serve`) so its
/// peak memory is its own; the clinics' clients and ledgers stay in this process.
enum TCPLedgerLoad {
    struct Result {
        var converged: Bool
        var sessions: Int
        var seconds: Double
        var durations: [Double]
        var bytes: Int
        var entriesAtCentral: Int
        var peakConcurrent: Int
        /// The server child's VmHWM in MB.
        var serverPeakRSSMegabytes: Double
    }

    /// The settings of every session, on both ends (the child gets them as options).
    static func configuration(networkID: Hash32, clients: Int) -> TransportConfiguration {
        TransportConfiguration(networkID: networkID, idleTimeout: 60, exchangeTimeout: 300,
                               maximumConcurrentSessions: clients + 16)
    }

    static func run(clients: Int, perClient: Int) async throws -> Result {
        let root = FileManager.default.temporaryDirectory.path + "/careledger-tcp-load-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let centralPath = root + "/central"
        // Builds the sites; the central ledger is closed (its folder lock released) on return.
        let (networkID, services) = try makeSites(root: root, centralPath: centralPath, clients: clients, perClient: perClient)
        var clinicKeys: [Curve25519.KeyAgreement.PrivateKey] = []
        for service in services { clinicKeys.append(try await service.withLedger { ledger, _ in ledger.agreementKeyForBundles }) }
        let configuration = configuration(networkID: networkID, clients: clients)

        let server = try await TCPServerProcess(
            directory: centralPath, scratch: root,
            arguments: ["--idle-timeout", "\(configuration.idleTimeout)", "--exchange-timeout", "\(configuration.exchangeTimeout)",
                        "--max-sessions", "\(configuration.maximumConcurrentSessions)"])
        defer { server.killIfRunning() }
        let port = server.port
        let keys = clinicKeys
        let rounds = try await TCPLoadBenchmark.concurrentRounds(clients: services.count) { index in
            let service = services[index]
            var configuration = configuration
            configuration.handshakePayload = { try await service.handshakePayload() }
            let client = SyncClient(configuration: configuration, staticKey: keys[index],
                                    authorizer: { try await service.authorize($0, handshake: $1) })
            let start = ContinuousClock.now
            let outcome = try await client.sync(host: "127.0.0.1", port: port) { peer in
                try await service.conversation(role: .initiator, peer: peer)
            }
            return (TCPLoadBenchmark.seconds(ContinuousClock.now - start), outcome.statistics.bytesIn + outcome.statistics.bytesOut)
        }
        let report = try await server.stop()

        var quiet = Logger(label: "careledger")
        quiet.logLevel = .error
        let central = try SiteLedger.open(at: centralPath, logger: quiet)
        let centralRoot = try central.summaryRoot()
        let entries = central.entryCount
        // After round 1 central holds every clinic's entries; round 2 hands them all out.
        var converged = true
        for service in services {
            let root = try await service.withLedger { ledger, _ in try ledger.summaryRoot() }
            if root != centralRoot { converged = false }
        }
        return Result(converged: converged, sessions: 2 * clients,
                      seconds: rounds.seconds, durations: rounds.durations.sorted(), bytes: rounds.bytes, entriesAtCentral: entries,
                      peakConcurrent: report.peakConcurrentSessions,
                      serverPeakRSSMegabytes: report.serverPeakRSSMegabytes)
    }

    /// Founds the central site and `clients` clinics that it admits, each clinic holding
    /// `perClient` entries of its own; returns the network id and the clinics' writers.
    private static func makeSites(root: String, centralPath: String, clients: Int,
                                  perClient: Int) throws -> (Hash32, [LedgerSyncService]) {
        let central = try SiteLedger.foundNetwork(at: centralPath, siteName: "central", networkName: "load")
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
        return (central.networkID, services)
    }
}
