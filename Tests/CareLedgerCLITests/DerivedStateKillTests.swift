import Foundation
import Synchronization
import TestSupport
import Testing

/// `kill -9` of the three writers that feed the derived-state database — `append --jsonl`,
/// `consent import` and an ingest (`bundle import` of a clinic's bundle) — at seeded random
/// points, each kill followed by the answers of the killed site (its database caught up on
/// reopening) against a copy of it whose database was deleted (a fresh reindex)
/// (Specs/site-layout.md §9.7).
///
/// Every round compares `check --json` and `status --json` (entries, forks, members, open
/// conflicts with their heads, quarantine); `verify` (which also rebuilds the database in a
/// scratch file and compares it table by table) runs every ``verifyEvery``-th round and at
/// the end. The site is put back to its template every ``resetEvery`` rounds, so a round
/// costs the same at round 200 as at round 1; a round whose kill changed no file of the site
/// but its database compares with the last round's copy. A kill may land before the writer's first
/// commit (nothing new on the ledger), between its commits, or after it finished.
@Suite("The derived-state database after kill -9")
struct DerivedStateKillTests {
    /// Writers killed in one run (rounds whose writer finished first do not count):
    /// CARELEDGER_KILL_LOOPS, else 201.
    static let kills = ProcessInfo.processInfo.environment["CARELEDGER_KILL_LOOPS"].flatMap(Int.init) ?? 201
    /// The seed of the kill points: CARELEDGER_KILL_SEED, else a fixed one.
    static let seed = ProcessInfo.processInfo.environment["CARELEDGER_KILL_SEED"].flatMap(UInt64.init) ?? 20261205
    /// Rounds between resets of the site to its template (bounded growth).
    static let resetEvery = 24
    /// Rounds between `verify` runs.
    static let verifyEvery = 8
    /// Bundles the clinic exported, each a superset of the one before.
    static let bundles = 8
    /// The patient whose `check` is compared (its consent has versions from both sites).
    static let patient = "urn:test:mrn|kill-3"

    /// The three killed writers.
    enum Writer: Int, CaseIterable, CustomStringConvertible {
        case append, consentImport, ingest
        var description: String { ["append --jsonl", "consent import", "bundle import"][rawValue] }
    }

