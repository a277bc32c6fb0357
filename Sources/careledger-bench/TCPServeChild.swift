import ArgumentParser
import Dispatch
import Foundation
import LedgerCore
import LedgerNet
import LedgerSite
import Logging

/// `careledger-bench tcp-serve --dir D --port-file F`: the central server of `tcp-load`, in
/// its own process (hidden; `tcp-load` starts it).
///
/// Why a child: the load test reports the server's peak memory, which is only the server's
/// when the clients live in another process. It serves through ``LedgerServing``, the code
/// path of `careledger serve`, with the transport settings `tcp-load` gives the clients.
/// Why not `careledger serve` itself: `swift build --product careledger-bench` does not
/// build `careledger`, so a sibling binary could be stale; this one is always the binary
/// being measured.
///
/// Protocol with the parent: once listening it writes its port to F (atomically, so F is
/// either absent or complete); it serves until its stdin reaches end of file or it gets
/// SIGTERM, lets the sessions in flight end, then prints one JSON line on stdout
/// (`server_peak_rss_mb`: its own VmHWM, `peak_concurrent_sessions`) and exits. Session
/// log lines go to stderr, as `careledger serve` writes them.
struct TCPServeChildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration.hiddenChild(
        "tcp-serve", abstract: "Serve one site's ledger over TCP until stdin closes, then print peak RSS (for tcp-load).")

    @Option(help: "The site's data folder.")
    var dir: String

    @Option(help: "Where to write the bound port once listening.")
    var portFile: String

    @Option(help: "Seconds a peer may stay silent before it is disconnected.")
    var idleTimeout: Double = 60

    @Option(help: "Seconds one whole session may take.")
    var exchangeTimeout: Double = 300

    @Option(help: "Most concurrent sessions.")
    var maxSessions: Int = 256

    func run() async throws {
        // Opened as `careledger serve` opens it (recovery notes are not log lines).
        var quiet = Logger(label: "careledger")
        quiet.logLevel = .error
        let ledger = try SiteLedger.open(at: dir, logger: quiet)
        var logger = Logger(label: "careledger.serve") { _ in StreamLogHandler.standardError(label: "careledger.serve") }
        logger.logLevel = .info
        let server = try await LedgerServing.bind(
            ledger: ledger, host: "127.0.0.1", port: 0, idleTimeout: idleTimeout, exchangeTimeout: exchangeTimeout,
            maximumConcurrentSessions: maxSessions,
            admission: AdmissionLimits(maximumPending: maxSessions, maximumPendingPerAddress: maxSessions), logger: logger)
        try Data("\(server.port)\n".utf8).write(to: URL(fileURLWithPath: portFile), options: .atomic)

        // Either stop signal closes the listener; `run()` returns when the sessions in flight end.
        signal(SIGTERM, SIG_IGN)
        let terminate = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        terminate.setEventHandler { Task { await server.shutdown() } }
        terminate.resume()
        // A blocking read, so on a dispatch thread rather than the cooperative pool.
        DispatchQueue.global().async {
            _ = FileHandle.standardInput.readDataToEndOfFile()
            Task { await server.shutdown() }
        }
        try await server.run()
        terminate.cancel()

        let report: [String: Any] = [
            "server_peak_rss_mb": TCPLoadBenchmark.round(TCPLoadBenchmark.peakRSSMegabytes()),
            "peak_concurrent_sessions": server.peakConcurrentSessions,
        ]
        FileHandle.standardOutput.write(Data((try sortedJSONLine(report) + "\n").utf8))
    }
}
