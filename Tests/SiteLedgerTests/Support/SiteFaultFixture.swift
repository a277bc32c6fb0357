import Foundation
import LedgerCore
import LedgerSync
import StorageTestSupport

/// A founder site and what a peer sent it, prepared once with the real file system and
/// copied into a fresh folder for every fault or crash case.
///
/// The founder holds its genesis entry and a tree head; clinic-b (joined, not yet admitted)
/// supplies the key to admit, a signed tree head to keep and a summary to remember.
final class SiteFaultFixture: @unchecked Sendable {  // immutable after init; the folder is removed in deinit.
    /// The folder holding the template founder site.
    let template: ScratchFolder
    /// clinic-b's signing key.
    let clinicKey: Hash32
    /// clinic-b's signed tree head, encoded, as a bundle would carry it.
    let clinicHead: [UInt8]
    /// When clinic-b "sent" it.
    let sentAt = HybridTimestamp(wallMillis: 1_800_000_000_000, counter: 0)
    /// clinic-b's summary, as a bundle would carry it.
    let summary: PeerSummaryRecord
    /// The entries the template founder holds.
    let preparedIDs: Set<Hash32>

    /// The template founder's folder.
    var founder: String { template.path + "/founder" }

    init() throws {
        template = try ScratchFolder(prefix: "careledger-site-template")
        let genesis = template.path + "/genesis.json"
        var ids: Set<Hash32> = []
        do {
            let founder = try SiteLedger.foundNetwork(at: template.path + "/founder", siteName: "founder", networkName: "fault-net")
            try founder.writeGenesis(to: genesis)
            try founder.forEachEntry { _, entry in ids.insert(entry.id) }
        }
        preparedIDs = ids
        let clinic = try SiteLedger.join(at: template.path + "/clinic", siteName: "clinic-b", role: .clinic, genesisPath: genesis)
        try clinic.append(kind: "anchor", payloads: [Array("{\"clinic\":1}".utf8)])
        clinicKey = clinic.siteKey
        clinicHead = try clinic.signTreeHead().encoded
        var held: [Hash32] = []
        try clinic.forEachEntry { _, entry in held.append(entry.id) }
        summary = PeerSummaryRecord(
            peer: clinic.siteKey, asOf: sentAt,
            snapshot: SummarySnapshot(of: ReconcilableSet(held), salt: [UInt8](repeating: 7, count: 16)))
    }

    deinit { template.remove() }

    /// Copies the template founder to `path` (which must not exist).
    func copyFounder(to path: String) throws {
        try FileManager.default.copyItem(atPath: founder, toPath: path)
    }

    /// The anchor payloads a workload appends, distinct per `tag`.
    static func payloads(_ tag: String, count: Int) -> [[UInt8]] {
        (0..<count).map { Array("{\"n\":\($0),\"tag\":\"\(tag)\"}".utf8) }
    }
}
