import Foundation
import LedgerCore
import LedgerSite
import Logging
import TestSupport
import Testing

/// A seeded simulation of real sites (real ledgers, real bundles through one shared stick)
/// in which random sites are restored from random earlier copies of themselves and then write
/// again: the network must converge with nothing lost, every bundle imported (a rollback is
/// evidence, never a refusal; Specs/bundle-format.md §5.1).
@Suite("Convergence simulation with restores from backups")
struct RestoreConvergenceSimulationTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs one seeded history; returns a failure description (nil when it converged) and
    /// how many restores it played.
    static func simulate(seed: UInt64) throws -> (failure: String?, restores: Int) {
        var restores = 0
        return (try play(seed: seed, restores: &restores), restores)
    }

    private static func play(seed: UInt64, restores: inout Int) throws -> String? {
        var rng = SeededGenerator(seed: seed)
        let folder = try TemporaryDirectory(prefix: "careledger-restore-sim")
        let root = folder.path
        let stick = root + "/stick"
        try FileManager.default.createDirectory(atPath: stick, withIntermediateDirectories: true)
        let clinics = 2 + Int(rng.next() % 3)
        var sites = [root + "/site-0"]
        do {
            let central = try SiteLedger.foundNetwork(at: sites[0], siteName: "central", networkName: "sim", logger: quiet)
            try central.writeGenesis(to: root + "/genesis.json")
            for index in 1...clinics {
                let path = root + "/site-\(index)"
                let clinic = try SiteLedger.join(at: path, siteName: "clinic-\(index)", role: .clinic,
                                                 genesisPath: root + "/genesis.json", logger: quiet)
                _ = try central.admit(AdmitPayload(key: clinic.siteKey, agreementKey: clinic.metadata.agreementKey,
                                                   name: "clinic-\(index)", role: .clinic))
                sites.append(path)
            }
        }
        func open(_ index: Int) throws -> SiteLedger { try SiteLedger.open(at: sites[index], logger: quiet) }
        func ids(_ index: Int) throws -> Set<Hash32> {
            let ledger = try open(index)
            var held = Set<Hash32>()
            try ledger.forEachHeldEntry { id, _ in held.insert(id) }
            return held
        }
        /// Entries that reached a site other than their author: these must never be lost.
        var escaped = Set<Hash32>()
        func pass(_ index: Int) throws -> String? {
            let ledger = try open(index)
            let result = try FolderSync.run(ledger, folder: stick)
            if !result.rejected.isEmpty { return "site \(index) rejected \(result.rejected.map(\.code))" }
            try ledger.forEachHeldEntry { id, bytes in
                if let entry = try? Entry.decode(bytes), entry.author != ledger.siteKey { escaped.insert(id) }
            }
            return nil
        }
        var backups: [Int: [String]] = [:]
        var written = 0
        for index in sites.indices { if let failure = try pass(index) { return failure } }
        let steps = 25 + Int(rng.next() % 20)
        for step in 0..<steps {
            let site = Int(rng.next() % UInt64(sites.count))
            switch rng.next() % 10 {
            case 0, 1, 2, 3:  // write
                let count = 1 + Int(rng.next() % 5)
                _ = try open(site).append(kind: "sim.note", payloads: (0..<count).map { Array("{\"n\":\(written + $0)}".utf8) })
                written += count
            case 4, 5:  // take a backup
                let copy = root + "/backup-\(site)-\(step)"
                try FileManager.default.copyItem(atPath: sites[site], toPath: copy)
                backups[site, default: []].append(copy)
            case 6:  // the disk dies: restore a random earlier backup
                guard let copies = backups[site], !copies.isEmpty else { continue }
                let copy = copies[Int(rng.next() % UInt64(copies.count))]
                try FileManager.default.removeItem(atPath: sites[site])
                try FileManager.default.copyItem(atPath: copy, toPath: sites[site])
                restores += 1
            default:  // a visit to the stick
                if let failure = try pass(site) { return failure }
            }
        }
        // Final rounds: every site visits the stick in turn until all hold the same entries.
        var rounds = 0
        var converged = false
        while rounds < 4 && !converged {
            for index in sites.indices { if let failure = try pass(index) { return failure } }
            rounds += 1
            let first = try ids(0)
            converged = try sites.indices.allSatisfy { try ids($0) == first }
        }
        guard converged else { return "not converged after \(rounds) final rounds (\(restores) restores)" }
        let final = try ids(0)
        let lost = escaped.subtracting(final)
        if !lost.isEmpty { return "\(lost.count) entries that had reached another site were lost (\(restores) restores)" }
        for index in sites.indices where !(try open(index).verify { _ in }.ok) { return "site \(index) does not verify" }
        return nil
    }

    @Test("3–5 sites, some restored from random earlier copies and writing again, converge through one stick with nothing lost",
          arguments: 0..<4)
    func convergesWithRestores(batch: Int) throws {
        var restores = 0
        for run in 0..<2 {
            let seed = UInt64(batch * 2 + run)
            let outcome = try Self.simulate(seed: seed)
            restores += outcome.restores
            #expect(outcome.failure == nil, "seed \(seed): \(outcome.failure ?? "")")
        }
        #expect(restores > 0, "the batch's seeds played no restore: the test tests nothing")
    }
}
