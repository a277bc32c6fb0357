import Foundation
import LedgerCore
import LedgerStorage
import StorageTestSupport
import Testing

/// The storage fault sweep, run through a whole site: every call N of the file-system seam
/// fails in turn while the site appends, admits a member, signs tree heads, keeps a peer's
/// tree head and summary and records history (issue 12, item 2).
@Suite("Fault injection through a site's file seam")
struct SiteFaultSweepTests {
    /// Runs the workload once with the fault striking call `call`; returns whether it struck, where, and the calls counted.
    static func runCase(
        fixture: SiteFaultFixture, kind: FaultyFileSystem.FaultKind, forever: Bool, call: Int
    ) throws -> (struck: Bool, path: String?, calls: Int) {
        let folder = try ScratchFolder(prefix: "careledger-site-fault")
        defer { folder.remove() }
        let path = folder.path + "/founder"
        try fixture.copyFounder(to: path)
        let label = "site workload, \(forever ? "fail-forever" : "fail-once") \(kind.rawValue) at call \(call)"
        let faulty = FaultyFileSystem()
        faulty.inject(kind, at: call, forever: forever)
        let score = SiteScore(label: label)
        SiteWorkload.run(at: path, fixture: fixture, fileSystem: faulty, score: score)
        // The ledger is gone (its lock released) once `run` returns.
        let struck = faulty.struck
        if !struck || (!forever && kind == .shortWrite) {
            #expect(score.failures.isEmpty, "\(label): calls failed though no failing fault struck: \(score.failures)")
        }
        SiteWorkload.check(path, fixture: fixture, score: score)
        return (struck, faulty.struckPath, faulty.plannedCalls)
    }

    @Test("Failing call N = 1, 2, … of a site workload with EIO, ENOSPC, short writes and fsync failures loses no acknowledged entry, head, peer record or summary, and the site reopens and verifies")
    func failEveryCallOfASiteWorkload() throws {
        let fixture = try SiteFaultFixture()
        var total = 0
        var lines: [String] = []
        var struckFiles: Set<String> = []
        for forever in [false, true] {
            for kind in FaultyFileSystem.FaultKind.allCases {
                let dryRun = try Self.runCase(fixture: fixture, kind: kind, forever: forever, call: .max)
                #expect(!dryRun.struck)
                var call = 1
                while call <= dryRun.calls {
                    let outcome = try Self.runCase(fixture: fixture, kind: kind, forever: forever, call: call)
                    if let path = outcome.path { struckFiles.insert(Self.kindOfFile(path)) }
                    call += 1
                }
                lines.append("  \(forever ? "fail-forever" : "fail-once") \(kind.rawValue): \(dryRun.calls) cases")
                total += dryRun.calls
            }
        }
        print("site fault injection: \(total) cases tried; files struck: \(struckFiles.sorted().joined(separator: ", "))\n" + lines.joined(separator: "\n"))
        // The proof that the sweep reaches the files beyond the segment log.
        for file in ["heads.log", "peers/*.head", "peers/*.summary", "merkle/*.hashes", "history/*.jsonl", "site.json", "site.key", "log/segment-*"] {
            #expect(struckFiles.contains(file), "the sweep never struck a call on \(file)")
        }
        #expect(total >= 250)
    }

    /// Founds a network in a fresh folder with the fault striking call `call`; checks that a
    /// founding that returned left a site that opens and verifies, and one that failed left
    /// either no site (no `site.json`) or one that opens and verifies.
    static func runFoundingCase(kind: FaultyFileSystem.FaultKind, forever: Bool, call: Int) throws -> (struck: Bool, path: String?, calls: Int) {
        let folder = try ScratchFolder(prefix: "careledger-site-found")
        defer { folder.remove() }
        let path = folder.path + "/founder"
        let label = "founding, \(forever ? "fail-forever" : "fail-once") \(kind.rawValue) at call \(call)"
        let faulty = FaultyFileSystem()
        faulty.inject(kind, at: call, forever: forever)
        var founded = false
        do {
            _ = try SiteLedger.foundNetwork(at: path, siteName: "founder", networkName: "fault-net", fileSystem: faulty)
            founded = true
        } catch let error as CoreError {
            let expected: [CoreError.Code] = [.io, .noSpace, .damaged, .malformedFile, .truncated]
            #expect(expected.contains(error.code), "\(label): founding failed with an unexpected code: \(error)")
        }
        let struck = faulty.struck
        if !struck || (!forever && kind == .shortWrite) { #expect(founded, "\(label): founding failed though no failing fault struck") }
        do {
            let site = try SiteLedger.open(at: path)
            let report = site.verify()
            #expect(report.ok, "\(label): verify after reopening: \(report.faults.map(\.what))")
            if founded { #expect(site.entryCount == 1 && site.treeHeads.count == 1, "\(label): the founded site lacks its genesis entry or head") }
        } catch let error as CoreError where !founded && error.code == .notASite {
            // Failed before site.json named a complete site: nothing was acknowledged.
        } catch {
            Issue.record("\(label): reopening with the real file system failed: \(error)")
        }
        return (struck, faulty.struckPath, faulty.plannedCalls)
    }

    @Test("Failing call N = 1, 2, … of founding a network leaves no site or one that opens and verifies; a founding that returned is complete")
    func failEveryCallOfFounding() throws {
        var total = 0
        var struckFiles: Set<String> = []
        for forever in [false, true] {
            for kind in FaultyFileSystem.FaultKind.allCases {
                let dryRun = try Self.runFoundingCase(kind: kind, forever: forever, call: .max)
                #expect(!dryRun.struck)
                for call in 1...max(1, dryRun.calls) {
                    let outcome = try Self.runFoundingCase(kind: kind, forever: forever, call: call)
                    if let path = outcome.path { struckFiles.insert(Self.kindOfFile(path)) }
                }
                total += dryRun.calls
            }
        }
        print("founding fault injection: \(total) cases tried; files struck: \(struckFiles.sorted().joined(separator: ", "))")
        for file in ["site.json", "site.key", "genesis.json", "heads.log", "log/segment-*"] {
            #expect(struckFiles.contains(file), "the sweep never struck a call on \(file)")
        }
    }

    /// A path reduced to the kind of site file it is (`peers/*.head`, `log/segment-*`, …).
    static func kindOfFile(_ path: String) -> String {
        guard let range = path.range(of: "/founder/") else { return path.hasSuffix("/founder") ? "." : ".." }
        var relative = String(path[range.upperBound...])
        if relative.hasSuffix(".tmp") { relative.removeLast(4) }
        let parts = relative.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return relative }
        if parts[0] == "log" || parts[0] == "quarantine" { return parts[1].hasPrefix("segment-") ? parts[0] + "/segment-*" : parts[0] + "/" + parts[1] }
        guard let dot = parts[1].firstIndex(of: ".") else { return parts[0] + "/" + parts[1] }
        return parts[0] + "/*" + parts[1][dot...]
    }
}