    @Test("append, consent import and bundle import killed at 200 random points leave check and status answering as a fresh reindex would, and verify passes")
    func killedWritersLeaveNoStaleAnswer() async throws {
        try await BlockingWork.run {
            let cli = try CLI()
            defer { cli.remove() }
            print("DerivedStateKillTests seed \(Self.seed), \(Self.kills) kills (CARELEDGER_KILL_SEED, CARELEDGER_KILL_LOOPS)")
            let started = Date()
            try Self.prepare(cli)
            // Each writer's kill points are spread over its whole unkilled run, measured here.
            var windows: [Writer: UInt64] = [:]
            for writer in Writer.allCases {
                try Self.resetSite(cli)
                let clock = Date()
                let run = try cli.run(Self.arguments(writer, round: 0, ingestsSinceReset: 0))
                try #require(run.status == 0, "\(run)")
                windows[writer] = UInt64(max(0.05, Date().timeIntervalSince(clock)) * 1_000_000)
            }
            var generator = SeededGenerator(seed: Self.seed)
            var ingests = 0, entries = 0
            var reference: Reference?
            var reused = 0
            var outcomes: [String: Int] = [:]
            var round = 0, killed = 0
            while killed < Self.kills {
                defer { round += 1 }
                if round % Self.resetEvery == 0 {
                    try Self.resetSite(cli)
                    reference = nil
                    ingests = 0
                    entries = try Self.entryCount(cli, "site")
                }
                let writer = Writer.allCases[round % Writer.allCases.count]
                let process = try ConcurrentAccessTests.start(cli, Self.arguments(writer, round: round, ingestsSinceReset: ingests))
                if writer == .ingest { ingests += 1 }
                let window = windows[writer] ?? 100_000
                usleep(UInt32(generator.next() % window))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let label = "round \(round) (\(writer)), seed \(Self.seed)"
                let finished = process.terminationReason == .exit
                // The window follows the writer's pace (the machine's load changes it): shorter
                // after a writer finished first, a little longer after a kill.
                windows[writer] = finished ? window * 4 / 5 : window * 21 / 20
                if !finished { killed += 1 }
                if finished { #expect(process.terminationStatus == 0, "\(label): the writer failed on its own") }
                let (answers, reusedReference) = try Self.compareWithReindex(cli, label, last: &reference)
                if reusedReference { reused += 1 }
                let grew = answers.entries > entries
                entries = answers.entries
                outcomes[finished ? "finished" : grew ? "killed after a commit" : "killed before a commit", default: 0] += 1
                if round % Self.verifyEvery == Self.verifyEvery - 1 || killed == Self.kills {
                    let verify = try cli.run(["verify", "--dir", "site", "--json"])
                    #expect(verify.status == 0, "\(label): \(verify)")
                }
            }
            print("DerivedStateKillTests: \(killed) kills in \(round) rounds in \(Int(Date().timeIntervalSince(started))) s (\(reused) rounds changed no file but the database: the last copy's answers were the reference); \(outcomes.sorted { $0.key < $1.key })")
            // The kills reached both sides of a commit: a test whose kills all landed before the
            // first commit (or after the last) could not fail.
            #expect(outcomes["killed before a commit", default: 0] > 0)
            #expect(outcomes["killed after a commit", default: 0] > 0)
        }
    }

    /// The answers compared, and the entry count they showed.
    struct Answers: Equatable {
        var entries: Int
        var texts: [String]
    }

    /// The reference of the last round: the site's files (without its database and lock
    /// records) and what a copy of them without the database answered.
    struct Reference {
        var files: [String: Data]
        var answers: Answers
    }

    /// Compares the killed site's answers with a copy's whose database was deleted (asked of
    /// both at once); when the kill changed no file of the site but its database, the last
    /// round's copy answers are the reference. Returns the killed site's answers.
    static func compareWithReindex(_ cli: CLI, _ label: String, last: inout Reference?) throws -> (answers: Answers, reused: Bool) {
        let files = try siteFiles(cli.path("site"))
        let reuse = last.map { $0.files == files } ?? false
        if !reuse {
            // The copy is taken before anything reopens the killed site: both see the same log.
            try? FileManager.default.removeItem(atPath: cli.path("fresh"))
            try FileManager.default.copyItem(atPath: cli.path("site"), toPath: cli.path("fresh"))
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: cli.path("fresh/index.sqlite" + suffix)) }
        }
        let results = Mutex<[String: Result<Answers, any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: reuse ? 1 : 2) { which in
            let site = which == 0 ? "site" : "fresh"
            let result = Result { try answers(cli, site) }
            results.withLock { $0[site] = result }
        }
        let indexed = try #require(try results.withLock { try $0["site"]?.get() })
        let fresh = try reuse ? last?.answers : results.withLock { try $0["fresh"]?.get() }
        #expect(indexed == fresh, "\(label)")
        if let fresh { last = Reference(files: files, answers: fresh) }
        return (indexed, reuse)
    }

    /// Every file of a site but its database and the lock files' holder records, by relative path.
    static func siteFiles(_ root: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasPrefix("index.sqlite") || relative.hasSuffix("LOCK") { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[relative] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + relative))
        }
        return files
    }

    /// What `status` (entries, forks, members, conflicts, quarantine) and `check` answer at `site`.
    static func answers(_ cli: CLI, _ site: String) throws -> Answers {
        let status = try cli.run(["status", "--dir", site, "--json"])
        let check = try cli.run(["check", "--dir", site, "--json", "--patient", patient, "--actor", "Organization/x",
                                 "--purpose", "TREAT", "--class", "Observation", "--at", "2026-11-25T09:00:00Z"])
        let entries = (try? status.json())?["entries"] as? Int ?? -1
        return Answers(entries: entries, texts: ["\(status.status) \(status.stdout)", "\(check.status) \(check.stdout)"])
    }

    /// The entry count `stats` shows.
    static func entryCount(_ cli: CLI, _ site: String) throws -> Int {
        try #require(try cli.json(["stats", "--dir", site])["entries"] as? Int)
    }

    /// The command line of one writer.
    static func arguments(_ writer: Writer, round: Int, ingestsSinceReset: Int) -> [String] {
        switch writer {
        case .append: ["append", "--dir", "site", "--kind", "audit.note", "--jsonl", "notes.jsonl", "--batch", "8"]
        case .consentImport: ["consent", "import", "--dir", "site", "consents-\(round % 2).json"]
        case .ingest: ["bundle", "import", "--dir", "site", "clinic-\(min(ingestsSinceReset, bundles - 1)).clbundle"]
        }
    }

    /// Puts the site back to its template.
    static func resetSite(_ cli: CLI) throws {
        try? FileManager.default.removeItem(atPath: cli.path("site"))
        try FileManager.default.copyItem(atPath: cli.path("template"), toPath: cli.path("site"))
    }

    /// The template (a central site that admitted a clinic and holds a few consents), the
    /// writers' inputs, and the clinic's bundles: the clinic imports versions of the same
    /// consents (concurrent heads once ingested) and appends notes between exports.
    static func prepare(_ cli: CLI) throws {
        _ = try cli.json(["network", "create", "--dir", "template", "--site", "site", "--name", "Net"])
        _ = try cli.json(["network", "genesis", "--dir", "template", "--out", "genesis.json"])
        let joined = try cli.json(["init", "--dir", "clinic", "--site", "clinic", "--genesis", "genesis.json", "--role", "clinic"])
        let key = try #require(joined["site_key"] as? String), agreement = try #require(joined["agreement_key"] as? String)
        _ = try cli.json(["members", "admit", "--dir", "template", "--key", key, "--agreement-key", agreement, "--name", "clinic", "--role", "clinic"])
        for status in 0..<2 {
            try Data(consentBundle(count: 12, active: status == 0).utf8).write(to: URL(fileURLWithPath: cli.path("consents-\(status).json")))
        }
        try #require(try cli.run(["consent", "import", "--dir", "template", "consents-0.json"]).status == 0)
        try Data(consentBundle(count: 6, active: false).utf8).write(to: URL(fileURLWithPath: cli.path("clinic-consents.json")))
        try #require(try cli.run(["consent", "import", "--dir", "clinic", "clinic-consents.json"]).status == 0)
        _ = try ConcurrentAccessTests.jsonl(cli, "notes.jsonl", lines: 40, tag: "kill")
        for bundle in 0..<bundles {
            let lines = (0..<10).map { "{\"clinic\":\(bundle),\"n\":\($0)}" }.joined(separator: "\n")
            _ = try cli.json(["append", "--dir", "clinic", "--kind", "anchor", "--jsonl", "-"], input: Data(lines.utf8))
            _ = try cli.json(["bundle", "export", "--dir", "clinic", "--to", "site", "--out", "clinic-\(bundle).clbundle"])
        }
    }

    /// A FHIR Bundle of `count` Consents `k-N` for patients `kill-N`.
    static func consentBundle(count: Int, active: Bool) -> String {
        let entries = (0..<count).map { n in
            #"{"resource": {"resourceType": "Consent", "id": "k-\#(n)", "status": "\#(active ? "active" : "inactive")","#
                + #" "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},"#
                + #" "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],"#
                + #" "patient": {"identifier": {"system": "urn:test:mrn", "value": "kill-\#(n)"}},"#
                + #" "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},"#
                + #" "provision": {"type": "permit", "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT"}]}}}"#
        }
        return #"{"resourceType": "Bundle", "type": "collection", "entry": ["# + entries.joined(separator: ",") + "]}"
    }
}
