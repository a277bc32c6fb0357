import Foundation
import TestSupport
import Testing

/// `kill -9` of a `consent import` at random points, then its answers against a copy of the
/// site without the derived-state database.
@Suite("The derived-state database after a killed consent import")
struct DerivedStateImportKillTests {
    @Test("after a consent import killed at random points, check, export, stats and conflicts answer as a copy without the database, and verify passes")
    func killedImportsLeaveNoStaleAnswer() throws {
        let cli = try CLI()
        defer { cli.remove() }
        var generator = SeededGenerator(seed: 77)
        try cli.run(["network", "create", "--dir", "site", "--site", "site", "--name", "Net"])
        for round in 0..<max(2, DerivedStateKillTests.loops / 3) {
            // 300 consents per file; the ids repeat across rounds, so later rounds add versions.
            let bundle = "bundle-\(round).json"
            try Data(Self.bundle(count: 300, round: round).utf8).write(to: URL(fileURLWithPath: cli.path(bundle)))
            let writer = try ConcurrentAccessTests.start(cli, ["consent", "import", "--dir", "site", bundle])
            usleep(UInt32(generator.next() % 600_000))
            kill(writer.processIdentifier, SIGKILL)
            writer.waitUntilExit()
            let indexed = try Self.answers(cli, "site")
            try? FileManager.default.removeItem(atPath: cli.path("fresh"))
            try FileManager.default.copyItem(atPath: cli.path("site"), toPath: cli.path("fresh"))
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: cli.path("fresh/index.sqlite" + suffix)) }
            #expect(indexed == (try Self.answers(cli, "fresh")), "round \(round)")
            let verify = try cli.run(["verify", "--dir", "site", "--json"])
            #expect(verify.status == 0, "round \(round): \(verify)")
        }
        // One import left to finish: the kills above were not all before its commit, and the answers still agree.
        try Data(Self.bundle(count: 300, round: 1).utf8).write(to: URL(fileURLWithPath: cli.path("last.json")))
        try #require(try cli.run(["consent", "import", "--dir", "site", "last.json"]).status == 0)
        let entries = try #require(try cli.json(["stats", "--dir", "site"])["entries"] as? Int)
        #expect(entries > 300)
        try? FileManager.default.removeItem(atPath: cli.path("fresh"))
        try FileManager.default.copyItem(atPath: cli.path("site"), toPath: cli.path("fresh"))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: cli.path("fresh/index.sqlite" + suffix)) }
        #expect(try Self.answers(cli, "site") == (try Self.answers(cli, "fresh")))
    }

    /// Answers of the kill test plus one imported patient's check and export.
    static func answers(_ cli: CLI, _ site: String) throws -> [String] {
        var out = try DerivedStateKillTests.answers(cli, site)
        out.append(try cli.run(["check", "--dir", site, "--json", "--patient", "urn:test:mrn|kill-7", "--actor", "Organization/x",
                                "--purpose", "TREAT", "--class", "Observation", "--at", "2026-11-25T09:00:00Z"]).stdout)
        out.append(try cli.run(["consent", "export", "--dir", site, "--patient", "urn:test:mrn|kill-7"]).stdout)
        return out
    }

    /// A FHIR Bundle of `count` Consents for patients `kill-0`…, active in even rounds.
    static func bundle(count: Int, round: Int) -> String {
        let status = round % 2 == 0 ? "active" : "inactive"
        let entries = (0..<count).map { n in
            #"{"resource": {"resourceType": "Consent", "id": "k-\#(n)", "status": "\#(status)","#
                + #" "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},"#
                + #" "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],"#
                + #" "patient": {"identifier": {"system": "urn:test:mrn", "value": "kill-\#(n)"}},"#
                + #" "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},"#
                + #" "provision": {"type": "permit", "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT"}]}}}"#
        }
        return #"{"resourceType": "Bundle", "type": "collection", "entry": ["# + entries.joined(separator: ",") + "]}"
    }
}
