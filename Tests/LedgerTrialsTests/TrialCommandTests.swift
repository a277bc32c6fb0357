import Foundation
import Testing
import TestSupport

/// The `careledger trial` commands end to end: the built binary in a temporary folder.
@Suite("trial commands end to end")
struct TrialCommandTests {
    struct Site {
        let folder: TemporaryDirectory
        let binary: String

        init() throws {
            folder = try TemporaryDirectory(prefix: "careledger-trial-cli")
            binary = try #require(CareLedgerBinary.path, "the careledger binary is built by swift build --build-tests")
            let created = try run(["network", "create", "--dir", "site", "--site", "central", "--name", "N", "--json"])
            #expect(created.status == 0)
        }

        func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            let out = try CareLedgerBinary.run(binary, arguments, in: folder.path)
            return (out.status, String(decoding: out.stdout, as: UTF8.self), String(decoding: out.stderr, as: UTF8.self))
        }

        var entries: String {
            get throws {
                let stats = try run(["stats", "--dir", "site", "--json"])
                let object = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
                return "\(object?["entries"] ?? "?")"
            }
        }

        func record(_ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try run(["trial", "custody", "record", "--dir", "site", "--trial", "T1", "--lot", "L1"] + extra)
        }
    }

    @Test("bad custody input exits 2 with one line naming the field or flag, and writes nothing")
    func badInput() throws {
        let site = try Site()
        defer { site.folder.remove() }
        let before = try site.entries
        let cases: [([String], String)] = [
            (["--step", "packing", "--quantity", "1"], "--step"),
            (["--step", "receiving", "--quantity", "-4"], "--quantity"),
            (["--step", "receiving"], "quantity:"),
            (["--step", "shipping", "--quantity", "2"], "destinationList:"),
        ]
        for (arguments, named) in cases {
            let run = try site.record(arguments)
            #expect(run.status == 2, "\(arguments): \(run)")
            #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains(named), "\(arguments): \(run.stderr)")
        }
        try Data(#"{"type":"EPCISDocument","schemaVersion":"2.0","epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"yesterday","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"receiving","readPoint":{"id":"urn:careledger:site:central"},"quantityList":[{"epcClass":"urn:careledger:trial:T1:lot:L1","quantity":3}]}]}}"#.utf8)
            .write(to: URL(fileURLWithPath: site.folder.path + "/bad.json"))
        let imported = try site.run(["trial", "custody", "import", "--dir", "site", "bad.json"])
        #expect(imported.status == 2)
        #expect(imported.stderr.contains("epcisBody.eventList[0].eventTime"), "\(imported.stderr)")
        #expect(try site.entries == before, "nothing was written")
    }

    @Test("verify exits 1 with one line per incident naming lot, serial, sites and entry ids")
    func verifyReportsIncidents() throws {
        let site = try Site()
        defer { site.folder.remove() }
        #expect(try site.record(["--step", "commissioning", "--serial", "s1", "--time", "2026-03-01T00:00:00Z"]).status == 0)
        let first = try site.record(["--step", "dispensing", "--serial", "s1", "--time", "2026-03-02T00:00:00Z", "--json"])
        let second = try site.record(["--step", "dispensing", "--serial", "s1", "--time", "2026-03-03T00:00:00Z", "--json"])
        func entry(_ json: String) throws -> String {
            (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["entry_id"] as? String ?? "?"
        }
        let verify = try site.run(["trial", "custody", "verify", "--dir", "site", "--lot", "L1"])
        #expect(verify.status == 1)
        let lines = verify.stdout.split(separator: "\n")
        #expect(lines.first == "double_dispense lot L1 serial s1 sites central entries \(try entry(first.stdout)),\(try entry(second.stdout))")
        #expect(lines.count == 2)
        let clean = try site.run(["trial", "custody", "verify", "--dir", "site", "--lot", "L2", "--json"])
        #expect(clean.status == 0 && clean.stdout.contains(#""ok":true"#))

        // The report's trials section draws the lot's journey with the incident's evidence ringed.
        #expect(try site.run(["report", "--dir", "site", "--out", "report"]).status == 0)
        let page = try String(contentsOfFile: site.folder.path + "/report/index.html", encoding: .utf8)
        #expect(page.contains("<section id=\"trials\">") && page.contains("id=\"lot-T1-L1\""))
        #expect(page.components(separatedBy: "class=\"incident\"").count - 1 == 2, "both dispensing entries are marked")
        let figures = try String(contentsOfFile: site.folder.path + "/report/trials.json", encoding: .utf8)
        #expect(figures.contains("double_dispense"))
    }

    @Test("a protocol version added offline at two sites with different documents is a conflict at both after sync")
    func protocolConflictAcrossSites() throws {
        let site = try Site()
        defer { site.folder.remove() }
        func json(_ text: String) throws -> [String: Any] { try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:] }
        #expect(try site.run(["network", "genesis", "--dir", "site", "--out", "genesis.json"]).status == 0)
        let joined = try json(try site.run(["init", "--dir", "clinic", "--site", "clinic", "--genesis", "genesis.json", "--json"]).stdout)
        let admit = try site.run(["members", "admit", "--dir", "site", "--key", joined["site_key"] as? String ?? "", "--agreement-key",
                                  joined["agreement_key"] as? String ?? "", "--name", "clinic", "--role", "clinic"])
        #expect(admit.status == 0, "\(admit)")
        try FileManager.default.createDirectory(atPath: site.folder.path + "/stick", withIntermediateDirectories: true)
        func sync(_ dir: String) throws { #expect(try site.run(["sync", "--dir", dir, "--folder", "stick"]).status == 0) }
        for dir in ["site", "clinic", "site", "clinic"] { try sync(dir) }
        for (dir, text) in [("site", "amendment as central wrote it"), ("clinic", "amendment as the clinic wrote it")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: site.folder.path + "/\(dir).pdf"))
            let add = try site.run(["trial", "protocol", "add", "--dir", dir, "--trial", "T1", "--version", "v2", "--file", "\(dir).pdf", "--effective", "2026-06-01"])
            #expect(add.status == 0, "\(add)")
        }
        for dir in ["site", "clinic", "site", "clinic"] { try sync(dir) }
        for dir in ["site", "clinic"] {
            let list = try json(try site.run(["trial", "protocol", "list", "--dir", dir, "--trial", "T1", "--json"]).stdout)
            let versions = list["versions"] as? [[String: Any]] ?? []
            #expect(list["conflicts"] as? Int == 1, "\(dir): \(list)")
            #expect((versions.first?["conflict_entries"] as? [String])?.count == 2, "\(dir): \(list)")
            #expect(try site.run(["trial", "protocol", "list", "--dir", dir, "--trial", "T1"]).stdout.contains("CONFLICT("))
            // `conflicts` shows it beside the consent conflicts, naming both entries.
            let conflicts = try json(try site.run(["conflicts", "--dir", dir, "--json"]).stdout)
            let rows = conflicts["protocol_conflicts"] as? [[String: Any]] ?? []
            #expect(rows.count == 1 && rows.first?["trial"] as? String == "T1" && rows.first?["version"] as? String == "v2", "\(dir): \(conflicts)")
            #expect((rows.first?["entries"] as? [String]) == (versions.first?["conflict_entries"] as? [String])?.sorted(), "\(dir): \(conflicts)")
        }
    }

    @Test("protocol at answers the version in force and exits 1 before the first")
    func protocolAt() throws {
        let site = try Site()
        defer { site.folder.remove() }
        try Data("v1 text".utf8).write(to: URL(fileURLWithPath: site.folder.path + "/p1.pdf"))
        let add = try site.run(["trial", "protocol", "add", "--dir", "site", "--trial", "T1", "--version", "v1", "--file", "p1.pdf", "--effective", "2026-01-01"])
        #expect(add.status == 0)
        #expect(try site.run(["trial", "protocol", "at", "--dir", "site", "--trial", "T1", "--date", "2026-02-01"]).stdout.hasPrefix("In force: v1"))
        #expect(try site.run(["trial", "protocol", "at", "--dir", "site", "--trial", "T1", "--date", "2025-12-31"]).status == 1)
        #expect(try site.run(["attest", "--dir", "site", "--file", "p1.pdf"]).status == 0, "attest proves the document is anchored")
        #expect(try site.run(["trial", "protocol", "attest", "--dir", "site", "--file", "p1.pdf"]).stdout.hasPrefix("Protocol T1 v1: entry "))
        try Data("v1 text, altered".utf8).write(to: URL(fileURLWithPath: site.folder.path + "/p1-altered.pdf"))
        #expect(try site.run(["trial", "protocol", "attest", "--dir", "site", "--file", "p1-altered.pdf"]).status == 1)
    }
}
