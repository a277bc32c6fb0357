import Foundation
import LedgerCore
import LedgerSite
import LedgerSync
import Logging
import TestSupport
import Testing

/// A network of in-process sites that pass USB sticks around (Specs/bundle-format.md §9).
final class StickNetwork {
    let folder: TemporaryDirectory
    var sites: [String: SiteLedger] = [:]
    var names: [String] { sites.keys.sorted() }
    private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    init(clinics: Int) throws {
        folder = try TemporaryDirectory(prefix: "careledger-stick-sim")
        let central = try SiteLedger.foundNetwork(at: folder.path + "/central", siteName: "central", networkName: "sim", logger: quiet)
        try central.writeGenesis(to: folder.path + "/genesis.json")
        sites["central"] = central
        for index in 1...clinics {
            let name = "clinic-\(index)"
            let clinic = try SiteLedger.join(at: folder.path + "/" + name, siteName: name, role: .clinic,
                                             genesisPath: folder.path + "/genesis.json", logger: quiet)
            _ = try central.admit(AdmitPayload(key: clinic.siteKey, agreementKey: clinic.metadata.agreementKey, name: name, role: .clinic))
            sites[name] = clinic
        }
    }

    /// A new, empty stick.
    func stick(_ name: String) throws -> String {
        let path = folder.path + "/sticks/" + name
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `count` notes written at `site`; their ids.
    @discardableResult
    func write(_ count: Int, at site: String, tag: String) throws -> [Hash32] {
        guard let ledger = sites[site] else { return [] }
        return try ledger.append(kind: "clinical.note", payloads: (0..<count).map { Array("{\"note\":\"\(tag) \($0)\"}".utf8) }).map(\.id)
    }

    /// Copies a site's folder aside (closed meanwhile).
    func backUp(_ site: String) throws {
        sites[site] = nil
        try FileManager.default.copyItem(atPath: folder.path + "/" + site, toPath: folder.path + "/backup-" + site)
        sites[site] = try SiteLedger.open(at: folder.path + "/" + site, logger: quiet)
    }

    /// Puts a site's folder back as it was at its backup.
    func restore(_ site: String) throws {
        sites[site] = nil
        try FileManager.default.removeItem(atPath: folder.path + "/" + site)
        try FileManager.default.copyItem(atPath: folder.path + "/backup-" + site, toPath: folder.path + "/" + site)
        sites[site] = try SiteLedger.open(at: folder.path + "/" + site, logger: quiet)
    }

    /// Each site's id set root.
    func roots(of names: [String]) throws -> [String: Hash32] {
        var out: [String: Hash32] = [:]
        for name in names { out[name] = try sites[name]?.reconcilableSet().rootHash }
        return out
    }
}

@Suite("The stick as one shared mailbox")
struct StickSimulationTests {
    @Test("a route converges in two trips with one bundle per visit and every entry on the stick once", arguments: [3, 6])
    func routeConverges(clinics: Int) throws {
        let network = try StickNetwork(clinics: clinics)
        let route = (1...clinics).map { "clinic-\($0)" } + ["central"]
        for name in route.dropLast() { try network.write(30, at: name, tag: name) }
        let stick = try network.stick("a")
        var peak = 0
        for _ in 0..<2 {
            for name in route {
                let result = try FolderSync.run(try #require(network.sites[name]), folder: stick)
                #expect(result.rejected.isEmpty)
                #expect(result.bundlesWritten <= 1)
                peak = max(peak, try Self.bytes(in: stick))
            }
        }
        let roots = try network.roots(of: route)
        #expect(Set(roots.values).count == 1)
        // Every entry travels about once: the peak stays near the entries' own size, whatever the number of clinics.
        let entryBytes = try #require(network.sites["central"]).reconcilableSet().count * 300
        #expect(peak < entryBytes * 3 / 2 + 200_000)
    }

    @Test("random visits, two sticks, a lost stick, a restored site and a revoked member all converge; nothing is lost; the revoked member cannot open later bundles", arguments: [UInt64(7), 20_261_205])
    func seededSimulation(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let network = try StickNetwork(clinics: 4)
        var sticks = [try network.stick("a"), try network.stick("b")]
        let revoked = "clinic-4"
        var active = network.names
        var written: [Hash32] = []
        var lostByRestore: [Hash32] = []
        for round in 0..<8 {
            if round == 2 { try network.backUp("clinic-2") }
            if round == 3 { sticks[0] = try network.stick("a") }  // stick a lost mid-route: an empty one replaces it
            if round == 4 { try network.restore("clinic-2") }
            if round == 4 {
                let central = try #require(network.sites["central"])
                _ = try central.revoke(key: try #require(network.sites[revoked]).siteKey, reason: "left the network")
                active.removeAll { $0 == revoked }
            }
            for name in active.shuffled(using: &random) {
                if round < 6 {
                    let ids = try network.write(3, at: name, tag: "\(name) round \(round)")
                    // What clinic-2 writes between its backup and its restore may never leave it: the restore loses it.
                    if name == "clinic-2" && (2..<4).contains(round) { lostByRestore += ids } else { written += ids }
                }
                let stick = sticks[Int(random.next() % 2)]
                let result = try FolderSync.run(try #require(network.sites[name]), folder: stick)
                #expect(result.rejected.allSatisfy { $0.code.hasPrefix("tree_head") }, "seed \(seed)")
            }
        }
        // Traffic stops; every site visits both sticks for a few rounds.
        for _ in 0..<3 {
            for name in active.shuffled(using: &random) {
                for stick in sticks { _ = try FolderSync.run(try #require(network.sites[name]), folder: stick) }
            }
        }
        let roots = try network.roots(of: active)
        #expect(Set(roots.values).count == 1, "seed \(seed): \(roots)")
        let central = try #require(network.sites["central"]).reconcilableSet()
        #expect(!written.isEmpty)
        #expect(written.allSatisfy(central.contains), "seed \(seed): \(written.filter { !central.contains($0) }.count) entries lost")

        // Bundles written after the revocation, once the writer knew of it, are not addressed to the revoked member.
        let outsider = try #require(network.sites[revoked])
        for name in active { try network.write(1, at: name, tag: "\(name) after") }
        let last = try network.stick("c")
        for name in active { _ = try FolderSync.run(try #require(network.sites[name]), folder: last) }
        let files = try FileManager.default.contentsOfDirectory(atPath: last).filter { $0.hasSuffix(MailboxPlanner.mailboxExtension) }
        #expect(!files.isEmpty)
        let reader = BundleReader(siteKey: outsider.siteKey, agreementKey: outsider.agreementKeyForBundles, compressor: LZ4BundleCompressor())
        for file in files {
            let error = try #require(throws: SyncError.self) { try reader.open(file: last + "/" + file) }
            #expect(error.code == .notARecipient)
        }
    }

    static func bytes(in folder: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: folder).reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.size] as? Int) ?? 0)
        }
    }
}
