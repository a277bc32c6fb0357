import ArgumentParser
import Crypto
import Foundation
import LedgerCore
import LedgerNet
import LedgerNetTestSupport

/// `careledger-bench tcp-load`: many clients sync with one server at once over 127.0.0.1,
/// through the full transport (Noise XX, framing, timeouts, back-pressure).
///
/// With ledgers (the default) the server is a child process, so `server_peak_rss_mb` is its
/// own VmHWM and `client_process_peak_rss_mb` is this process's (the clinics). With
/// `--no-ledgers` the toy server runs in this process and `server_peak_rss_mb` is the whole
/// process's VmHWM, clients included (`server_in_process` says which).
///
/// Each client holds a shared base set plus items of its own; two concurrent rounds run (the
/// second spreads what the first gathered), after which every client must hold the server's
/// set. The baseline, measured in the same run, is the same conversations wired directly in
/// memory (no sockets, no encryption), so the figures show what the transport costs.
struct TCPLoadBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcp-load",
        abstract: "Concurrent TCP syncs against one server: sessions/s, p50/p99 session time, server peak RSS.")

    @Option(help: "Concurrent clients per round.")
    var clients = 100

    @Option(help: "Items every site shares at the start.")
    var shared = 1_000

    @Option(help: "Items only each client (and the server) holds at the start.")
    var unique = 20

    @Flag(help: "End with one JSON object on the last line.")
    var json = false

    @Flag(inversion: .prefixedNo, help: "Real site ledgers (signed entries, verify, store) instead of the transport-only toy conversation.")
    var ledgers = true

    @Option(help: "With --ledgers: entries each clinic writes before syncing.")
    var entriesPerClient = 20

    func validate() throws {
        guard clients >= 1, shared >= 0, unique >= 0 else { throw ValidationError("counts must not be negative; --clients at least 1") }
    }

    func run() async throws {
        if ledgers { return try await runWithLedgers() }
        var generator = SystemRandomNumberGenerator()
        let base = Self.items(shared, using: &generator)
        let serverItems = base + Self.items(unique, using: &generator)
        let clientItems = (0..<clients).map { _ in base + Self.items(unique, using: &generator) }

        // Baseline: the same two rounds, conversations wired in memory.
        let baselineServer = ItemSet(serverItems)
        let baselineClients = clientItems.map { ItemSet($0) }
        let baselineStart = ContinuousClock.now
        for _ in 0..<2 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in baselineClients { group.addTask { try Self.runInMemory(client: store, server: baselineServer) } }
                try await group.waitForAll()
            }
        }
        let baselineSeconds = Self.seconds(ContinuousClock.now - baselineStart)

        // The transport.
        let serverSite = Curve25519.KeyAgreement.PrivateKey()
        let clientKeys = (0..<clients).map { _ in Curve25519.KeyAgreement.PrivateKey() }
        var members: [Hash32: PeerIdentity] = [:]
        for (index, key) in ([serverSite] + clientKeys).enumerated() {
            let hash = Self.hash(key)
            members[hash] = PeerIdentity(name: index == 0 ? "central" : "clinic-\(index)", signingKey: hash,
                                         agreementKey: hash, role: index == 0 ? "central" : "clinic")
        }
        let roster = members
        let authorizer: PeerAuthorizer = { key, _ in roster[key] }
        let networkID = Hash32(w0: 1, w1: 2, w2: 3, w3: 4)
        var settings = TransportConfiguration(networkID: networkID, idleTimeout: 30, exchangeTimeout: 120,
                                              maximumConcurrentSessions: 2 * clients + 16)
        // Every client connects from 127.0.0.1 at once: no per-address eviction (§7.4).
        settings.admission = AdmissionLimits(maximumPending: 2 * clients + 16, maximumPendingPerAddress: 2 * clients + 16)
        let configuration = settings
        let serverStore = ItemSet(serverItems)
        let server = try await SyncServer.bind(host: "127.0.0.1", port: 0, configuration: configuration,
                                               staticKey: serverSite, authorizer: authorizer) { _ in
            SetUnionConversation(role: .responder, store: serverStore)
        }
        let serving = Task { try await server.run() }
        let stores = clientItems.map { ItemSet($0) }
        let port = server.port
        let (unsorted, bytes, wall) = try await Self.concurrentRounds(clients: stores.count) { index in
            let client = SyncClient(configuration: configuration, staticKey: clientKeys[index], authorizer: authorizer)
            let outcome = try await client.sync(host: "127.0.0.1", port: port) { _ in
                SetUnionConversation(role: .initiator, store: stores[index])
            }
            return (outcome.statistics.duration, outcome.statistics.bytesIn + outcome.statistics.bytesOut)
        }
        await server.shutdown()
        try await serving.value

        let expected = Set(serverItems).union(clientItems.joined())
        let converged = serverStore.snapshot == expected && stores.allSatisfy { $0.snapshot == expected }
            && baselineServer.snapshot == expected && baselineClients.allSatisfy { $0.snapshot == expected }
        let durations = unsorted.sorted()
        let p50 = Self.percentile(durations, 0.50) * 1000
        let p99 = Self.percentile(durations, 0.99) * 1000
        let sessions = durations.count
        let perSecond = Double(sessions) / wall
        let baselinePerSecond = Double(2 * clients) / baselineSeconds
        let rss = Self.peakRSSMegabytes()

        print("tcp-load: \(clients) concurrent clients x 2 rounds, \(shared) shared + \(unique) own items each")
        print("  (transport only: the server runs in this process, so peak RSS is the server's and the clients' together)")
        print(Self.row("", "TCP+Noise", "in-memory"))
        let figures = SessionFigures(
            perSecond: perSecond, p50: p50, p99: p99, bytesPerSession: bytes / max(sessions, 1), sessions: sessions,
            peakConcurrent: server.peakConcurrentSessions, serverRSS: rss, converged: converged, clients: clients)
        figures.printRows(baselinePerSecond: baselinePerSecond, rssRows: [("peak RSS MB (server+clients)", rss)])
        print("  converged: \(converged) (server and every client hold all \(expected.count) items)")
        // Here server_peak_rss_mb is the one process's VmHWM: the clients' memory is in it.
        if json {
            try figures.printJSON([
                "baseline_in_memory_sessions_per_s": Self.round(baselinePerSecond),
                "bytes_per_session": bytes / max(sessions, 1), "server_in_process": true,
            ])
        }
        if !converged { throw ExitCode(1) }
    }

    /// Runs one initiator/responder pair directly, message by message.
    static func runInMemory(client: ItemSet, server: ItemSet) throws {
        var initiator = SetUnionConversation(role: .initiator, store: client)
        var responder = SetUnionConversation(role: .responder, store: server)
        var toResponder = try initiator.start().send
        var initiatorDone = false
        var responderDone = false
        while !(initiatorDone && responderDone) {
            var toInitiator: [[UInt8]] = []
            for message in toResponder {
                let step = try responder.receive(message)
                toInitiator += step.send
                responderDone = responderDone || step.finished
            }
            toResponder = []
            for message in toInitiator {
                let step = try initiator.receive(message)
                toResponder += step.send
                initiatorDone = initiatorDone || step.finished
            }
            if toResponder.isEmpty && toInitiator.isEmpty && !(initiatorDone && responderDone) { break }
        }
    }

    static func items(_ count: Int, using generator: inout some RandomNumberGenerator) -> [Hash32] {
        (0..<count).map { _ in Hash32(w0: generator.next(), w1: generator.next(), w2: generator.next(), w3: generator.next()) }
    }

    static func hash(_ key: Curve25519.KeyAgreement.PrivateKey) -> Hash32 {
        Hash32(bytes: Array(key.publicKey.rawRepresentation)) ?? .zero
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// Two rounds of one session per client, all clients at once, as both modes run them.
    /// - Parameter session: runs client `index`'s session; returns its seconds and the bytes it moved.
    /// - Returns: every session's seconds (unsorted), the bytes of all of them, and the wall time of both rounds.
    static func concurrentRounds(clients: Int, session: @escaping @Sendable (Int) async throws -> (Double, Int))
        async throws -> (durations: [Double], bytes: Int, seconds: Double) {
        var durations: [Double] = []
        var bytes = 0
        let started = ContinuousClock.now
        for _ in 0..<2 {
            try await withThrowingTaskGroup(of: (Double, Int).self) { group in
                for index in 0..<clients { group.addTask { try await session(index) } }
                for try await (seconds, moved) in group { durations.append(seconds); bytes += moved }
            }
        }
        return (durations, bytes, seconds(ContinuousClock.now - started))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// One aligned table row.
    static func row(_ label: String, _ values: String...) -> String {
        "  " + label.padding(toLength: 30, withPad: " ", startingAt: 0)
            + values.map { String(repeating: " ", count: max(0, 12 - $0.count)) + $0 }.joined(separator: " ")
    }

    static func round(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    /// The 1-minute load average from /proc/loadavg, for reading the figures ("?" without /proc).
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
        return text.split(separator: " ").first.map(String.init) ?? "?"
    }

    /// VmHWM from /proc/self/status in MB (0 where /proc is absent).
    static func peakRSSMegabytes() -> Double {
        MeasuredChild.statusMegabytes(pid: getpid(), field: "VmHWM") ?? 0
    }

    /// The real thing: clinic ledgers syncing with a central ledger (see `TCPLedgerLoad`).
    private func runWithLedgers() async throws {
        let result = try await TCPLedgerLoad.run(clients: clients, perClient: entriesPerClient)
        let perSecond = Double(result.sessions) / result.seconds
        let p50 = Self.percentile(result.durations, 0.50) * 1000
        let p99 = Self.percentile(result.durations, 0.99) * 1000
        let clientRSS = Self.peakRSSMegabytes()
        let serverRSS = result.serverPeakRSSMegabytes
        print("tcp-load: \(clients) clinic ledgers x 2 rounds with one central ledger, \(entriesPerClient) signed entries each")
        print("  (the central server runs in its own child process, `tcp-serve`; the clinics run in this one)")
        let figures = SessionFigures(
            perSecond: perSecond, p50: p50, p99: p99, bytesPerSession: result.bytes / max(result.sessions, 1),
            sessions: result.sessions, peakConcurrent: result.peakConcurrent, serverRSS: serverRSS,
            converged: result.converged, clients: clients)
        figures.printRows(
            baselinePerSecond: nil,
            rssRows: [("server peak RSS MB (VmHWM)", serverRSS), ("clients' peak RSS MB (VmHWM)", clientRSS)])
        print("  converged: \(result.converged) (central and every clinic hold the same \(result.entriesAtCentral) entries)")
        if json {
            try figures.printJSON([
                "entries_at_central": result.entriesAtCentral, "mode": "ledgers", "server_in_process": false,
                "client_process_peak_rss_mb": Self.round(clientRSS),
            ])
        }
        if !result.converged { throw ValidationError("the sites did not converge") }
    }
}

/// The figures both modes of `tcp-load` report, printed as rows and as JSON in one way.
private struct SessionFigures {
    let perSecond: Double, p50: Double, p99: Double
    let bytesPerSession: Int, sessions: Int, peakConcurrent: Int
    let serverRSS: Double
    let converged: Bool
    let clients: Int

    /// The table rows, with the in-memory baseline beside the rate when there is one.
    func printRows(baselinePerSecond: Double?, rssRows: [(String, Double)]) {
        let rate = String(format: "%.0f", perSecond)
        if let baselinePerSecond {
            print(TCPLoadBenchmark.row("sessions/s", rate, String(format: "%.0f", baselinePerSecond)))
        } else {
            print(TCPLoadBenchmark.row("sessions/s", rate))
        }
        print(TCPLoadBenchmark.row("p50 session ms", String(format: "%.2f", p50)))
        print(TCPLoadBenchmark.row("p99 session ms", String(format: "%.2f", p99)))
        print(TCPLoadBenchmark.row("bytes per session", "\(bytesPerSession)"))
        for (label, megabytes) in rssRows { print(TCPLoadBenchmark.row(label, String(format: "%.1f", megabytes))) }
        print(TCPLoadBenchmark.row("peak concurrent sessions", "\(peakConcurrent)"))
        print("  machine load average at the end: \(TCPLoadBenchmark.loadAverage())")
    }

    /// One JSON line: the shared fields plus the mode's own.
    func printJSON(_ extra: [String: Any]) throws {
        let shared: [String: Any] = [
            "converged": converged, "sessions_per_s": TCPLoadBenchmark.round(perSecond),
            "p50_ms": TCPLoadBenchmark.round(p50), "p99_ms": TCPLoadBenchmark.round(p99),
            "server_peak_rss_mb": TCPLoadBenchmark.round(serverRSS), "clients": clients, "sessions": sessions,
            "peak_concurrent_sessions": peakConcurrent,
        ]
        let object = shared.merging(extra) { _, mode in mode }
        print(try sortedJSONLine(object))
    }
}
