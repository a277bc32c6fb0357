import Foundation
import TestSupport
import Testing

/// `verify` and `stats` show each fork's evidence — author, sequence and both entry ids —
/// not only a count (Specs/site-layout.md §4), through the built binary.
@Suite("Fork evidence in verify and stats")
struct ForkEvidenceCommandTests {
    /// hq admits a clinic; the clinic is copied as if restored from a backup, and both
    /// copies write at the same position (the copy writes one entry more, so its signed tree
    /// head is larger and its bundle is not refused as a rolled-back or forked head). hq
    /// imports both bundles. Returns the clinic's key and the two forked entries' ids.
    static func forkedNetwork(_ cli: CLI) throws -> (author: String, ids: [String]) {
        _ = try cli.json(["network", "create", "--dir", "hq", "--site", "hq", "--name", "net"])
        _ = try cli.json(["network", "genesis", "--dir", "hq", "--out", "genesis.json"])
        let joined = try cli.json(["init", "--dir", "clinic", "--site", "clinic", "--genesis", "genesis.json", "--role", "clinic"])
        let key = try #require(joined["site_key"] as? String), agreement = try #require(joined["agreement_key"] as? String)
        _ = try cli.json(["members", "admit", "--dir", "hq", "--key", key, "--agreement-key", agreement, "--name", "clinic", "--role", "clinic"])
        _ = try cli.json(["append", "--dir", "clinic", "--kind", "anchor", "--jsonl", "-"], input: Data("{\"shared\":1}\n".utf8))
        try FileManager.default.copyItem(atPath: cli.path("clinic"), toPath: cli.path("restored"))
        _ = try cli.json(["append", "--dir", "clinic", "--kind", "anchor", "--jsonl", "-"], input: Data("{\"branch\":\"original\"}\n".utf8))
        _ = try cli.json(["append", "--dir", "restored", "--kind", "anchor", "--jsonl", "-"],
                         input: Data("{\"branch\":\"restored\"}\n{\"branch\":\"restored, later\"}\n".utf8))
        let original = try #require((try cli.json(["log", "--dir", "clinic"])["entries"] as? [[String: Any]])?.last?["id"] as? String)
        let restoredEntries = try #require(try cli.json(["log", "--dir", "restored"])["entries"] as? [[String: Any]])
        let twin = try #require(restoredEntries.dropLast().last?["id"] as? String)
        _ = try cli.json(["bundle", "export", "--dir", "clinic", "--to", "hq", "--out", "a.clbundle"])
        _ = try cli.json(["bundle", "export", "--dir", "restored", "--to", "hq", "--out", "b.clbundle"])
        let imported = try cli.json(["bundle", "import", "--dir", "hq", "a.clbundle", "b.clbundle"])
        try #require(imported["forks"] as? Int == 1, "\(imported)")
        return (key, [original, twin].sorted())
    }

    static func expectEvidence(_ object: [String: Any], author: String, ids: [String], _ command: String) throws {
        #expect(object["forks"] as? Int == 1, "\(command) keeps the fork count: \(object)")
        let evidence = try #require(object["fork_evidence"] as? [[String: Any]], "\(command): \(object)")
        try #require(evidence.count == 1, "\(command): \(evidence)")
        #expect(evidence[0]["author"] as? String == author, "\(command)")
        #expect((evidence[0]["sequence"] as? Int ?? 0) >= 1, "\(command)")
        #expect(evidence[0]["entry_ids"] as? [String] == ids, "\(command): \(evidence[0])")
    }

    @Test("verify --json and stats --json list each fork with author, sequence and both entry ids")
    func jsonListsForks() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let fork = try Self.forkedNetwork(cli)
        let verify = try cli.json(["verify", "--dir", "hq"])
        #expect(verify["ok"] as? Bool == true, "a fork is evidence, not a fault: \(verify)")
        try Self.expectEvidence(verify, author: fork.author, ids: fork.ids, "verify")
        try Self.expectEvidence(try cli.json(["stats", "--dir", "hq"]), author: fork.author, ids: fork.ids, "stats")
        let logged = Set((try cli.json(["log", "--dir", "hq"])["entries"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        #expect(logged.isSuperset(of: fork.ids), "both signed entries are held")
    }

    @Test("verify and stats print one line per fork naming the author, sequence and both ids")
    func humanOutputListsForks() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let fork = try Self.forkedNetwork(cli)
        for command in ["verify", "stats"] {
            let run = try cli.run([command, "--dir", "hq"])
            #expect(run.status == 0, "\(run)")
            let lines = run.stdout.split(separator: "\n").filter { $0.hasPrefix("fork ") }
            #expect(lines.count == 1, "\(command): \(run)")
            let line = String(lines.first ?? "")
            #expect(line.contains(fork.author) && fork.ids.allSatisfy(line.contains), "\(command): \(line)")
        }
    }

    @Test("a site without forks has an empty fork_evidence list")
    func noForksNoEvidence() throws {
        let cli = try CLI()
        defer { cli.remove() }
        _ = try cli.json(["network", "create", "--dir", "hq", "--site", "hq", "--name", "net"])
        for command in ["verify", "stats"] {
            let object = try cli.json([command, "--dir", "hq"])
            #expect((object["fork_evidence"] as? [Any])?.isEmpty == true && object["forks"] as? Int == 0, "\(command): \(object)")
        }
    }
}
