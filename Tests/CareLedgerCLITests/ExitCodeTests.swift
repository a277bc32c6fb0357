import Foundation
import LedgerStorage
import Testing

/// Exit codes and one-line errors of `shared/CLI.md`: 2 usage, 3 unusable site.
@Suite("Exit codes and error lines")
struct ExitCodeTests {
    @Test("every command on a folder without a site exits 3 with one line that says how to create one")
    func noSiteExits3() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try FileManager.default.createDirectory(atPath: cli.path("empty"), withIntermediateDirectories: true)
        for arguments in [["stats"], ["log"], ["verify"], ["head"], ["identity"], ["members", "list"], ["members", "proposals"], ["dispute", "list"],
                          ["append", "--kind", "k", "--jsonl", "-"], ["network", "genesis", "--out", "g.json"]] {
            for folder in ["empty", "does-not-exist"] {
                let run = try cli.run(arguments + ["--dir", folder])
                #expect(run.status == 3, "\(run)")
                Contract.expectOneErrorLine(run)
                #expect(run.stderr.contains(folder) && run.stderr.contains("careledger network create"), "\(run)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: cli.path("does-not-exist")), "a failed command creates nothing")
    }

    @Test("a folder locked by another process: readers still answer, a writer exits 3 with one line after --wait, and works again once released")
    func lockedFolderExits3() throws {
        let cli = try CLI()
        defer { cli.remove() }
        _ = try cli.json(["network", "create", "--dir", "site", "--site", "hq", "--name", "net"])
        do {
            let holder = try SegmentLog(directory: cli.path("site/log"))
            defer { holder.close() }
            // Readers take no lock (Specs/site-layout.md §8.1).
            for arguments in [["stats"], ["verify"]] {
                let run = try cli.run(arguments + ["--dir", "site"])
                #expect(run.status == 0, "\(run)")
            }
            let run = try cli.run(["append", "--kind", "k", "--jsonl", "-", "--wait", "0.2", "--dir", "site"], input: Data("{\"a\":1}\n".utf8))
            #expect(run.status == 3, "\(run)")
            Contract.expectOneErrorLine(run)
            #expect(run.stderr.contains("locked") && run.stderr.contains("in use by pid") && run.stderr.contains("waited 0.2 s"), "\(run)")
        }
        let stats = try cli.json(["stats", "--dir", "site"])
        #expect(stats["entries"] as? Int == 1, "nothing was appended while locked")
    }

    @Test("an unknown flag or a missing required option is a usage error: exit 2")
    func usageErrorsExit2() throws {
        let cli = try CLI()
        defer { cli.remove() }
        _ = try cli.json(["network", "create", "--dir", "site", "--site", "hq", "--name", "net"])
        let runs = [try cli.run(["stats", "--dir", "site", "--bogus"]),
                    try cli.run(["append", "--dir", "site", "--jsonl", "-"]),
                    try cli.run(["members", "admit", "--dir", "site", "--key", "xyz", "--name", "a", "--role", "clinic"]),
                    try cli.run(["members", "admit", "--dir", "site", "--key", String(repeating: "a", count: 64), "--name", "a", "--role", "king"]),
                    try cli.run(["init", "--dir", "other", "--site", "x", "--genesis", "missing.json"])]
        for run in runs { #expect(run.status != 0, "\(run)") }
        for run in runs.dropFirst(2).dropLast() {
            #expect(run.status == 2, "\(run)")
            Contract.expectOneErrorLine(run)
        }
        #expect(runs[4].status == 2, "\(runs[4])")
        Contract.expectOneErrorLine(runs[4])
        for run in runs.prefix(2) {
            #expect(run.status == 2, "\(run)")
            Contract.expectOneErrorLine(run)
        }
    }
}
