import Foundation
import Testing

/// A `consent.version` entry whose payload does not decode — a newer peer's format, or
/// anything `append --kind consent.version` was given — is kept on the ledger as an opaque
/// entry (Specs/consent.md §3.3) and skipped by the consent commands, which warn and count it.
@Suite("Undecodable consent versions")
struct UndecodableConsentTests {
    @Test("check, conflicts and consent commands skip undecodable consent versions, warn once and count them",
          .enabled(if: CLI.binary != nil))
    func undecodableVersionsAreSkippedNotFatal() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "site", "--site", "central", "--name", "Net"])
        let patient = "urn:oid:1.2.3|p-1"
        try Data(ReportNetwork.consent(id: "c1", patient: patient).utf8).write(to: URL(fileURLWithPath: cli.path("c1.json")))
        _ = try cli.json(["consent", "import", "--dir", "site", "c1.json"])
        let check = ["check", "--dir", "site", "--patient", patient, "--actor", "Organization/clinic-b",
                     "--purpose", "TREAT", "--class", "Observation"]
        #expect(try cli.json(check)["decision"] as? String == "permit")

        // A future format and a payload that is no consent at all, appended as consent versions.
        let junk = "{\"format\":2,\"patient\":\"\(String(repeating: "ab", count: 32))\",\"consent_id\":\"c9\"}\n{\"secret_note\":\"not a consent\"}"
        try Data(junk.utf8).write(to: URL(fileURLWithPath: cli.path("junk.jsonl")))
        let appended = try cli.json(["append", "--dir", "site", "--kind", "consent.version", "--jsonl", "junk.jsonl"])
        #expect(appended["appended"] as? Int == 2)

        let checked = try cli.run(check + ["--json"])
        #expect(checked.status == 0, "\(checked)")
        #expect(try checked.json()["decision"] as? String == "permit", "the decodable consent still decides: \(checked)")
        let warnings = checked.stderr.split(separator: "\n")
        #expect(warnings.count == 1 && warnings[0].hasPrefix("warning: 2 consent.version entries do not decode"), "\(checked)")
        #expect(!checked.stderr.contains("secret_note") && !checked.stderr.contains("not a consent"), "no payload bytes in messages")

        let conflicts = try cli.run(["conflicts", "--dir", "site", "--json"])
        #expect(conflicts.status == 0, "\(conflicts)")
        let object = try conflicts.json()
        #expect(object["skipped_versions"] as? Int == 2, "\(conflicts)")
        #expect((object["conflicts"] as? [Any])?.isEmpty == true)
        #expect(conflicts.stderr.contains("warning: 2 consent.version entries"))

        let exported = try cli.run(["consent", "export", "--dir", "site", "--patient", patient])
        #expect(exported.status == 0, "\(exported)")
        try Data(ReportNetwork.consent(id: "c2", patient: patient).utf8).write(to: URL(fileURLWithPath: cli.path("c2.json")))
        #expect(try cli.json(["consent", "import", "--dir", "site", "c2.json"])["imported"] as? Int == 1)

        // The skipped entries stay on the ledger, which still verifies.
        let log = try cli.json(["log", "--dir", "site", "--kind", "consent.version"])
        #expect((log["entries"] as? [Any])?.count == 4)
        #expect(try cli.run(["verify", "--dir", "site"]).status == 0)
        let clean = try cli.json(["conflicts", "--dir", "site"])
        #expect(clean["skipped_versions"] as? Int == 2)
    }

    @Test("conflicts --json reports zero skipped versions and no warning on a clean site", .enabled(if: CLI.binary != nil))
    func cleanSiteSkipsNothing() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["network", "create", "--dir", "site", "--site", "central", "--name", "Net"])
        let run = try cli.run(["conflicts", "--dir", "site", "--json"])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        #expect(try run.json()["skipped_versions"] as? Int == 0)
    }
}
