import Foundation
import Testing

/// `dispute open|resolve|list` with the built binary (Specs/charter.md §6): any member opens,
/// a clinic cannot resolve (exit 2), an upheld dispute voids the consent version in `check`,
/// and `status` lists open disputes.
@Suite("Disputes from the command line", .serialized)
struct DisputeCLITests {
    static let check = ["check", "--dir", "central", "--patient", ConcurrentAccessTests.patient, "--actor", "Organization/clinic-b",
                        "--purpose", "TREAT", "--class", "Observation", "--json"]

    @Test("a member opens a dispute on a consent version, a clinic cannot resolve it, status lists it, and upholding it makes check deny")
    func disputeLifecycle() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try FileManager.default.createDirectory(atPath: cli.path("stick"), withIntermediateDirectories: true)
        try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "Net"])
        try cli.run(["network", "genesis", "--dir", "central", "--out", "genesis.json"])
        try cli.run(["init", "--dir", "clinic", "--site", "clinic", "--genesis", "genesis.json"])
        try cli.run(["members", "admit", "--dir", "central", "--key", try KeyAdmissionTests.key(cli, "clinic"), "--name", "clinic", "--role", "clinic"])
        let imported = try cli.json(["consent", "import", "--dir", "central", ConcurrentAccessTests.consentFile])
        let version = try #require((imported["version_ids"] as? [String])?.first, "\(imported)")
        #expect(try cli.json(Self.check)["decision"] as? String == "permit")
        for site in ["clinic", "central", "clinic"] { try cli.run(["sync", "--dir", site, "--folder", "stick"]) }

        let opened = try cli.json(["dispute", "open", "--dir", "clinic", "--entry", version, "--reason", "signed for another patient", "--json"])
        let dispute = try #require(opened["entry_id"] as? String, "\(opened)")
        let byClinic = try cli.run(["dispute", "resolve", "--dir", "clinic", dispute, "--outcome", "upheld", "--note", "mine"])
        #expect(byClinic.status == 2 && byClinic.stderr.contains("not a governance member"), "\(byClinic)")
        #expect(try cli.run(["dispute", "open", "--dir", "clinic", "--entry", String(repeating: "ab", count: 32), "--reason", "x"]).status == 2)
        for site in ["clinic", "central"] { try cli.run(["sync", "--dir", site, "--folder", "stick"]) }

        let status = try cli.run(["status", "--dir", "central"])
        #expect(status.stdout.contains("open dispute \(dispute)"), "\(status)")
        let listed = try #require(try cli.json(["dispute", "list", "--dir", "central", "--json"])["disputes"] as? [[String: Any]])
        #expect(listed.count == 1 && listed.first?["state"] as? String == "open" && listed.first?["entry"] as? String == version)
        #expect(try cli.run(["report", "--dir", "central", "--out", "report"]).status == 0)
        let html = try String(contentsOfFile: cli.path("report/index.html"), encoding: .utf8)
        #expect(html.contains("Open disputes") && html.contains("signed for another patient"), "the report lists the open dispute")

        let resolved = try cli.run(["dispute", "resolve", "--dir", "central", dispute, "--outcome", "upheld", "--note", "patient confirmed"])
        #expect(resolved.status == 0 && resolved.stdout.contains("upheld"), "\(resolved)")
        #expect(try cli.json(Self.check)["decision"] as? String == "deny", "the upheld version stops counting")
        let after = try #require(try cli.json(["dispute", "list", "--dir", "central", "--json"])["disputes"] as? [[String: Any]])
        #expect(after.first?["state"] as? String == "upheld")
        #expect(!(try cli.run(["status", "--dir", "central"]).stdout.contains("open dispute")))
    }
}
