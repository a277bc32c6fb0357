import Foundation
import TestSupport
import Testing

/// Real system-call failures under the built binary, through Debian's fiu-utils (libfiu's
/// POSIX preload), when `fiu-run` is installed. The ledger's `FileSystem` seam is not
/// reachable through `SiteLedger`'s public API (it opens its logs with default options), so
/// this is the ledger-level fault injection; `Samples/fault-injection.sh` runs the full
/// matrix. Each case: the command fails with a non-zero exit, the site still verifies, every
/// acknowledged entry is present, and nothing of the failed command appears.
@Suite("Real fault injection with fiu-run (ledger level)", .enabled(if: FIU.run != nil, "fiu-run is not installed"))
struct RealFaultInjectionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let fault: String
        /// Why this case is expected to fail today (a defect reported to the lead), or nil.
        let knownDefect: String?
        var testDescription: String { fault }
    }

    static let cases: [Case] = [
        Case(fault: "posix/io/sync/fdatasync", knownDefect: nil),
        Case(fault: "posix/io/rw/pwrite", knownDefect: nil),
        Case(fault: "posix/io/sync/fsync", knownDefect: "SiteLedger.append commits the log, then fails on the Merkle/heads fsync and reports nothing appended"),
        Case(fault: "posix/io/rw/write", knownDefect: "the heads.log write fails after the log commit, then printing the error traps in FileHandle.write"),
    ]

    /// Counts the site's entries with `log --json`.
    static func entryCount(_ cli: Binary, _ site: String) throws -> Int {
        (try cli.json(["log", "--dir", site])["entries"] as? [Any])?.count ?? -1
    }

    @Test("an append whose writes or syncs fail exits non-zero, keeps every acknowledged entry and adds nothing", arguments: cases)
    func failingAppend(_ c: Case) throws {
        let fiu = try #require(FIU.run)
        let binary = try #require(Binary.path, "the careledger binary was not built beside the tests")
        let folder = try TemporaryDirectory(prefix: "hardening-fiu")
        defer { folder.remove() }
        let cli = Binary(folder: folder.path)
        _ = try cli.json(["network", "create", "--dir", "site", "--site", "hq", "--name", "net"])
        try Data("{\"n\":1}\n{\"n\":2}\n".utf8).write(to: URL(fileURLWithPath: folder.path + "/a.jsonl"))
        try Data("{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n".utf8).write(to: URL(fileURLWithPath: folder.path + "/b.jsonl"))
        _ = try cli.json(["append", "--dir", "site", "--kind", "anchor", "--jsonl", "a.jsonl"])
        let acknowledged = try Self.entryCount(cli, "site")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: fiu)
        process.arguments = ["-x", "-c", "enable name=\(c.fault)", binary, "append", "--dir", "site", "--kind", "anchor", "--jsonl", "b.jsonl"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"  // the backtracer's own writes fail under fiu and it hangs
        environment["CARELEDGER_DIR"] = nil
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()

        #expect(process.terminationStatus != 0, "the append succeeded although \(c.fault) failed")
        #expect(try cli.run(["verify", "--dir", "site"]).status == 0, "verify fails after \(c.fault)")
        let after = try Self.entryCount(cli, "site")
        #expect(after >= acknowledged, "acknowledged entries vanished after \(c.fault)")
        print("fiu \(c.fault): exit \(process.terminationStatus) (\(process.terminationReason == .uncaughtSignal ? "signal" : "exit")), entries \(acknowledged) → \(after)")
        if let defect = c.knownDefect {
            withKnownIssue("\(defect)") {
                #expect(process.terminationReason == .exit, "the binary died of a signal")
                #expect(after == acknowledged, "\(after - acknowledged) entries of a failed append appear")
            }
        } else {
            #expect(process.terminationReason == .exit)
            #expect(after == acknowledged, "\(after - acknowledged) entries of a failed append appear")
        }
    }
}

/// Where Debian's fiu-utils put `fiu-run`, if installed.
enum FIU {
    static let run: String? = ["/usr/bin/fiu-run", "/usr/local/bin/fiu-run"].first { FileManager.default.isExecutableFile(atPath: $0) }
}
