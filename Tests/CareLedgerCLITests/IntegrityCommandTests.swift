import Foundation
import LedgerCore
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
        #expect(ledgerHead.isSignatureValid() && Hash32.hexString(ledgerHead.signature) == head["signature"] as? String)
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
}
