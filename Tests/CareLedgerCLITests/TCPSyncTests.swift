import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `serve` and `sync --peer` with the real reconciliation state machine, on 127.0.0.1.
@Suite("Sync over TCP through the binary", .serialized)
struct TCPSyncTests {
    /// A running `careledger serve`, stopped by `stop()`.
    final class Server {
        let process = Process()
        let port: Int
        /// serve's log (its stderr), kept so a failure can show what the server saw.
        let logPath: String

        /// Clocks that only guard against a hang: a debug client on a loaded machine (a CPU hog
        /// on every core, the rest of the suite in parallel) can stay silent for seconds while it
        /// writes and syncs its folder, and a session cut by the server's clock fails for the wrong
        /// reason. Tests of the clocks themselves pass their own values.
        static let patientClocks = ["--idle-timeout", "120", "--handshake-timeout", "120"]

        /// Starts `serve` on a port the kernel picks and returns once it listens: `serve --json`
        /// prints the bound address as its first line only after the listener is bound. With
        /// `http`, it serves the HTTP API (`--http`) instead of sync.
        init(cli: CLI, site: String, options: [String] = Server.patientClocks, http: Bool = false) throws {
            process.executableURL = URL(fileURLWithPath: try #require(CLI.binary))
            process.arguments = ["serve", "--dir", site, http ? "--http" : "--listen", "127.0.0.1:0", "--json"] + options
            process.currentDirectoryURL = URL(fileURLWithPath: cli.folder.path)
            let stdout = Pipe()
            process.standardOutput = stdout
            logPath = cli.path("serve-\(UUID().uuidString.prefix(8)).log")
            try Data().write(to: URL(fileURLWithPath: logPath))
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            defer { try? log.close() }
            process.standardError = log
            try process.run()
            var line = Data()
            while !line.contains(0x0a) {
                let chunk = stdout.fileHandleForReading.availableData
                if chunk.isEmpty { break }  // serve exited before it listened
                line.append(chunk)
            }
            let first = try #require(line.split(separator: 0x0a).first, "serve printed no listening line")
            let object = try JSONSerialization.jsonObject(with: first) as? [String: Any]
            let listening = try #require(object?[http ? "http" : "listening"] as? String)
            port = try #require(Int(listening.split(separator: ":").last ?? ""))
        }

        /// serve's log lines that contain `text`.
        func logLines(containing text: String) -> [Substring] {
            let log = String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self)
            return log.split(separator: "\n").filter { $0.contains(text) }
        }

        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Creates central plus named sites; admits those in `admitted` with their agreement keys.
    static func network(_ cli: CLI, sites: [String], admitted: Set<String>) throws {
        try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "Net"])
        try cli.run(["network", "genesis", "--dir", "central", "--out", "genesis.json"])
        for site in sites {
            try cli.run(["init", "--dir", site, "--site", site, "--genesis", "genesis.json"])
            guard admitted.contains(site) else { continue }
            let identity = try cli.json(["identity", "--dir", site])
            try cli.run(["members", "admit", "--dir", "central", "--key", try #require(identity["site_key"] as? String),
                         "--agreement-key", try #require(identity["agreement_key"] as? String), "--name", site, "--role", "clinic"])
        }
    }

    static func append(_ cli: CLI, site: String, count: Int) throws {
        let lines = (0..<count).map { "{\"site\":\"\(site)\",\"n\":\($0)}" }.joined(separator: "\n")
        try Data(lines.utf8).write(to: URL(fileURLWithPath: cli.path("\(site).jsonl")))
        let run = try cli.run(["append", "--dir", site, "--kind", "audit.note", "--jsonl", "\(site).jsonl"])
        #expect(run.status == 0, "\(run)")
    }

    static func summaryRoot(_ cli: CLI, _ site: String) throws -> String {
        try #require(try cli.json(["stats", "--dir", site])["summary_root"] as? String)
    }

    @Test("three sites converge through one server; a second sync of equal sets is one round trip")
    func threeSitesConverge() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try Self.network(cli, sites: ["clinic-a", "clinic-b"], admitted: ["clinic-a", "clinic-b"])
        try Self.append(cli, site: "clinic-a", count: 300)
        try Self.append(cli, site: "clinic-b", count: 200)
        let server = try Server(cli: cli, site: "central")
        defer { server.stop() }
        let peer = "127.0.0.1:\(server.port)"
        let first = try cli.json(["sync", "--dir", "clinic-a", "--peer", peer])
        #expect(first["sent"] as? Int ?? 0 >= 300, "\(first)")
        _ = try cli.json(["sync", "--dir", "clinic-b", "--peer", peer])
        let third = try cli.json(["sync", "--dir", "clinic-a", "--peer", peer])
        #expect(third["received"] as? Int ?? 0 >= 200, "\(third)")
        let again = try cli.json(["sync", "--dir", "clinic-a", "--peer", peer])
        #expect(again["round_trips"] as? Int == 1 && again["received"] as? Int == 0 && again["sent"] as? Int == 0, "\(again)")
        _ = try cli.json(["sync", "--dir", "clinic-b", "--peer", peer])
        server.stop()
        let roots = try ["central", "clinic-a", "clinic-b"].map { try Self.summaryRoot(cli, $0) }
        #expect(Set(roots).count == 1, "every site holds the same entries: \(roots)")
        for site in ["central", "clinic-a", "clinic-b"] {
            #expect(try cli.run(["verify", "--dir", site]).status == 0)
        }
    }

