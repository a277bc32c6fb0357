import Foundation
import TestSupport
import Testing

/// `kill -9` of an `append` at random points, then the answers with the derived-state
/// database (caught up on open) against a copy of the site without it (rebuilt from the log).
@Suite("The derived-state database after kill -9")
struct DerivedStateKillTests {
    /// Kills in one run: CARELEDGER_KILL_LOOPS (the acceptance target is 200), else 12.
    static let loops = ProcessInfo.processInfo.environment["CARELEDGER_KILL_LOOPS"].flatMap(Int.init) ?? 12

    @Test("after an append killed at random points, stats, log, conflicts and check answer as a fresh reindex would, and verify passes")
    func killedAppendsLeaveNoStaleAnswer() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let seed = UInt64(ProcessInfo.processInfo.environment["CARELEDGER_KILL_SEED"].flatMap(UInt64.init) ?? 20261205)
        print("DerivedStateKillTests seed \(seed), \(Self.loops) kills")
        var generator = SeededGenerator(seed: seed)
        try cli.run(["network", "create", "--dir", "site", "--site", "site", "--name", "Net"])
        let sample = try #require(Self.sample())
        try #require(try cli.run(["consent", "import", "--dir", "site", sample]).status == 0)
        let notes = try ConcurrentAccessTests.jsonl(cli, "notes.jsonl", lines: 4000, tag: "kill")
        for round in 0..<Self.loops {
            let writer = try ConcurrentAccessTests.start(cli, ["append", "--dir", "site", "--kind", "audit.note", "--jsonl", notes, "--batch", "100"])
            usleep(UInt32(generator.next() % 400_000))
            kill(writer.processIdentifier, SIGKILL)
            writer.waitUntilExit()
            let indexed = try Self.answers(cli, "site")
            // The same site without its database: every answer comes from a rebuild.
            try? FileManager.default.removeItem(atPath: cli.path("fresh"))
            try FileManager.default.copyItem(atPath: cli.path("site"), toPath: cli.path("fresh"))
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: cli.path("fresh/index.sqlite" + suffix)) }
            let fresh = try Self.answers(cli, "fresh")
            #expect(indexed == fresh, "round \(round), seed \(seed)")
            let verify = try cli.run(["verify", "--dir", "site", "--json"])
            #expect(verify.status == 0, "round \(round), seed \(seed): \(verify)")
        }
    }

    /// Answers that depend on the derived state, as comparable text.
    static func answers(_ cli: CLI, _ site: String) throws -> [String] {
        let stats = try cli.json(["stats", "--dir", site])
        var out = ["entries", "authors", "forks", "tree_root", "summary_root"].map { "\($0)=\(stats[$0] ?? "nil")" }
        let log = try cli.run(["log", "--dir", site, "--limit", "3", "--json"])
        out.append(log.stdout)
        out.append(try cli.run(["conflicts", "--dir", site, "--json"]).stdout)
        let check = try cli.run(["check", "--dir", site, "--json", "--patient", "urn:oid:2.16.840.1.113883.2.4.6.3|sample-mrn-0001",
                                 "--actor", "Organization/clinic-b", "--purpose", "TREAT", "--class", "Observation", "--at", "2026-11-25T09:00:00Z"])
        out.append(check.stdout)
        return out
    }

    /// The sample FHIR consent of the README's session.
    static func sample() -> String? {
        var folder = URL(fileURLWithPath: #filePath)
        while folder.path != "/" {
            folder.deleteLastPathComponent()
            let candidate = folder.appendingPathComponent("Samples/fhir/permit-with-nested-deny.json").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }
}
