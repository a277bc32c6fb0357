import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `careledger-bench sync-memory --entries N`: the memory of one TCP sync of an N-entry ledger
/// to an empty site, through the real `careledger` binary (issue 18, Specs/sync-transport.md
/// §7.3.1–7.3.2).
///
/// It founds a network with the binary (`network create`, `init`, `members admit`, `append
/// --jsonl` of N lines at the central site), runs `careledger serve` on the central site and
/// `careledger sync --peer` from the empty clinic, and reports the server's resident size
/// before the session (`server_rss_before_mb`), its peak (`server_peak_rss_mb`, VmHWM), its
/// resident size once the session has ended (`server_rss_after_mb`), and the client's peak
/// (`client_peak_rss_mb`, from `wait4`). The baseline is the same server's resident size
/// with nothing synced: what the opened site costs.
struct SyncMemoryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync-memory",
        abstract: "Peak and after-session RSS of `careledger serve` and `careledger sync --peer` moving N entries to an empty site.")

    @Option(help: "Entries the central site holds (1 to 10,000,000).")
    var entries = 300_000

    @Option(help: "The careledger binary (default: the one beside this executable).")
    var careledger: String?

    @Option(help: "Keep the sites in this folder (created) instead of a temporary one that is removed.")
    var keep: String?

    @Flag(help: "End with one JSON object on the last line.")
    var json = false

    func validate() throws {
        guard (1...10_000_000).contains(entries) else { throw ValidationError("--entries must be from 1 to 10,000,000") }
    }

    func run() async throws {
        let binary = careledger ?? Self.siblingBinary()
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError("no careledger binary at \(binary); build it (`swift build -c release --product careledger`) or pass --careledger")
        }
        let folder = keep ?? (NSTemporaryDirectory() + "careledger-sync-memory-\(getpid())")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let cli = BinaryRunner(binary: binary, folder: folder)

        let setupStarted = ContinuousClock.now
        try cli.found(entries: entries)
        let setupSeconds = Self.seconds(since: setupStarted)
        if !json { print("built a \(entries)-entry central site and an empty clinic in \(String(format: "%.1f", setupSeconds)) s") }

        let server = try ServeChild(binary: binary, folder: folder, site: "central")
        defer { server.stop() }
        let before = server.megabytes("VmRSS")
        let client = try MeasuredChild.run(binary, ["sync", "--dir", cli.path("clinic"), "--peer", "127.0.0.1:\(server.port)", "--json",
                                                    "--timeout", "600"],
                                           in: folder, stderrPath: folder + "/client.log")
        guard client.status == 0 else {
            throw ValidationError("sync --peer failed (exit \(client.status)): \(client.output)\(Self.tail(folder + "/client.log"))")
        }
        try server.waitForSessionLine(timeout: 60)
        let peak = server.megabytes("VmHWM")
        let after = server.megabytes("VmRSS")
        let received = try cli.entryCount(site: "clinic")

        let report: [String: Any] = [
            "entries": entries,
            "received": received,
            "sync_seconds": TCPLoadBenchmark.round(client.seconds),
            "setup_seconds": TCPLoadBenchmark.round(setupSeconds),
            "server_rss_before_mb": TCPLoadBenchmark.round(before),
            "server_peak_rss_mb": TCPLoadBenchmark.round(peak),
            "server_rss_after_mb": TCPLoadBenchmark.round(after),
            "client_peak_rss_mb": TCPLoadBenchmark.round(client.peakRSSMegabytes),
            "load_average": TCPLoadBenchmark.loadAverage(),
        ]
        if !json {
            print("sync of \(entries) entries to an empty site: \(received) received in \(String(format: "%.1f", client.seconds)) s")
            print("server: \(String(format: "%.1f", before)) MB before (baseline: the opened site), peak \(String(format: "%.1f", peak)) MB, \(String(format: "%.1f", after)) MB after")
            print("client: peak \(String(format: "%.1f", client.peakRSSMegabytes)) MB")
        }
        print(try sortedJSONLine(report))
    }

    /// `careledger` in the folder of this executable.
    static func siblingBinary() -> String {
        let me = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return me.deletingLastPathComponent().appendingPathComponent("careledger").path
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func tail(_ path: String) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty else { return "" }
        return "; its log ends:\n" + text.split(separator: "\n").suffix(5).joined(separator: "\n")
    }
}
