import Foundation
import TestSupport
import Testing

/// `sync --mirror` and `verify --mirror` with the built binary (Specs/static-log.md §11).
@Suite("careledger sync --mirror and verify --mirror, with the built binary")
struct MirrorCommandTests {
    static let syncKeys = ["origin", "tree_size", "previous_ingested_size", "entries_ingested", "imported", "already_had", "quarantined",
                           "bundles_downloaded", "bundles_from_spool", "bytes_downloaded", "seconds", "warnings"]

    /// The download journal of the one log `site` mirrors: one line per bundle fetched.
    static func journal(_ cli: CLI, _ site: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: cli.path("\(site)/mirror"))
        let name = try #require(names.first { $0.hasSuffix(".downloads") })
        let text = try String(contentsOfFile: cli.path("\(site)/mirror/\(name)"), encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }

    /// Lines in `site`'s download journal; 0 before the first fetch.
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

    @Test("a catch-up killed with SIGKILL at random points and restarted ends with central's entries, every bundle fetched once")
    func killedCatchUpResumes() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic"], admitted: ["clinic"])
        try TCPSyncTests.append(cli, site: "central", count: 4000)
        let published = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        let own = try ConcurrentAccessTests.logIDs(cli, "clinic")
        let size = try #require(published["tree_size"] as? Int)
        var generator = SeededGenerator(seed: 19)
        var interrupted: [Int] = []
        let bundles = (size + 255) / 256
        for round in 0..<5 {
            // Killed once the journal holds a random number of fetches (and a random few
            // milliseconds later), so the kill lands mid-catch-up at any machine speed.
            let target = try Self.journalCount(cli, "clinic") + 1 + Int(generator.next() % 4)
            let extra = UInt32(generator.next() % 20_000)
            let process = try ConcurrentAccessTests.start(cli, ["sync", "--dir", "clinic", "--mirror", "pub", "--connections", "2"])
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning, Date() < deadline, try Self.journalCount(cli, "clinic") < min(target, bundles) { usleep(500) }
            usleep(extra)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // A kill that landed mid-way: bundles were fetched, and not all of them are ingested.
            let fetched = (try? Self.journal(cli, "clinic").count) ?? 0
            if fetched > 0, try Self.ingestedSize(cli, "clinic") < size { interrupted.append(round) }
        }
        #expect(!interrupted.isEmpty, "seed \(generator.seed): no kill landed during the catch-up")
        let last = try cli.json(["sync", "--dir", "clinic", "--mirror", "pub"])
        #expect(last["tree_size"] as? Int == size)
        let lines = try Self.journal(cli, "clinic")
        // Each bundle is journalled once when it is spooled; a kill between the spool's rename
        // and its journal line leaves that line out (at most one per kill: Specs/static-log.md §11).
        #expect(lines.count <= bundles && lines.count >= bundles - 5, "seed \(generator.seed): \(lines)")
        #expect(Set(lines).count == lines.count, "a bundle was fetched twice (seed \(generator.seed)): \(lines)")
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
