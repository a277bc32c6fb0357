import LedgerCore
import LedgerSite
import LedgerSync
import Logging
import TestSupport
import Testing

@Suite("status reads when a peer last sent a bundle from its summary record's head")
struct StatusPeerSummaryTimeTests {
    @Test("last_bundle is the kept record's time, for records of every size, and nil without one")
    func lastBundleIsTheKeptRecordsTime() throws {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let folder = try TemporaryDirectory(prefix: "careledger-status-summary")
        let central = try SiteLedger.foundNetwork(at: folder.path + "/central", siteName: "central", networkName: "test", logger: quiet)
        try central.writeGenesis(to: folder.path + "/genesis.json")
        let clinic = try SiteLedger.join(at: folder.path + "/clinic", siteName: "clinic", role: .clinic,
                                         genesisPath: folder.path + "/genesis.json", logger: quiet)
        _ = try central.admit(AdmitPayload(key: clinic.siteKey, agreementKey: clinic.metadata.agreementKey, name: "clinic", role: .clinic))
        func lastBundle() throws -> String? {
            try SiteStatus.read(central) { _ in }.peers.first { $0.key == clinic.siteKey.hex }?.lastBundle
        }
        #expect(try lastBundle() == nil)
        var generator = SeededGenerator(seed: 17)
        for size in [0, 3, 5_000] {
            let set = ReconcilableSet((0..<size).map { _ in Hash32(bytes: generator.bytes(32)) ?? .zero })
            let record = PeerSummaryRecord(peer: clinic.siteKey,
                                           asOf: HybridTimestamp(wallMillis: 1_700_000_000_000 + UInt64(size), counter: UInt32(size % 7)),
                                           snapshot: SummarySnapshot(of: set, salt: generator.bytes(16), maxRangeCount: 8))
            try central.keepPeerSummary(record)
            let kept = try #require(central.storedPeerSummary(of: clinic.siteKey), "seed 17, size \(size)")
            #expect(try lastBundle() == kept.asOf.rfc3339, "seed 17, size \(size)")
        }
    }
}
