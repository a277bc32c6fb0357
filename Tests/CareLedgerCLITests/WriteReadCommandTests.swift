import Foundation
import LedgerCore
import LedgerStorage
import Testing

/// `append`, `anchor`, `attest`, `log`, `stats`: fields, filters, bad input and bulk append.
@Suite("Writing and reading commands")
struct WriteReadCommandTests {
    /// A CLI folder with a founded site in `site/`.
    static func site() throws -> CLI {
        let cli = try CLI()
        _ = try cli.json(["network", "create", "--dir", "site", "--site", "hq", "--name", "net"])
        return cli
    }

    static func entries(_ cli: CLI) throws -> Int {
        try #require(try cli.json(["stats", "--dir", "site"])["entries"] as? Int)
    }

    @Test("append from a file and from stdin prints appended, first_id and last_id")
    func appendFromFileAndStdin() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        let lines = (0..<5).map { "{\"n\":\($0),\"kind\":\"test\"}" }.joined(separator: "\n") + "\n"
        try lines.write(toFile: cli.path("in.jsonl"), atomically: true, encoding: .utf8)
        let fromFile = try cli.json(["append", "--dir", "site", "--kind", "audit", "--jsonl", "in.jsonl"])
        Contract.expectKeys(fromFile, ["appended", "first_id", "last_id"], "append")
        #expect(fromFile["appended"] as? Int == 5)
        Contract.expectHex(fromFile["first_id"], bytes: 32, "first_id")
        Contract.expectHex(fromFile["last_id"], bytes: 32, "last_id")

