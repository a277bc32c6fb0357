import Foundation
import LedgerCore
import LedgerStorage
import TestSupport
import Testing

/// `verify`, `head`, `proof inclusion|consistency`: fields, exit codes on tampering, and
/// proofs checked by the independent Python RFC 9162 verifier.
@Suite("Integrity and proof commands")
struct IntegrityCommandTests {
    /// A site with the genesis and 20 appended entries (in batches of 5, so several heads).
    static func site() throws -> CLI {
        let cli = try CLI()
        _ = try cli.json(["network", "create", "--dir", "site", "--site", "hq", "--name", "net"])
        for batch in 0..<4 {
            let input = (0..<5).map { "{\"batch\":\(batch),\"i\":\($0)}" }.joined(separator: "\n")
            _ = try cli.json(["append", "--dir", "site", "--kind", "audit", "--jsonl", "-"], input: Data(input.utf8))
        }
        return cli
    }

    @Test("verify of an intact site exits 0 with ok, entries_checked and no faults")
    func verifyIntactSite() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        let report = try cli.json(["verify", "--dir", "site"])
        Contract.expectKeys(report, ["ok", "entries_checked", "faults"], "verify")
        #expect(report["ok"] as? Bool == true && report["entries_checked"] as? Int == 21)
        #expect((report["faults"] as? [Any])?.isEmpty == true)
    }

    @Test("head prints the latest signed tree head, whose signature verifies")
    func headFields() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        let head = try cli.json(["head", "--dir", "site"])
        Contract.expectKeys(head, ["tree_size", "root_hash", "timestamp", "signature", "site_key"], "head")
        #expect(head["tree_size"] as? Int == 21)
        Contract.expectHex(head["signature"], bytes: 64, "signature")
        let identity = try cli.json(["identity", "--dir", "site"])
        #expect(head["site_key"] as? String == identity["site_key"] as? String)
        let time = try #require(head["timestamp"] as? String)
        #expect(RFC3339.date(from: time) != nil, "RFC 3339: \(time)")
        // The signature checks out against the head's own fields (Specs/merkle-log.md §7).
        let ledgerHead = try #require(try SiteLedger.open(at: cli.path("site")).treeHeads.last)
        #expect(ledgerHead.isSignatureValid() && Hex.encode(ledgerHead.signature) == head["signature"] as? String)
    }

    @Test("tampering with a signed tree head makes verify exit 1 and name heads.log and the offset on stderr")
    func tamperedHeadFailsVerify() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        let heads = cli.path("site/heads.log")
        var bytes = try #require(FileManager.default.contents(atPath: heads))
        let offset = 2 * SignedTreeHead.encodedSize
        bytes[offset + 60] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: heads))

        let human = try cli.run(["verify", "--dir", "site"])
        #expect(human.status == 1, "\(human)")
        Contract.expectOneErrorLine(human)
        #expect(human.stderr.contains("heads.log") && human.stderr.contains("\(offset)"), "names file and offset: \(human)")

        let json = try cli.run(["verify", "--dir", "site", "--json"])
        #expect(json.status == 1)
        let report = try json.json()
        #expect(report["ok"] as? Bool == false)
        let faults = try #require(report["faults"] as? [[String: Any]])
        for fault in faults { Contract.expectKeys(fault, ["file", "offset", "what"], "verify fault") }
        #expect(faults.contains { $0["file"] as? String == "heads.log" && $0["offset"] as? Int == offset }, "\(faults)")
    }

    @Test("a flipped byte in a segment file makes verify exit 1 and name the segment file and offset")
    func corruptSegmentFailsVerify() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        let folder = cli.path("site/log")
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".lz4") }.sorted().first)
        var bytes = try #require(FileManager.default.contents(atPath: folder + "/" + segment))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: folder + "/" + segment))
        let run = try cli.run(["verify", "--dir", "site"])
        #expect(run.status != 0, "corruption is never accepted: \(run)")
        let again = try cli.run(["verify", "--dir", "site"])
        #expect(again.status != 0, "still not accepted on a second run: \(again)")
        Contract.expectOneErrorLine(run)
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains(segment), "\(run)")
        #expect(again.status == 1, "\(again)")
    }

    @Test("proof inclusion and consistency print the contract's fields, and verify with the Python RFC 9162 verifier",
          .enabled(if: Python.available))
    func proofsVerifyIndependently() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        let rows = try #require(try cli.json(["log", "--dir", "site"])["entries"] as? [[String: Any]])
        let ids = rows.compactMap { $0["id"] as? String }
        #expect(ids.count == 21)
        var inclusion: [[String: Any]] = []
        for (index, id) in ids.enumerated() {
            let proof = try cli.json(["proof", "inclusion", "--dir", "site", "--entry", id])
            Contract.expectKeys(proof, ["leaf_index", "tree_size", "leaf_hash", "root_hash", "audit_path"], "proof inclusion")
            #expect(proof["leaf_index"] as? Int == index && proof["tree_size"] as? Int == 21)
            inclusion.append(proof)
        }
        for (id, size) in [(ids[3], 4), (ids[3], 9), (ids[10], 16)] {
            inclusion.append(try cli.json(["proof", "inclusion", "--dir", "site", "--entry", id, "--tree-size", "\(size)"]))
        }
        var consistency: [[String: Any]] = []
        for (first, second) in [(1, 21), (2, 21), (4, 21), (5, 21), (7, 13), (8, 16), (13, 21), (20, 21), (21, 21)] {
            let proof = try cli.json(["proof", "consistency", "--dir", "site", "--from", "\(first)", "--to", "\(second)"])
            Contract.expectKeys(proof, ["first_size", "second_size", "first_root", "second_root", "proof"], "proof consistency")
            consistency.append(proof)
        }
        let latest = try cli.json(["proof", "consistency", "--dir", "site", "--from", "6"])
        #expect(latest["second_size"] as? Int == 21, "--to defaults to the latest signed head")
        let head = try cli.json(["head", "--dir", "site"])
        #expect(inclusion[0]["root_hash"] as? String == head["root_hash"] as? String)
        // Negative cases the verifier must reject, so this check can fail.
        var badPath = inclusion[5]
        var path = try #require(badPath["audit_path"] as? [String])
        path[0] = String(path[0].reversed())
        badPath["audit_path"] = path
        badPath["expect_valid"] = false
        var badRoot = consistency[2]
        badRoot["first_root"] = consistency[1]["first_root"]
        badRoot["expect_valid"] = false
        let cases: [String: Any] = [
            "roots": [["tree_size": 21, "root_hash": head["root_hash"] ?? ""]],
            "inclusion": inclusion + [badPath], "consistency": consistency + [latest, badRoot],
        ]
        let result = try Python.verify(cases, in: cli.folder.path)
        #expect(result.status == 0 && result.output.contains("\"ok\": true"), "\(result.output)")
    }

    @Test("proof requests outside the log exit 2 with one line")
    func badProofRequests() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        for arguments in [["proof", "inclusion", "--dir", "site", "--entry", "zz"],
                          ["proof", "inclusion", "--dir", "site", "--entry", String(repeating: "0", count: 64)],
                          ["proof", "consistency", "--dir", "site", "--from", "30"],
                          ["proof", "consistency", "--dir", "site", "--from", "0", "--to", "5"]] {
            let run = try cli.run(arguments)
            #expect(run.status == 2, "\(run)")
            Contract.expectOneErrorLine(run)
        }
    }

    /// Seals the active segment of the closed site `site` in `cli`'s folder.
    static func seal(_ cli: CLI, _ site: String) throws {
        let log = try SegmentLog(directory: cli.path(site + "/log"))
        defer { log.close() }
        try log.sealActiveSegment()
    }

    /// Appends `count` audit entries tagged `tag` to `site`.
    static func append(_ cli: CLI, _ site: String, _ count: Int, tag: String) throws {
        let input = (0..<count).map { "{\"tag\":\"\(tag)\",\"i\":\($0)}" }.joined(separator: "\n")
        _ = try cli.json(["append", "--dir", site, "--kind", "audit", "--jsonl", "-"], input: Data(input.utf8))
    }

    @Test("a sealed segment swapped for one from the site's own backup makes verify exit 1 naming the segment files",
          arguments: [true, false])
    func swappedSealedSegmentFailsVerify(sameLength: Bool) throws {
        let cli = try CLI()
        defer { cli.remove() }
        _ = try cli.json(["network", "create", "--dir", "site", "--site", "hq", "--name", "net"])
        try Self.append(cli, "site", 5, tag: "a")
        try FileManager.default.copyItem(atPath: cli.path("site"), toPath: cli.path("backup"))
        try Self.append(cli, "site", 4, tag: "b")  // segment 1 holds 10 entries
        try Self.seal(cli, "site")
        try Self.append(cli, "site", 3, tag: "c")  // segment 2 starts at ordinal 10
        // The backup, restored elsewhere, wrote other entries at the same positions (or fewer) and sealed.
        if sameLength { try Self.append(cli, "backup", 4, tag: "restored") }
        try Self.seal(cli, "backup")
        let first = "log/segment-0000000001.lz4", second = "log/segment-0000000002.lz4"
        try FileManager.default.removeItem(atPath: cli.path("site/" + first))
        try FileManager.default.copyItem(atPath: cli.path("backup/" + first), toPath: cli.path("site/" + first))

        let human = try cli.run(["verify", "--dir", "site"])
        #expect(human.status == 1, "\(human)")
        Contract.expectOneErrorLine(human)
        #expect(human.stdout.contains("FAULT log/segment-"), "lists faults in segment files: \(human)")
        if !sameLength { #expect(human.stderr.contains(second), "the first fault is the discontinuity: \(human)") }

        let run = try cli.run(["verify", "--dir", "site", "--json"])
        #expect(run.status == 1, "\(run)")
        let report = try run.json()
        let faults = try #require(report["faults"] as? [[String: Any]], "\(run)")
        for fault in faults { Contract.expectKeys(fault, ["file", "offset", "what"], "verify fault") }
        #expect(faults.contains { $0["file"] as? String == "heads.log" }, "\(run)")
        #expect(report["read_only"] as? Bool == !sameLength, "\(run)")
        if sameLength {
            // The site's first entry after the swapped segment links to an entry the swap dropped.
            #expect(faults.contains { $0["file"] as? String == second && $0["ordinal"] as? Int == 10 && $0["entry_id"] is String }, "\(run)")
            #expect(try cli.run(["stats", "--dir", "site"]).status == 0, "the site still opens")
        } else {
            #expect(report["entries_checked"] as? Int == 6, "only the log up to the discontinuity is read: \(run)")
            #expect(faults.contains { $0["file"] as? String == second && $0["offset"] as? Int == 0 }, "\(run)")
            #expect(faults.contains { $0["file"] as? String == first }, "\(run)")
            let refused = try cli.run(["stats", "--dir", "site"])
            #expect(refused.status == 3 && refused.stderr.contains("segment-0000000002.lz4"), "other commands refuse the site: \(refused)")
            // verify of a site it could only open read-only records nothing in its history.
            #expect(!FileManager.default.fileExists(atPath: cli.path("site/history/verify.jsonl")), "\(run)")
        }
    }
}
