import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Several processes on one data folder (Specs/site-layout.md §8): readers read a snapshot
/// without the writer lock, writers go through a running `serve`'s control socket or wait
/// for the lock, and a refused writer names the holder once.
@Suite("Concurrent access to one site, with real processes", .serialized)
struct ConcurrentAccessTests {
    static let patient = "urn:oid:2.16.840.1.113883.2.4.6.3|sample-mrn-0001"
    static let consentFile = BuiltBinary.repositoryRoot + "/Samples/fhir/permit-with-nested-deny.json"

    /// `lines` JSON Lines of one field, written to `name` in the working folder.
    static func jsonl(_ cli: CLI, _ name: String, lines: Int, tag: String) throws -> String {
        let text = (0..<lines).map { "{\"tag\":\"\(tag)\",\"n\":\($0)}" }.joined(separator: "\n")
        try Data(text.utf8).write(to: URL(fileURLWithPath: cli.path(name)))
        return name
    }

    /// A `careledger` process started and not waited for.
    static func start(_ cli: CLI, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(CLI.binary))
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: cli.folder.path)
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        return process
    }

    /// Every entry id in a site's log.
    static func logIDs(_ cli: CLI, _ site: String) throws -> Set<String> {
        let run = try cli.run(["log", "--dir", site, "--json"])
        try #require(run.status == 0, "\(run)")
        let object = try run.json()
        let entries = try #require(object["entries"] as? [[String: Any]], "\(run)")
        return Set(entries.compactMap { $0["id"] as? String })
    }

    @Test("while serve runs, stats, status, log, verify, check, check --record, append, consent import and members admit all succeed, and a client syncing afterwards receives what was appended")
    func everyCommandWorksBesideServe() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic-a", "clinic-b"], admitted: ["clinic-a"])
        let server = try TCPSyncTests.Server(cli: cli, site: "central")
        defer { server.stop() }
        #expect(FileManager.default.fileExists(atPath: cli.path("central/control.sock")), "serve made its control socket")

        for read in [["stats"], ["status"], ["log"], ["verify"], ["head"], ["members", "list"], ["conflicts"]] {
            let run = try cli.run(read + ["--dir", "central", "--json"])
            #expect(run.status == 0, "\(run)")
        }
        let check = ["check", "--dir", "central", "--patient", Self.patient, "--actor", "Organization/clinic-a",
                     "--purpose", "TREAT", "--class", "Observation"]
        #expect(try cli.run(check + ["--json"]).status == 0)
        var written: Set<String> = []
        let recorded = try cli.json(check + ["--record"])
        written.insert(try #require(recorded["entry_id"] as? String, "\(recorded)"))
        let appended = try cli.json(["append", "--dir", "central", "--kind", "audit.note", "--jsonl",
                                     try Self.jsonl(cli, "notes.jsonl", lines: 2500, tag: "beside-serve"), "--batch", "1000"])
        #expect(appended["appended"] as? Int == 2500, "\(appended)")
        written.insert(try #require(appended["last_id"] as? String, "\(appended)"))
        written.insert(try #require(appended["first_id"] as? String, "\(appended)"))
        let imported = try cli.json(["consent", "import", "--dir", "central", Self.consentFile])
        for id in try #require(imported["version_ids"] as? [String], "\(imported)") { written.insert(id) }
        let identity = try cli.json(["identity", "--dir", "clinic-b"])
        let admitted = try cli.json(["members", "admit", "--dir", "central", "--key", try #require(identity["site_key"] as? String),
                                     "--agreement-key", try #require(identity["agreement_key"] as? String),
                                     "--name", "clinic-b", "--role", "clinic"])
        written.insert(try #require(admitted["entry_id"] as? String, "\(admitted)"))

        // The readers see the server's commits at once: every entry written is in the snapshot.
        let central = try Self.logIDs(cli, "central")
        #expect(written.isSubset(of: central), "missing at central: \(written.subtracting(central))")
        let members = try cli.run(["members", "list", "--dir", "central"])
        #expect(members.stdout.contains("clinic-b"), "\(members)")
        let verified = try cli.run(["verify", "--dir", "central", "--json"])
        #expect(verified.status == 0, "\(verified)")

        let synced = try cli.json(["sync", "--dir", "clinic-a", "--peer", "127.0.0.1:\(server.port)"])
        #expect(synced["received"] as? Int ?? 0 >= 2500 + 3, "\(synced)")
        let clinic = try Self.logIDs(cli, "clinic-a")
        #expect(written.isSubset(of: clinic), "the client did not receive \(written.subtracting(clinic))")
    }

    @Test("two concurrent append processes both succeed (one waits for the other's lock, default --wait) and both batches are on the ledger")
    func concurrentAppendsBothLand() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "site", "--site", "site", "--name", "Net"])
        let before = try #require(try cli.json(["stats", "--dir", "site"])["entries"] as? Int)
        let first = try Self.start(cli, ["append", "--dir", "site", "--kind", "audit.note", "--jsonl",
                                         try Self.jsonl(cli, "a.jsonl", lines: 3000, tag: "a")])
        let second = try Self.start(cli, ["append", "--dir", "site", "--kind", "audit.note", "--jsonl",
                                          try Self.jsonl(cli, "b.jsonl", lines: 3000, tag: "b")])
        first.waitUntilExit()
        second.waitUntilExit()
        #expect(first.terminationStatus == 0 && second.terminationStatus == 0,
                "both appends succeed: \(first.terminationStatus), \(second.terminationStatus)")
        let after = try #require(try cli.json(["stats", "--dir", "site"])["entries"] as? Int)
        #expect(after == before + 6000, "both batches are on the ledger: \(before) → \(after)")
        #expect(try cli.run(["verify", "--dir", "site"]).status == 0)
    }

    @Test("a writer refused after --wait names the holder's pid and command line once, on one line")
    func lockedMessageNamesTheHolder() throws {
        let cli = try CLI()
        defer { cli.remove() }
        // A folder whose control socket path is too long to bind: serve runs without one, so
        // a writer meets its lock (Specs/site-layout.md §8.3).
        let site = "site-" + String(repeating: "x", count: 120)
        try cli.run(["network", "create", "--dir", site, "--site", "site", "--name", "Net"])
        let server = try TCPSyncTests.Server(cli: cli, site: site)
        defer { server.stop() }
        #expect(!FileManager.default.fileExists(atPath: cli.path(site + "/control.sock")))
        let run = try cli.run(["append", "--dir", site, "--kind", "audit.note", "--jsonl",
                               try Self.jsonl(cli, "one.jsonl", lines: 1, tag: "x"), "--wait", "0.3"])
        #expect(run.status == 3, "\(run)")
        Contract.expectOneErrorLine(run)
        #expect(run.stderr.contains("in use by pid \(server.process.processIdentifier) (careledger serve --dir \(site)"), "\(run)")
        #expect(run.stderr.contains("waited 0.3 s"), "\(run)")
        #expect(run.stderr.components(separatedBy: "in use by").count == 2, "the reason is printed once: \(run)")
        // Readers are not refused.
        #expect(try cli.run(["status", "--dir", site]).status == 0)
    }

    @Test("a serve killed with SIGKILL leaves a stale control socket: writers fall back to the lock, the next serve replaces it and removes it on SIGTERM")
    func staleControlSocket() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "site", "--site", "site", "--name", "Net"])
        let killed = try TCPSyncTests.Server(cli: cli, site: "site")
        kill(killed.process.processIdentifier, SIGKILL)
        killed.process.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: cli.path("site/control.sock")), "the socket file outlives its server")
        let note = try Self.jsonl(cli, "note.jsonl", lines: 1, tag: "after-kill")
        let alone = try cli.run(["append", "--dir", "site", "--kind", "audit.note", "--jsonl", note])
        #expect(alone.status == 0, "\(alone)")
        let server = try TCPSyncTests.Server(cli: cli, site: "site")
        defer { if server.process.isRunning { server.stop() } }
        let beside = try cli.json(["append", "--dir", "site", "--kind", "audit.note", "--jsonl", note])
        #expect(beside["appended"] as? Int == 1, "the new server's socket takes the write: \(beside)")
        #expect(try Self.logIDs(cli, "site").contains(try #require(beside["last_id"] as? String)))
        server.stop()  // SIGTERM
        #expect(server.process.terminationStatus == 128 + SIGTERM)
        #expect(!FileManager.default.fileExists(atPath: cli.path("site/control.sock")), "a stopped server removes its socket")
    }

    @Test("a reader sees a consistent snapshot while an append of many entries runs")
    func readerSeesWholeCommits() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "site", "--site", "site", "--name", "Net"])
        let base = try #require(try cli.json(["stats", "--dir", "site"])["entries"] as? Int)
        let batch = 500, total = 20_000
        let writer = try Self.start(cli, ["append", "--dir", "site", "--kind", "audit.note", "--jsonl",
                                          try Self.jsonl(cli, "many.jsonl", lines: total, tag: "many"), "--batch", "\(batch)"])
        var seen: [Int] = []
        var verified = 0
        repeat {
            let stats = try cli.json(["stats", "--dir", "site"])
            let entries = try #require(stats["entries"] as? Int)
            #expect((entries - base) % batch == 0, "a reader never sees half a commit: \(entries) entries")
            #expect(entries >= (seen.last ?? base), "the snapshot never goes back")
            seen.append(entries)
            if verified < 3 {
                let verify = try cli.run(["verify", "--dir", "site", "--json"])
                #expect(verify.status == 0, "verify beside a writer: \(verify)")
                verified += 1
            }
        } while writer.isRunning
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        let final = try #require(try cli.json(["stats", "--dir", "site"])["entries"] as? Int)
        #expect(final == base + total)
        #expect(seen.count >= 2, "the reader ran while the writer did: \(seen)")
    }
}
