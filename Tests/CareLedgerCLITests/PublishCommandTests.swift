import Foundation
import TestSupport
import Testing

/// `careledger publish` run as a script runs it (Specs/static-log.md §5.1).
@Suite("careledger publish, with the built binary")
struct PublishCommandTests {
    @Test("while serve runs, publish writes the log and prints its JSON; the independent verifier accepts the folder; a second publish is incremental")
    func publishBesideServe() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "Net"])
        let server = try TCPSyncTests.Server(cli: cli, site: "central")
        defer { server.stop() }
        let lines = (0..<300).map { "{\"n\":\($0)}" }.joined(separator: "\n")
        #expect(try cli.run(["append", "--dir", "central", "--kind", "anchor", "--jsonl", "-"], input: Data(lines.utf8)).status == 0)
        let first = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        Contract.expectKeys(first, ["directory", "origin", "verifier_key", "tree_size", "root_hash", "previous_tree_size", "tiles_written",
                               "bundles_written", "bytes_written", "files_unchanged", "rebuilt_from_start", "up_to_date"], "publish --json")
        #expect(first["tree_size"] as? Int == 301 && first["previous_tree_size"] as? Int == 0)
        let key = try #require(first["verifier_key"] as? String)
        if Python.canImport("cryptography") {
            let script = BuiltBinary.repositoryRoot + "/Tests/Tools/tlog_verify.py"
            let verified = try #require(Python.run([script, cli.path("pub"), "--key", key]))
            #expect(verified.status == 0, "\(verified.output)")
        }
        try FileManager.default.copyItem(atPath: cli.path("pub/checkpoint"), toPath: cli.path("checkpoint.1"))
        #expect(try cli.run(["append", "--dir", "central", "--kind", "anchor", "--jsonl", "-"], input: Data(lines.utf8)).status == 0)
        let second = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        #expect(second["tree_size"] as? Int == 601 && second["previous_tree_size"] as? Int == 301)
        #expect(second["bundles_written"] as? Int == 2 && second["up_to_date"] as? Bool == false)
        let again = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        #expect(again["up_to_date"] as? Bool == true && again["bytes_written"] as? Int == 0)
    }

    @Test("publishing another site into a published folder exits 1 naming the conflict; a bad origin exits 2")
    func refusals() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "one", "--site", "one", "--name", "A"])
        try cli.run(["network", "create", "--dir", "two", "--site", "two", "--name", "B"])
        _ = try cli.json(["publish", "--dir", "one", "--to", "pub"])
        let conflict = try cli.run(["publish", "--dir", "two", "--to", "pub", "--json"])
        #expect(conflict.status == 1, "\(conflict)")
        #expect(conflict.stdout.contains("published_log_conflict"), "\(conflict)")
        let origin = try cli.run(["publish", "--dir", "one", "--to", "pub2", "--origin", "a+b"])
        #expect(origin.status == 2, "\(origin)")
    }

    @Test("serve --http --tlog DIR serves the published log under /tlog/, and the independent verifier accepts it over HTTP",
          .enabled(if: Python.canImport("cryptography")))
    func servedUnderTlog() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "Net"])
        let lines = (0..<300).map { "{\"n\":\($0)}" }.joined(separator: "\n")
        #expect(try cli.run(["append", "--dir", "central", "--kind", "anchor", "--jsonl", "-"], input: Data(lines.utf8)).status == 0)
        let key = try #require(try cli.json(["publish", "--dir", "central", "--to", "pub"])["verifier_key"] as? String)
        let server = try TCPSyncTests.Server(cli: cli, site: "central", options: ["--tlog", "pub"], http: true)
        defer { server.stop() }
        let script = BuiltBinary.repositoryRoot + "/Tests/Tools/tlog_verify.py"
        let verified = try #require(Python.run([script, "http://127.0.0.1:\(server.port)/tlog", "--key", key]))
        #expect(verified.status == 0, "\(verified.output)")
        let alone = try cli.run(["serve", "--dir", "central", "--tlog", "pub", "--listen", "127.0.0.1:0"])
        #expect(alone.status == 2, "\(alone)")
    }

    @Test("a clinic cosigns central's checkpoint with witness cosign; the independent verifier accepts the cosignature; an older checkpoint afterwards exits 1 as stale",
          .enabled(if: Python.canImport("cryptography")))
    func witnessCosign() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic"], admitted: ["clinic"])
        try TCPSyncTests.append(cli, site: "central", count: 300)
        let key = try #require(try cli.json(["publish", "--dir", "central", "--to", "pub"])["verifier_key"] as? String)
        try FileManager.default.copyItem(atPath: cli.path("pub/checkpoint"), toPath: cli.path("checkpoint.1"))
        try TCPSyncTests.append(cli, site: "central", count: 10)
        _ = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        let cosigned = try cli.json(["witness", "cosign", "--dir", "clinic", "--checkpoint", "pub/checkpoint", "--log", "pub", "--log-key", key])
        Contract.expectKeys(cosigned, ["origin", "tree_size", "previous_tree_size", "cosignature", "cosigner_key", "note"], "witness cosign --json")
        let note = try #require(cosigned["note"] as? String)
        let witness = try #require(cosigned["cosigner_key"] as? String)
        try Data(note.utf8).write(to: URL(fileURLWithPath: cli.path("cosigned")))
        let script = BuiltBinary.repositoryRoot + "/Tests/Tools/tlog_verify.py"
        let verified = try #require(Python.run([script, cli.path("pub"), "--key", key, "--checkpoint", cli.path("cosigned"), "--witness", witness]))
        #expect(verified.status == 0, "\(verified.output)")
        let unwitnessed = try #require(Python.run([script, cli.path("pub"), "--key", key, "--witness", witness]))
        #expect(unwitnessed.status == 1, "the served checkpoint carries no cosignature: \(unwitnessed.output)")
        let rollback = try cli.run(["witness", "cosign", "--dir", "clinic", "--checkpoint", "checkpoint.1", "--log", "pub", "--log-key", key, "--json"])
        #expect(rollback.status == 1 && rollback.stdout.contains("stale_checkpoint"), "an older prefix is refused, but is no split view: \(rollback)")
    }
}