        let fromStdin = try cli.json(["append", "--dir", "site", "--kind", "audit", "--jsonl", "-"], input: Data("{\"a\":1}\n\n{\"b\":2}\n".utf8))
        #expect(fromStdin["appended"] as? Int == 2, "blank lines are skipped")
        #expect(try Self.entries(cli) == 1 + 5 + 2)
        let log = try cli.json(["log", "--dir", "site", "--kind", "audit"])
        let rows = try #require(log["entries"] as? [[String: Any]])
        #expect(rows.first?["id"] as? String == fromFile["first_id"] as? String)
        #expect(rows.last?["id"] as? String == fromStdin["last_id"] as? String, "newest last")
    }

    @Test("log filters by kind, keeps the newest N with --limit, and prints the contract's fields")
    func logKindAndLimit() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        for (kind, count) in [("alpha", 4), ("beta", 3), ("alpha", 2)] {
            let input = (0..<count).map { "{\"kind\":\"\(kind)\",\"i\":\($0)}" }.joined(separator: "\n")
            _ = try cli.json(["append", "--dir", "site", "--kind", kind, "--jsonl", "-"], input: Data(input.utf8))
        }
        let all = try #require(try cli.json(["log", "--dir", "site"])["entries"] as? [[String: Any]])
        #expect(all.count == 1 + 9)
        for row in all { Contract.expectKeys(row, ["id", "site", "kind", "time", "payload"], "log row") }
        let alpha = try #require(try cli.json(["log", "--dir", "site", "--kind", "alpha"])["entries"] as? [[String: Any]])
        #expect(alpha.count == 6 && alpha.allSatisfy { $0["kind"] as? String == "alpha" })
        let newest = try #require(try cli.json(["log", "--dir", "site", "--kind", "alpha", "--limit", "2"])["entries"] as? [[String: Any]])
        #expect(newest.map { $0["id"] as? String } == alpha.suffix(2).map { $0["id"] as? String })
        let payload = try #require(newest.last?["payload"] as? [String: Any])
        #expect(payload["i"] as? Int == 1 && payload["kind"] as? String == "alpha", "the payload is the JSON line")
        let time = try #require(newest.last?["time"] as? String)
        #expect(time.hasSuffix("Z") && time.contains("T"), "RFC 3339 UTC: \(time)")
        let negative = try cli.run(["log", "--dir", "site", "--limit=-1"])
        #expect(negative.status == 2, "\(negative)")
    }

    @Test("stats prints the contract's fields, consistent with head and log")
    func statsFields() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        _ = try cli.json(["append", "--dir", "site", "--kind", "k", "--jsonl", "-"], input: Data("{\"x\":1}\n{\"x\":2}\n".utf8))
        let stats = try cli.json(["stats", "--dir", "site"])
        Contract.expectKeys(stats, ["entries", "segments", "bytes_on_disk", "bytes_raw", "summary_root", "tree_size", "tree_root"], "stats")
        #expect(stats["entries"] as? Int == 3 && stats["tree_size"] as? Int == 3)
        #expect((stats["bytes_on_disk"] as? Int ?? 0) > 0 && (stats["bytes_raw"] as? Int ?? 0) > 0)
        Contract.expectHex(stats["summary_root"], bytes: 32, "summary_root")
        let head = try cli.json(["head", "--dir", "site"])
        #expect(head["root_hash"] as? String == stats["tree_root"] as? String)
    }

    @Test("anchor then attest: the same bytes are anchored (exit 0), other bytes are not (exit 1)")
    func anchorAndAttest() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        try Data("{\"resourceType\":\"Observation\",\"id\":\"obs-1\"}".utf8).write(to: URL(fileURLWithPath: cli.path("record.json")))
        try Data("{\"resourceType\":\"Observation\",\"id\":\"obs-2\"}".utf8).write(to: URL(fileURLWithPath: cli.path("other.json")))
        let anchored = try cli.json(["anchor", "--dir", "site", "--file", "record.json", "--system", "https://ehr.example",
                                     "--type", "Observation", "--id", "obs-1", "--version", "1"])
        Contract.expectKeys(anchored, ["entry_id", "sha256"], "anchor")
        Contract.expectHex(anchored["sha256"], bytes: 32, "sha256")

        let yes = try cli.json(["attest", "--dir", "site", "--file", "record.json"])
        Contract.expectKeys(yes, ["anchored", "entry_id", "site", "time"], "attest (anchored)")
        #expect(yes["anchored"] as? Bool == true && yes["entry_id"] as? String == anchored["entry_id"] as? String)

        let no = try cli.run(["attest", "--dir", "site", "--file", "other.json", "--json"])
        #expect(no.status == 1, "\(no)")
        let answer = try no.json()
        #expect(answer["anchored"] as? Bool == false)
        Contract.expectKeys(answer, ["anchored", "entry_id", "site", "time"], "attest (not anchored)")
        let missing = try cli.run(["anchor", "--dir", "site", "--file", "nope.json"])
        #expect(missing.status == 2, "\(missing)")
        Contract.expectOneErrorLine(missing)
    }

    @Test("a missing file and a malformed JSON line exit 2 with one line naming them, and append nothing")
    func badInputAppendsNothing() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        let before = try Self.entries(cli)
        let missing = try cli.run(["append", "--dir", "site", "--kind", "k", "--jsonl", "absent.jsonl"])
        #expect(missing.status == 2, "\(missing)")
        Contract.expectOneErrorLine(missing)
        #expect(missing.stderr.contains("absent.jsonl"))

        try "{\"ok\":1}\n{\"ok\":2}\n{not json\n{\"ok\":4}\n".write(toFile: cli.path("bad.jsonl"), atomically: true, encoding: .utf8)
        let malformed = try cli.run(["append", "--dir", "site", "--kind", "k", "--jsonl", "bad.jsonl", "--json"])
        #expect(malformed.status == 2, "\(malformed)")
        Contract.expectOneErrorLine(malformed)
        #expect(malformed.stderr.contains("bad.jsonl") && malformed.stderr.contains("line 3"), "\(malformed)")
        let error = try #require(try malformed.json()["error"] as? [String: Any], "a failed --json command prints only the error object: \(malformed)")
        #expect(error["exit"] as? Int == 2 && error["code"] as? String == "usage", "\(malformed)")
        let array = try cli.run(["append", "--dir", "site", "--kind", "k", "--jsonl", "-"], input: Data("[1,2]\n".utf8))
        #expect(array.status == 2, "a line must be a JSON object: \(array)")
        #expect(try Self.entries(cli) == before, "nothing was appended")
    }

    @Test("a line over the payload limit late in the input exits 2 and appends nothing, whatever --batch is")
    func oversizeLineAppendsNothing() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        let before = try Self.entries(cli)
        let big = "{\"big\":\"" + String(repeating: "x", count: 1 << 20) + "\"}"
        try ["{\"a\":1}", "{\"a\":2}", big].joined(separator: "\n").write(toFile: cli.path("big.jsonl"), atomically: true, encoding: .utf8)
        let run = try cli.run(["append", "--dir", "site", "--kind", "k", "--jsonl", "big.jsonl", "--batch", "2"])
        #expect(run.status == 2, "\(run)")
        Contract.expectOneErrorLine(run)
        let after = try Self.entries(cli)
        #expect(after == before, "\(after - before) entries were appended: \(run.stderr)")
        let badKind = try cli.run(["append", "--dir", "site", "--kind", "bad kind", "--jsonl", "-"], input: Data("{\"a\":1}\n".utf8))
        #expect(badKind.status == 2, "\(badKind)")
        #expect(try Self.entries(cli) == after)
    }

    @Test("appending 20,000 lines works, and stderr stays silent when it is a pipe")
    func bulkAppendWithoutProgressOnAPipe() throws {
        let cli = try Self.site()
        defer { cli.remove() }
        let lines = (0..<20_000).map { "{\"patient\":\"p\($0 % 977)\",\"purpose\":\"TREAT\",\"sha256\":\"\(String(repeating: "ab", count: 32))\",\"seq\":\($0)}" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: cli.path("bulk.jsonl"), atomically: true, encoding: .utf8)
        let binary = try #require(CLI.binary)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["append", "--dir", "site", "--kind", "audit", "--jsonl", "bulk.jsonl", "--json"]
        process.currentDirectoryURL = URL(fileURLWithPath: cli.folder.path)
        // stdout goes to a file, stderr to a pipe: the pipe is read to its end, then the child is reaped.
        let outPath = cli.path("bulk.out")
        try Data().write(to: URL(fileURLWithPath: outPath))
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        defer { try? out.close() }
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stdoutData = FileManager.default.contents(atPath: outPath) ?? Data()
        #expect(process.terminationStatus == 0)
        #expect(stderrData.isEmpty, "no progress bar or other text on a piped stderr: \(String(decoding: stderrData.prefix(200), as: UTF8.self))")
        let result = try #require(try JSONSerialization.jsonObject(with: stdoutData) as? [String: Any])
        #expect(result["appended"] as? Int == 20_000)
        // Counted in the segment log itself: reopening a 20,000-entry site costs seconds in a debug build.
        let log = try SegmentLog(directory: cli.path("site/log"))
        defer { log.close() }
        #expect(log.recordCount == 20_001)
        let last = try Entry.decode(Array(try log.read(ordinal: 20_000).value))
        #expect(last.id.hex == result["last_id"] as? String)
    }
}
