import Foundation
import TestSupport
import Testing

/// `sync --mirror` and `verify --mirror` with the built binary (Specs/static-log.md §11).
@Suite("careledger sync --mirror and verify --mirror, with the built binary")
struct MirrorCommandTests {
    static let syncKeys = ["origin", "tree_size", "previous_ingested_size", "entries_ingested", "imported", "already_had", "quarantined",
                           "bundles_downloaded", "bundles_from_spool", "bytes_downloaded", "seconds", "warnings"]

    /// Lines in `site`'s download journal (one per bundle spooled from the source); 0 before the first.
    static func journalCount(_ cli: CLI, _ site: String) throws -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: cli.path("\(site)/mirror"))) ?? []
        guard let name = names.first(where: { $0.hasSuffix(".downloads") }),
              let data = FileManager.default.contents(atPath: cli.path("\(site)/mirror/\(name)")) else { return 0 }
        return data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// `ingested_size` of the one progress record of `site` (0 when there is none yet).
    static func ingestedSize(_ cli: CLI, _ site: String) throws -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: cli.path("\(site)/mirror"))) ?? []
        guard let name = names.first(where: { $0.hasSuffix(".progress") }),
              let data = FileManager.default.contents(atPath: cli.path("\(site)/mirror/\(name)")) else { return 0 }
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["ingested_size"] as? Int)
    }

    @Test("a fresh clinic catches up over HTTP from serve --tlog and then holds central's entries beside its own; sync --peer afterwards receives only the delta")
    func catchUpOverHTTP() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic"], admitted: ["clinic"])
        try TCPSyncTests.append(cli, site: "central", count: 600)
        _ = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        let own = try ConcurrentAccessTests.logIDs(cli, "clinic")
        let server = try TCPSyncTests.Server(cli: cli, site: "central", options: ["--tlog", "pub"], http: true)
        let synced = try cli.json(["sync", "--dir", "clinic", "--mirror", "http://127.0.0.1:\(server.port)/tlog", "--connections", "3"])
        Contract.expectKeys(synced, Self.syncKeys, "sync --mirror --json")
        let size = try #require(synced["tree_size"] as? Int)
        #expect(synced["bundles_downloaded"] as? Int == (size + 255) / 256, "\(synced)")
        #expect(synced["entries_ingested"] as? Int == size)
        #expect(try ConcurrentAccessTests.logIDs(cli, "clinic") == own.union(try ConcurrentAccessTests.logIDs(cli, "central")))
        let again = try cli.json(["sync", "--dir", "clinic", "--mirror", "http://127.0.0.1:\(server.port)/tlog"])
        #expect(again["bundles_downloaded"] as? Int == 0)
        server.stop()
        // The live server then sends only what was appended after the checkpoint.
        try TCPSyncTests.append(cli, site: "central", count: 5)
        let live = try TCPSyncTests.Server(cli: cli, site: "central")
        defer { live.stop() }
        let delta = try cli.json(["sync", "--dir", "clinic", "--peer", "127.0.0.1:\(live.port)"])
        #expect(delta["received"] as? Int == 5, "\(delta)")
    }

    /// A static folder server (`Tests/Tools/logging_http_server.py`) that logs each request's
    /// path before answering it: the source's request log.
    final class LoggingServer {
        let process = Process()
        let port: Int
        /// The server's own pid (SIGKILLed by `stop`: a child of a test thread inherits a mask that blocks SIGTERM).
        let serverPID: Int32
        let logPath: String

        init(cli: CLI, folder: String) throws {
            logPath = cli.path("requests.log")
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", BuiltBinary.repositoryRoot + "/Tests/Tools/logging_http_server.py", cli.path(folder), logPath]
            let stdout = Pipe()
            process.standardOutput = stdout
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            var line = Data()
            while let byte = try stdout.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 0x0A { line.append(first) }
            let words = String(decoding: line, as: UTF8.self).split(separator: " ")
            port = try #require(words.first.flatMap { Int($0) }, "logging_http_server.py printed no port")
            serverPID = try #require(words.last.flatMap { Int32($0) }, "logging_http_server.py printed no pid")
        }

        /// The bundle paths requested so far, in order (`tile/entries/…`, without the leading slash).
        func bundleRequests() -> [String] {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                let path = line.split(separator: " ").first.map { String($0.drop { $0 == "/" }) } ?? ""
                return path.hasPrefix("tile/entries/") ? path : nil
            }
        }

        func stop() {
            kill(serverPID, SIGKILL)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The spool name (`<index>-<width>`) of a bundle path (`tile/entries/x001/234.p/17`, Specs/static-log.md §2.1).
    static func spoolName(ofBundlePath path: String) -> String {
        var parts = path.dropFirst("tile/entries/".count).split(separator: "/").map(String.init)
        var width = 256
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".p"), let partial = Int(parts[parts.count - 1]) {
            width = partial
            parts.removeLast()
        }
        let digits = parts.map { $0.replacingOccurrences(of: "x", with: "").replacingOccurrences(of: ".p", with: "") }.joined()
        return "\(Int(digits) ?? -1)-\(width)"
    }

    /// The bundles `site` holds durably: in its spool (whole files, no `.tmp`) or below its `ingested_size`.
    static func durableBundles(_ cli: CLI, _ site: String, size: Int) throws -> Set<String> {
        let mirror = cli.path("\(site)/mirror")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: mirror)) ?? []
        var held = Set<String>()
        if let spool = names.first(where: { $0.hasSuffix(".spool") }) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: mirror + "/" + spool)) ?? [] where !name.hasSuffix(".tmp") {
                held.insert(name)
            }
        }
        let ingested = try Self.ingestedSize(cli, site)
        for index in 0..<(ingested / 256) { held.insert("\(index)-256") }
        if ingested == size, size % 256 != 0 { held.insert("\(size / 256)-\(size % 256)") }
        return held
    }

    @Test("a catch-up over HTTP killed with SIGKILL at random points and restarted loses no entry, and no bundle spooled or ingested before a kill is requested again (the request log)")
    func killedCatchUpResumes() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic"], admitted: ["clinic"])
        try TCPSyncTests.append(cli, site: "central", count: 4000)
        let published = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        let own = try ConcurrentAccessTests.logIDs(cli, "clinic")
        let size = try #require(published["tree_size"] as? Int)
        let server = try LoggingServer(cli: cli, folder: "pub")
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)"
        var generator = SeededGenerator(seed: 19)
        var interrupted: [Int] = []
        let bundles = (size + 255) / 256, connections = 3, rounds = 6
        // After kill k: the bundles durable then, and how many bundle requests the log held.
        var durableAtKill: [(bundles: Set<String>, requests: Int)] = []
        for round in 0..<rounds {
            // Killed once the journal holds a random number of spooled bundles (and a random few
            // milliseconds later), so the kill lands mid-catch-up at any machine speed.
            let target = try Self.journalCount(cli, "clinic") + 1 + Int(generator.next() % 4)
            let extra = UInt32(generator.next() % 20_000)
            let process = try ConcurrentAccessTests.start(cli, ["sync", "--dir", "clinic", "--mirror", url, "--connections", "\(connections)"])
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning, Date() < deadline, try Self.journalCount(cli, "clinic") < min(target, bundles) { usleep(500) }
            usleep(extra)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            durableAtKill.append((try Self.durableBundles(cli, "clinic", size: size), server.bundleRequests().count))
            // A kill that landed mid-way: bundles were fetched, and not all of them are ingested.
            if try Self.journalCount(cli, "clinic") > 0, try Self.ingestedSize(cli, "clinic") < size { interrupted.append(round) }
        }
        #expect(!interrupted.isEmpty, "seed \(generator.seed): no kill landed during the catch-up")
        let last = try cli.json(["sync", "--dir", "clinic", "--mirror", url])
        #expect(last["tree_size"] as? Int == size)
        let requests = server.bundleRequests()
        // No bundle durable at a kill (spooled whole, or ingested) is requested after it.
        for (round, kill) in durableAtKill.enumerated() {
            let again = requests[kill.requests...].filter { kill.bundles.contains(Self.spoolName(ofBundlePath: $0)) }
            #expect(again.isEmpty, "seed \(generator.seed): after kill \(round), bundles spooled or ingested before it were fetched again: \(again)")
        }
        // Only transfers a kill interrupted are repeated: at most the window's per kill.
        let perPath = Dictionary(requests.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(perPath.count == bundles, "seed \(generator.seed): \(perPath)")
        #expect(requests.count - perPath.count <= rounds * connections, "seed \(generator.seed): \(perPath.filter { $0.value > 1 })")
        let expected = own.union(try ConcurrentAccessTests.logIDs(cli, "central")), held = try ConcurrentAccessTests.logIDs(cli, "clinic")
        #expect(held == expected, "seed \(generator.seed): \(expected.subtracting(held).count) missing, \(held.subtracting(expected).count) extra; \(last)")
        #expect(try cli.run(["verify", "--dir", "clinic"]).status == 0)
    }

    @Test("verify --mirror needs no site: exit 0 on a published folder, 1 naming the bundle with a changed byte, 2 without --log-key")
    func auditorVerify() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "Net"])
        try TCPSyncTests.append(cli, site: "central", count: 300)
        let key = try #require(try cli.json(["publish", "--dir", "central", "--to", "pub"])["verifier_key"] as? String)
        let ok = try cli.json(["verify", "--mirror", "pub", "--log-key", key])
        #expect(ok["ok"] as? Bool == true && ok["entries_checked"] as? Int == 301, "\(ok)")
        let path = cli.path("pub/tile/entries/001.p/45")
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count - 3] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        let bad = try cli.run(["verify", "--mirror", "pub", "--log-key", key, "--json"])
        #expect(bad.status == 1 && bad.stdout.contains("tile/entries/001.p/45") && bad.stdout.contains("mirror_invalid"), "\(bad)")
        #expect(try cli.run(["verify", "--mirror", "pub"]).status == 2)
    }
}