    @Test("an unknown key and a revoked key are refused with exit 4 before any entry flows")
    func unknownAndRevokedAreRefused() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try Self.network(cli, sites: ["stranger", "revoked"], admitted: ["revoked"])
        let key = try #require(try cli.json(["identity", "--dir", "revoked"])["site_key"] as? String)
        try cli.run(["members", "revoke", "--dir", "central", "--key", key, "--reason", "laptop stolen"])
        try Self.append(cli, site: "stranger", count: 5)
        let before = try Self.summaryRoot(cli, "central")
        let server = try Server(cli: cli, site: "central")
        defer { server.stop() }
        for site in ["stranger", "revoked"] {
            let run = try cli.run(["sync", "--dir", site, "--peer", "127.0.0.1:\(server.port)"])
            #expect(run.status == 4, "\(site): \(run)")
            #expect(run.stderr.contains("refused"), "\(run)")
            Contract.expectOneErrorLine(run)
        }
        server.stop()
        #expect(try Self.summaryRoot(cli, "central") == before, "nothing flowed")
    }

    @Test("a client sending garbage is cut off while an honest sync completes")
    func garbageDoesNotStopAnHonestSync() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try Self.network(cli, sites: ["clinic-a"], admitted: ["clinic-a"])
        try Self.append(cli, site: "clinic-a", count: 50)
        let server = try Server(cli: cli, site: "central")
        defer { server.stop() }
        // A raw socket that sends an HTTP request line and then stalls.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(server.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let garbage = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        _ = garbage.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let honest = try cli.json(["sync", "--dir", "clinic-a", "--peer", "127.0.0.1:\(server.port)"])
        #expect(honest["sent"] as? Int ?? 0 >= 50, "\(honest)")
        // The garbage connection is closed by the server: a read sees end of file (or a reset).
        var buffer = [UInt8](repeating: 0, count: 256)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            total += n
            if total > 65_536 { break }
        }
        #expect(total <= 65_536, "the server kept talking to a garbage client")
    }

    /// A TCP socket on 127.0.0.1 with a port the kernel picked. Listening, the kernel completes
    /// connections into its backlog even when nothing calls `accept`. Not listening, it holds
    /// the port (no other test can bind it) while every connection to it is refused: a port
    /// where nothing listens, without the race of closing a socket and hoping the port stays free.
    final class RawListener {
        let fd: Int32
        let port: Int

        init(listening: Bool = true) throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(fd >= 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(bound == 0)
            if listening { try #require(listen(fd, 16) == 0) }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            try #require(named == 0)
            self.fd = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        /// Accepts one connection on a thread of its own, writes `reply` and keeps the
        /// connection open until the peer closes it.
        func answerOnce(with reply: [UInt8]) {
            let fd = self.fd
            Thread.detachNewThread {
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { return }
                _ = reply.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                var buffer = [UInt8](repeating: 0, count: 4096)
                while buffer.withUnsafeMutableBytes({ read(connection, $0.baseAddress, $0.count) }) > 0 {}
                _ = Glibc.close(connection)
            }
        }

        func close() { _ = Glibc.close(fd) }
    }

    /// A site admitted to a network, to run `sync --peer` from.
    static func clinic(_ cli: CLI) throws {
        try network(cli, sites: ["clinic-a"], admitted: ["clinic-a"])
        try append(cli, site: "clinic-a", count: 3)
    }

    @Test("sync --peer to a port where nothing listens exits 7 with one line naming the peer")
    func nothingListeningExitsSeven() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try Self.clinic(cli)
        let refusing = try RawListener(listening: false)
        defer { refusing.close() }
        let port = refusing.port
        let run = try cli.run(["sync", "--dir", "clinic-a", "--peer", "127.0.0.1:\(port)", "--timeout", "5"])
        #expect(run.status == 7, "\(run)")
        #expect(run.stderr.contains("127.0.0.1:\(port)"), "\(run)")
        Contract.expectOneErrorLine(run)
    }

    @Test("sync --peer to a listener that accepts and never answers exits 5 after --timeout")
    func silentListenerExitsFive() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try Self.clinic(cli)
        let listener = try RawListener()
        defer { listener.close() }
        let started = Date()
        let run = try cli.run(["sync", "--dir", "clinic-a", "--peer", "127.0.0.1:\(listener.port)", "--timeout", "1"])
        #expect(run.status == 5, "\(run)")
        #expect(run.stderr.contains("timeout") || run.stderr.contains("timed out"), "\(run)")
        // The clock that fired is the one --timeout set, not the 30 s default: the message
        // names its length, whatever the machine's load made of the wall time.
        #expect(run.stderr.contains("for 1.0 s"), "\(run)")
        #expect(Date().timeIntervalSince(started) < 20, "--timeout 1 bounds the wait")
        Contract.expectOneErrorLine(run)
    }

    @Test("sync --peer to a listener that answers garbage exits 6, a protocol error")
    func garbageListenerExitsSix() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try Self.clinic(cli)
        let listener = try RawListener()
        defer { listener.close() }
        listener.answerOnce(with: Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
        let run = try cli.run(["sync", "--dir", "clinic-a", "--peer", "127.0.0.1:\(listener.port)", "--timeout", "10"])
        #expect(run.status == 6, "\(run)")
        Contract.expectOneErrorLine(run)
    }
}
