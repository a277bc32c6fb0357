import Foundation
import LedgerCore
import LedgerNet
import LedgerSite
import Logging
import TestSupport
import Testing

/// The restore scenario of issue 14: a clinic syncs 500 entries to central, its disk dies,
/// it restores last night's backup (300 entries) and records 100 new visits. Sync must heal
/// it: both sites end with the same 600 clinic entries, the re-used positions are forks at
/// both, the rollback is evidence at central, and the clinic knows it was restored.
@Suite("A site restored from a backup heals itself")
struct RestoredSiteTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The network, with paths: central founded it, the clinic joined and was admitted.
    struct Network {
        let folder: TemporaryDirectory
        var central: String { folder.path + "/central" }
        var clinic: String { folder.path + "/clinic" }
        var backup: String { folder.path + "/backup" }
        var stick: String { folder.path + "/stick" }

        init() throws {
            folder = try TemporaryDirectory(prefix: "careledger-restore-test")
            try FileManager.default.createDirectory(atPath: folder.path + "/stick", withIntermediateDirectories: true)
            let central = try SiteLedger.foundNetwork(at: folder.path + "/central", siteName: "central", networkName: "test", logger: quiet)
            try central.writeGenesis(to: folder.path + "/genesis.json")
            let clinic = try SiteLedger.join(at: folder.path + "/clinic", siteName: "clinic", role: .clinic,
                                             genesisPath: folder.path + "/genesis.json", logger: quiet)
            _ = try central.admit(AdmitPayload(key: clinic.siteKey, agreementKey: clinic.metadata.agreementKey, name: "clinic", role: .clinic))
        }

        /// Opens the site at `path` for `body` and closes it after.
        func with<T>(_ path: String, _ body: (SiteLedger) throws -> T) throws -> T {
            try body(try SiteLedger.open(at: path, logger: RestoredSiteTests.quiet))
        }

        /// `count` visits written by the site at `path`.
        func write(_ count: Int, at path: String, from first: Int) throws {
            try with(path) { ledger in
                _ = try ledger.append(kind: "test.visit", payloads: (first..<(first + count)).map { Array("{\"visit\":\($0)}".utf8) })
            }
        }

        /// One stick round: the clinic's pass, then central's.
        func stickRound() throws {
            _ = try with(clinic) { try FolderSync.run($0, folder: stick) }
            _ = try with(central) { try FolderSync.run($0, folder: stick) }
        }

        /// The ids a site holds.
        func ids(_ path: String) throws -> Set<Hash32> {
            try with(path) { ledger in
                var ids = Set<Hash32>()
                try ledger.forEachHeldEntry { id, _ in ids.insert(id) }
                return ids
            }
        }

        /// The clinic's own entries a site holds.
        func clinicEntries(_ path: String) throws -> Int {
            let clinicKey = try with(clinic) { $0.siteKey }
            return try with(path) { ledger in
                var count = 0
                try ledger.forEachEntry { _, entry in if entry.author == clinicKey && entry.kind == "test.visit" { count += 1 } }
                return count
            }
        }

        /// Replaces `to` with a copy of `from` (a backup taken, or restored).
        func copy(_ from: String, to: String) throws {
            if FileManager.default.fileExists(atPath: to) { try FileManager.default.removeItem(atPath: to) }
            try FileManager.default.copyItem(atPath: from, toPath: to)
        }
    }

    @Test("a clinic restored from last night's backup and writing again converges with central within three stick rounds, nothing lost")
    func restoredClinicHealsThroughTheStick() throws {
        let net = try Network()
        try net.write(300, at: net.clinic, from: 0)
        try net.stickRound()
        try net.copy(net.clinic, to: net.backup)  // last night's backup: 300 visits
        try net.write(200, at: net.clinic, from: 300)
        try net.stickRound()
        #expect(try net.clinicEntries(net.central) == 500)

        // The disk dies; the backup comes back; 100 new visits are written.
        try net.copy(net.backup, to: net.clinic)
        try net.write(100, at: net.clinic, from: 1_000)
        var rounds = 0
        while rounds < 3 {
            try net.stickRound()
            rounds += 1
            if try net.ids(net.clinic) == net.ids(net.central) { break }
        }
        #expect(try net.ids(net.clinic) == net.ids(net.central), "not converged after \(rounds) rounds")
        #expect(try net.clinicEntries(net.clinic) == 600)
        #expect(try net.clinicEntries(net.central) == 600)

        let clinicKey = try net.with(net.clinic) { $0.siteKey }
        for site in [net.clinic, net.central] {
            let forks = try net.with(site) { $0.forks.filter { $0.author == clinicKey } }
            #expect(forks.count == 100, "re-used positions at \(site)")
        }
        let evidence = try net.with(net.central) { $0.rollbackEvidence() }
        #expect(evidence.contains { $0.peer == clinicKey && $0.kind == .rollback && $0.isValidProof() }, "\(evidence)")
        let restored = try net.with(net.clinic) { $0.restoreSummary() }
        #expect(restored?.recovered == 200)
        #expect(restored?.reusedPositions == 100)
        let clinicLines = try net.with(net.clinic) { TrustStatus($0).lines }
        #expect(clinicLines.contains("restored from a backup: 200 of this site's own entries recovered from peers; 100 positions re-used (forks kept as evidence)"), "\(clinicLines)")
        let centralStatus = try net.with(net.central) { TrustStatus($0) }
        #expect(centralStatus.rollbackEvidence.contains { $0.name == "clinic" && $0.kind == "tree_head_rolled_back" }, "\(centralStatus.lines)")
        #expect(centralStatus.news(since: centralStatus).isEmpty)
        #expect(centralStatus.news(since: TrustStatus()).count == centralStatus.rollbackEvidence.count)

        // The clinic goes on after the highest position it now knows: no new fork.
        try net.write(1, at: net.clinic, from: 2_000)
        #expect(try net.with(net.clinic) { $0.forks.count } == 100)
    }

    /// One TCP sync of the clinic with central's server, each site opened for the session.
    static func tcpRound(_ net: Network) async throws {
        let central = try SiteLedger.open(at: net.central, logger: quiet)
        let centralService = try LedgerSyncService(ledger: central)
        let server = try await LedgerServing.bind(ledger: central, host: "127.0.0.1", port: 0,
                                                  idleTimeout: 600, exchangeTimeout: 1200, maximumConcurrentSessions: 4,
                                                  admission: AdmissionLimits(handshakeTimeout: 600), logger: quiet,
                                                  service: centralService)
        let serving = Task(executorPreference: NetworkTestExecutor.shared) { try await server.run() }  // off the cooperative pool
        let clinic = try LedgerSyncService(ledger: try SiteLedger.open(at: net.clinic, logger: quiet))
        do {
            _ = try await clinic.sync(with: PeerAddress(host: "127.0.0.1", port: server.port), idleTimeout: 600, exchangeTimeout: 1200)
        } catch {
            await server.shutdown()
            _ = try? await serving.value
            throw error
        }
        await server.shutdown()
        _ = try? await serving.value
    }

    @Test("the same restore over TCP: one session heals the clinic, the rollback is evidence at central from the handshake's tree head")
    func restoredClinicHealsOverTCP() async throws {
        let net = try Network()
        try net.write(300, at: net.clinic, from: 0)
        try await Self.tcpRound(net)
        try net.copy(net.clinic, to: net.backup)
        try net.write(200, at: net.clinic, from: 300)
        try await Self.tcpRound(net)
        #expect(try net.clinicEntries(net.central) == 500)

        try net.copy(net.backup, to: net.clinic)
        try net.write(100, at: net.clinic, from: 1_000)
        try await Self.tcpRound(net)
        #expect(try net.ids(net.clinic) == net.ids(net.central))
        #expect(try net.clinicEntries(net.clinic) == 600)
        #expect(try net.clinicEntries(net.central) == 600)
        let clinicKey = try net.with(net.clinic) { $0.siteKey }
        for site in [net.clinic, net.central] {
            #expect(try net.with(site) { $0.forks.filter { $0.author == clinicKey }.count } == 100, "re-used positions at \(site)")
        }
        let evidence = try net.with(net.central) { $0.rollbackEvidence() }
        #expect(evidence.contains { $0.peer == clinicKey && $0.kind == .rollback && $0.isValidProof() }, "\(evidence)")
        let restored = try net.with(net.clinic) { $0.restoreSummary() }
        #expect(restored?.recovered == 200)
        #expect(restored?.reusedPositions == 100)
    }
}
