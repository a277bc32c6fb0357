import Foundation
import LedgerCore
import LedgerSite
import TestSupport
import Testing

/// `witness cosign`, `publish` and `verify/sync --mirror --witnesses`, with the built binary (Specs/static-log.md §8).
@Suite("careledger witness cosign as entries, with the built binary")
struct WitnessCommandTests {
    /// Carries `from`'s entries to `to` on a stick: `bundle export`, then `bundle import`.
    static func carry(_ cli: CLI, from: String, to: String) throws {
        _ = try cli.json(["bundle", "export", "--dir", from, "--to", to, "--out", "\(from)-to-\(to).clbundle"])
        _ = try cli.json(["bundle", "import", "--dir", to, "\(from)-to-\(to).clbundle"])
    }

    @Test("two clinics cosign as entries that reach central by stick; publish gathers them into checkpoint.witnessed; verify --mirror --witnesses 2 accepts it, 3 refuses; sync --mirror --witnesses 2 catches up to it")
    func witnessedThroughTheStick() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic-a", "clinic-b", "clinic-c"], admitted: ["clinic-a", "clinic-b", "clinic-c"])
        try TCPSyncTests.append(cli, site: "central", count: 300)
        let first = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        let key = try #require(first["verifier_key"] as? String)
        let size = try #require(first["tree_size"] as? Int)
        var witnessKeys: [String] = []
        for clinic in ["clinic-a", "clinic-b"] {
            // No --checkpoint: the log's own, fetched from --log.
            let cosigned = try cli.json(["witness", "cosign", "--dir", clinic, "--log", "pub", "--log-key", key])
            Contract.expectKeys(cosigned, ["origin", "tree_size", "cosignature", "cosigner_key", "note", "entry_id"], "witness cosign --json")
            #expect(cosigned["tree_size"] as? Int == size)
            witnessKeys.append(try #require(cosigned["cosigner_key"] as? String))
            let log = try #require(try cli.json(["log", "--dir", clinic])["entries"] as? [[String: Any]])
            #expect(log.contains { $0["kind"] as? String == "witness.cosignature" && $0["id"] as? String == cosigned["entry_id"] as? String })
            try Self.carry(cli, from: clinic, to: "central")
        }
        let none = try cli.json(["witness", "evidence", "--dir", "central"])
        #expect(none["proven"] as? Int == 0 && (none["evidence"] as? [Any])?.isEmpty == true, "\(none)")
        let second = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        #expect(second["witnessed_tree_size"] as? Int == size && second["witnessed_cosignatures"] as? Int == 2, "\(second)")
        #expect((second["tree_size"] as? Int ?? 0) > size)

        // A third witness cosigns the newest checkpoint but its entry never reaches central.
        let third = try cli.json(["witness", "cosign", "--dir", "clinic-c", "--log", "pub", "--log-key", key])
        let allKeys = witnessKeys + [try #require(third["cosigner_key"] as? String)]
        let keyArguments = allKeys.flatMap { ["--witness-key", $0] }

        let accepted = try cli.json(["verify", "--mirror", "pub", "--log-key", key, "--witnesses", "2"] + keyArguments)
        #expect(accepted["tree_size"] as? Int == size && accepted["cosignatures"] as? Int == 2, "\(accepted)")
        let refused = try cli.run(["verify", "--mirror", "pub", "--log-key", key, "--witnesses", "3", "--json"] + keyArguments)
        #expect(refused.status == 1 && refused.stdout.contains("checkpoint_unwitnessed") && refused.stdout.contains("carries 0"), "\(refused)")
        let tooFewKeys = try cli.run(["verify", "--mirror", "pub", "--log-key", key, "--witnesses", "3", "--witness-key", allKeys[0]])
        #expect(tooFewKeys.status == 2, "\(tooFewKeys)")

        // A clinic that knows the members (it holds central's charter entries) catches up to the witnessed size only.
        try Self.carry(cli, from: "central", to: "clinic-c")
        let caughtUp = try cli.json(["sync", "--dir", "clinic-c", "--mirror", "pub", "--witnesses", "2"])
        #expect(caughtUp["tree_size"] as? Int == size, "\(caughtUp)")
        let unwitnessed = try cli.run(["sync", "--dir", "clinic-c", "--mirror", "pub", "--witnesses", "3", "--json"])
        #expect(unwitnessed.status == 1 && unwitnessed.stdout.contains("checkpoint_unwitnessed"), "\(unwitnessed)")

        if Python.canImport("cryptography") {
            // The independent verifier accepts the witnessed checkpoint and checks both cosignatures.
            let script = BuiltBinary.repositoryRoot + "/Tests/Tools/tlog_verify.py"
            let verified = try #require(Python.run([script, cli.path("pub"), "--key", key, "--checkpoint", cli.path("pub/checkpoint.witnessed"),
                                                    "--witness", witnessKeys[0], "--witness", witnessKeys[1]]))
            #expect(verified.status == 0, "\(verified.output)")
            let latest = try #require(Python.run([script, cli.path("pub"), "--key", key]))
            #expect(latest.status == 0, "\(latest.output)")
        }
    }

    @Test("a witness cosigns the checkpoint a log serves over HTTP (serve --http --tlog)")
    func cosignOverHTTP() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic"], admitted: ["clinic"])
        try TCPSyncTests.append(cli, site: "central", count: 20)
        let key = try #require(try cli.json(["publish", "--dir", "central", "--to", "pub"])["verifier_key"] as? String)
        let size = try #require(try cli.json(["stats", "--dir", "central"])["entries"] as? Int)
        let server = try TCPSyncTests.Server(cli: cli, site: "central", options: ["--tlog", "pub"], http: true)
        defer { server.stop() }
        let cosigned = try cli.json(["witness", "cosign", "--dir", "clinic", "--log", "http://127.0.0.1:\(server.port)/tlog", "--log-key", key])
        #expect(cosigned["tree_size"] as? Int == size, "\(cosigned)")
    }

    @Test("a split view: central signs two trees of one size; the first witness to see both refuses and writes the evidence, which reaches another clinic by stick; verify --mirror --witnesses 2 refuses the fork and accepts the honest log")
    func splitView() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic-a", "clinic-b"], admitted: ["clinic-a", "clinic-b"])
        try TCPSyncTests.append(cli, site: "central", count: 40)
        let published = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        let key = try #require(published["verifier_key"] as? String)
        let size = try #require(published["tree_size"] as? Int)
        var witnessKeys: [String] = []
        for clinic in ["clinic-a", "clinic-b"] {
            let cosigned = try cli.json(["witness", "cosign", "--dir", clinic, "--log", "pub", "--log-key", key])
            witnessKeys.append(try #require(cosigned["cosigner_key"] as? String))
        }

        // Central's key signs another tree of the same size, served from another folder.
        let central = try SiteLedger.openSnapshot(at: cli.path("central"))
        let noteKey = try #require(NoteVerifierKey(verifierKey: key))
        var builder = TileBuilder(size: 0, upperPartials: [])
        var files: [TileBuilder.Output] = []
        for i in 0..<size { files += builder.add(Array("forked-\(i)".utf8)) }
        let (partials, root) = builder.finish()
        for file in files + partials {
            let path = cli.path("fork/" + file.tile.path)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(file.bytes).write(to: URL(fileURLWithPath: path))
        }
        let forged = try Checkpoint(origin: noteKey.name, treeSize: UInt64(size), rootHash: root).signed(with: central.signingKeyForBundles)
        try Data(forged).write(to: URL(fileURLWithPath: cli.path("fork/checkpoint")))

        let refused = try cli.run(["witness", "cosign", "--dir", "clinic-a", "--log", "fork", "--log-key", key, "--json"])
        #expect(refused.status == 1 && refused.stdout.contains("split_view"), "\(refused)")
        let log = try #require(try cli.json(["log", "--dir", "clinic-a"])["entries"] as? [[String: Any]])
        let evidence = try #require(log.first { $0["kind"] as? String == "witness.split_view" }?["id"] as? String)
        #expect(log.filter { $0["kind"] as? String == "witness.cosignature" }.count == 1, "nothing was cosigned for the fork")

        // The evidence reaches clinic-b through central, by stick.
        try Self.carry(cli, from: "clinic-a", to: "central")
        try Self.carry(cli, from: "clinic-b", to: "central")
        try Self.carry(cli, from: "central", to: "clinic-b")
        let atB = try #require(try cli.json(["log", "--dir", "clinic-b"])["entries"] as? [[String: Any]])
        #expect(atB.contains { $0["kind"] as? String == "witness.split_view" && $0["id"] as? String == evidence })
        // clinic-b re-checks it offline: a proven same-size fork (exit 1), and central is named.
        let listed = try cli.run(["witness", "evidence", "--dir", "clinic-b", "--json"])
        #expect(listed.status == 1, "\(listed)")
        let object = try listed.json()
        let items = try #require(object["evidence"] as? [[String: Any]])
        #expect(object["proven"] as? Int == 1 && items.count == 1, "\(object)")
        #expect(items.first?["entry_id"] as? String == evidence && items.first?["conflict"] as? String == "same_size_fork")
        #expect(items.first?["cosigned_tree_size"] as? Int == size && items.first?["refused_tree_size"] as? Int == size)
        #expect(try cli.run(["witness", "evidence", "--dir", "central"]).status == 1)

        let keyArguments = witnessKeys.flatMap { ["--witness-key", $0] }
        let fork = try cli.run(["verify", "--mirror", "fork", "--log-key", key, "--witnesses", "2", "--json"] + keyArguments)
        #expect(fork.status == 1 && fork.stdout.contains("checkpoint_unwitnessed"), "\(fork)")
        _ = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        let honest = try cli.json(["verify", "--mirror", "pub", "--log-key", key, "--witnesses", "2"] + keyArguments)
        #expect(honest["tree_size"] as? Int == size && honest["cosignatures"] as? Int == 2, "\(honest)")
    }

    @Test("a network founded with --witnesses 2 makes sync --mirror require two cosignatures by default; --witnesses 0 overrides it")
    func charterDefault() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "Net", "--witnesses", "2"])
        try cli.run(["network", "genesis", "--dir", "central", "--out", "genesis.json"])
        try cli.run(["init", "--dir", "clinic", "--site", "clinic", "--genesis", "genesis.json"])
        try TCPSyncTests.append(cli, site: "central", count: 10)
        _ = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        let refused = try cli.run(["sync", "--dir", "clinic", "--mirror", "pub", "--json"])
        #expect(refused.status == 1 && refused.stdout.contains("checkpoint_unwitnessed"), "\(refused)")
        let overridden = try cli.json(["sync", "--dir", "clinic", "--mirror", "pub", "--witnesses", "0"])
        #expect((overridden["tree_size"] as? Int ?? 0) > 10, "\(overridden)")
    }

    @Test("network amend --witnesses 1 raises the default: from the run after the clinic ingests the amendment, sync --mirror refuses the unwitnessed checkpoint; --witnesses 0 overrides; a clinic cannot amend")
    func amendedDefault() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic"], admitted: ["clinic"])
        try TCPSyncTests.append(cli, site: "central", count: 10)
        _ = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        _ = try cli.json(["sync", "--dir", "clinic", "--mirror", "pub"])
        let amended = try cli.json(["network", "amend", "--dir", "central", "--witnesses", "1"])
        Contract.expectKeys(amended, ["entry_id", "in_effect", "approvals", "quorum", "witnesses_in_force"], "network amend --json")
        #expect(amended["in_effect"] as? Bool == true && amended["witnesses_in_force"] as? Int == 1, "\(amended)")
        let again = try cli.run(["network", "amend", "--dir", "central", "--witnesses", "1", "--json"])
        #expect(again.status == 2 && again.stdout.contains("already_exists"), "\(again)")
        let clinicAmends = try cli.run(["network", "amend", "--dir", "clinic", "--witnesses", "0", "--json"])
        #expect(clinicAmends.status == 2 && clinicAmends.stdout.contains("not_permitted"), "\(clinicAmends)")
        try TCPSyncTests.append(cli, site: "central", count: 5)
        _ = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        // The clinic's charter says 0 as this run starts; the amendment it ingests now applies from the next run.
        let ingested = try cli.json(["sync", "--dir", "clinic", "--mirror", "pub"])
        #expect((ingested["entries_ingested"] as? Int ?? 0) > 0, "\(ingested)")
        try TCPSyncTests.append(cli, site: "central", count: 5)
        _ = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        let refused = try cli.run(["sync", "--dir", "clinic", "--mirror", "pub", "--json"])
        #expect(refused.status == 1 && refused.stdout.contains("checkpoint_unwitnessed"), "\(refused)")
        let overridden = try cli.json(["sync", "--dir", "clinic", "--mirror", "pub", "--witnesses", "0"])
        #expect((overridden["tree_size"] as? Int ?? 0) > 20, "\(overridden)")
    }
}
