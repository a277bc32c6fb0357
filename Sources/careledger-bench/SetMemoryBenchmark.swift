import ArgumentParser
import Foundation
import LedgerCore
import LedgerSync
#if canImport(Glibc)
import Glibc
#endif

/// `careledger-bench set-memory --ids N`: the heap bytes per id of the sync set
/// (`ReconcilableSet`) that `serve` holds for every entry of the site (Specs/sync-protocol.md §3.4).
///
/// Two sets of N random ids: one built in one go (what opening a site does), and one built
/// from half of them and then grown by batches of 16 (what a serving site's commits do).
/// Each is measured as the growth of the process's resident size while it was built and kept
/// (free pages returned first, the ids' own array excluded); the roots of both sets must be
/// equal.
struct SetMemoryBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-memory",
        abstract: "Heap bytes per id of the sync set (ReconcilableSet), built at once and grown by batches.")

    @Option(help: "Ids in each set (1,000 to 20,000,000).")
    var ids = 1_000_000

    @Option(help: "Seed of the random ids.")
    var seed: UInt64 = 1

    @Flag(help: "End with one JSON object on the last line.")
    var json = false

    func validate() throws {
        guard (1_000...20_000_000).contains(ids) else { throw ValidationError("--ids must be from 1,000 to 20,000,000") }
    }

    func run() throws {
        var random = BenchRandom(seed: seed)
        let all = (0..<ids).map { _ in random.hash() }
        let start = Self.bytesInUse()
        let built = ReconcilableSet(all)
        let afterBuilt = Self.bytesInUse()
        var grown = ReconcilableSet(all[..<(ids / 2)])
        var next = ids / 2
        while next < ids {
            grown.insert(contentsOf: all[next..<min(next + 16, ids)])
            next += 16
        }
        let afterGrown = Self.bytesInUse()
        guard built.rootHash == grown.rootHash, built.count == ids else {
            throw ValidationError("the two sets differ: the set is broken")
        }
        let builtPerID = Double(afterBuilt - start) / Double(ids)
        let grownPerID = Double(afterGrown - afterBuilt) / Double(ids)
        withExtendedLifetime((built, grown)) {}
        if !json {
            print("\(ids) ids: built at once \(String(format: "%.1f", builtPerID)) B/id, grown by batches of 16 \(String(format: "%.1f", grownPerID)) B/id")
        }
        let report: [String: Any] = [
            "ids": ids, "seed": seed,
            "built_bytes_per_id": (builtPerID * 10).rounded() / 10,
            "grown_bytes_per_id": (grownPerID * 10).rounded() / 10,
            "load_average": TCPLoadBenchmark.loadAverage(),
        ]
        print(try sortedJSONLine(report))
    }

    /// The process's resident bytes (`VmRSS`), after glibc returned its free pages
    /// (`malloc_trim(0)`), so freed temporaries do not count.
    static func bytesInUse() -> Int {
        _ = mallocTrim?(0)
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0) * 1024
        }
        return 0
    }

    /// glibc's `malloc_trim`, looked up at run time (the Glibc module does not export `<malloc.h>`).
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
}
