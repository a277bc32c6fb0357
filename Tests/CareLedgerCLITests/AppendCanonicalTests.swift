import CanonicalJSON
import Foundation
import LedgerCore
import Testing

/// `append --jsonl` stores canonical JSON (Specs/canonical-json.md): equal facts, equal bytes.
@Suite("append --jsonl canonical payloads (built binary)")
struct AppendCanonicalTests {
    /// One fact, spelled five ways: other key order, other whitespace, `\/` for `/`,
    /// `\u00e9` for `é`, and another spelling of the number.
    static let spellings = [
        #"{"name":"Renée","url":"https://x.org/a","n":1.5,"tags":["a","b"]}"#,
        #"{"tags":["a","b"],"n":1.5,"url":"https://x.org/a","name":"Renée"}"#,
        " {\t\"name\" : \"Renée\" ,\r \"url\":\"https://x.org/a\", \"n\" : 1.5 , \"tags\" : [ \"a\" , \"b\" ] } ",
        #"{"name":"Ren\u00e9e","url":"https:\/\/x.org\/a","n":1.5,"tags":["a","b"]}"#,
        #"{"name":"Ren\u00E9e","url":"https:\/\/x.org\/a","n":15e-1,"tags":["\u0061","b"]}"#,
    ]
    static let canonical = #"{"n":1.5,"name":"Renée","tags":["a","b"],"url":"https://x.org/a"}"#

    @Test("the same JSON line spelled five ways is stored as byte-identical payloads, shown as such by log --json")
    func spellingsGiveOnePayload() throws {
        let cli = try CLI()
        defer { cli.remove() }
        _ = try cli.json(["network", "create", "--dir", "site", "--site", "hq", "--name", "net"])
        try (Self.spellings.joined(separator: "\n") + "\n").write(toFile: cli.path("in.jsonl"), atomically: true, encoding: .utf8)
        let appended = try cli.json(["append", "--dir", "site", "--kind", "trial.note", "--jsonl", "in.jsonl"])
        #expect(appended["appended"] as? Int == Self.spellings.count)
        // One more through stdin, as a script would pipe it.
        _ = try cli.json(["append", "--dir", "site", "--kind", "trial.note", "--jsonl", "-"],
                         input: Data((Self.spellings[3] + "\n").utf8))

        // The stored bytes, read back through the library.
        var stored: [[UInt8]] = []
        try SiteLedger.open(at: cli.path("site")).forEachEntry { _, entry in
            if entry.kind == "trial.note" { stored.append(entry.payload) }
        }
        #expect(stored.count == Self.spellings.count + 1)
        #expect(stored.allSatisfy { $0 == Array(Self.canonical.utf8) },
                "\(stored.map { String(decoding: $0, as: UTF8.self) })")

        // `log --json` shows every payload as exactly those bytes.
        let log = try cli.run(["log", "--dir", "site", "--kind", "trial.note", "--json"])
        #expect(log.status == 0, "\(log)")
        let shown = try JSONParser.parseObject(Array(log.stdout.utf8))
        guard case .object(let top) = shown, case .array(let entries)? = top.first(where: { $0.0 == "entries" })?.1 else {
            Issue.record("log --json has no entries array: \(log)")
            return
        }
        let payloads = entries.compactMap { entry -> [UInt8]? in
            guard case .object(let members) = entry, let payload = members.first(where: { $0.0 == "payload" })?.1 else { return nil }
            return JSONWriter.canonical(payload)
        }
        #expect(payloads.count == stored.count && payloads.allSatisfy { $0 == Array(Self.canonical.utf8) })
        #expect(log.stdout.components(separatedBy: Self.canonical).count - 1 == stored.count,
                "log --json prints the payload bytes verbatim: \(log.stdout)")
    }

    @Test("a duplicate key or a lone surrogate refuses the whole input, naming the line")
    func refusedLines() throws {
        let cli = try CLI()
        defer { cli.remove() }
        _ = try cli.json(["network", "create", "--dir", "site", "--site", "hq", "--name", "net"])
        for (input, code) in [("{\"a\":1}\n\n{\"a\":1,\"a\":2}\n", "duplicate-key"), ("{\"a\":1}\n\n{\"a\":\"\\ud800\"}\n", "lone-surrogate")] {
            let run = try cli.run(["append", "--dir", "site", "--kind", "k", "--jsonl", "-"], input: Data(input.utf8))
            #expect(run.status == 2, "\(run)")
            #expect(run.stderr.contains("- line 3: not a JSON object") && run.stderr.contains(code), "\(run)")
        }
    }
}
