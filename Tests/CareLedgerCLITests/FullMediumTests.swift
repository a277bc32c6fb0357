import Foundation
import TestSupport
import Testing

/// A full stick or disk while a bundle is written (issue 18, item 6): exit 3 with the OS
/// reason, not exit 2 "write failed". The disk is filled with libfiu's POSIX preload: every
/// `pwrite` fails with `ENOSPC` (28), as `Tests/Tools/fault-injection.sh` does.
@Suite("A full stick under fiu-run", .serialized, .enabled(if: FIU.run != nil, "fiu-utils is not installed"))
struct FullMediumTests {

    /// Runs `careledger ARGS` in the test's folder under `fiu-run` with every `pwrite`
    /// failing with ENOSPC; nil when it did not finish in `FIU.hangGuardSeconds` (then it is killed).
    static func runOnFullDisk(_ cli: CLI, _ arguments: [String]) throws -> FIU.Outcome? {
        try FIU.runBinary(try #require(CLI.binary), fault: "enable name=posix/io/rw/pwrite,failinfo=28",
                          arguments: arguments, in: cli.folder.path)
    }

    @Test("bundle export onto a full stick exits 3 with one line naming the bundle and No space left on device")
    func bundleExportOnFullStick() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic-a"], admitted: ["clinic-a"])
        try TCPSyncTests.append(cli, site: "central", count: 3)
        try FileManager.default.createDirectory(atPath: cli.path("stick"), withIntermediateDirectories: true)
        let failed = try #require(try Self.runOnFullDisk(cli, ["bundle", "export", "--dir", "central", "--to", "clinic-a",
                                                               "--out", "stick/for-clinic.clbundle"]),
                                  "the export did not finish in \(FIU.hangGuardSeconds) s under fiu-run")
        #expect(!failed.signaled && failed.status == 3, "a full medium is exit 3: \(failed)")
        #expect(failed.stderr.split(separator: "\n", omittingEmptySubsequences: true).count == 1, "one line: \(failed)")
        #expect(failed.stderr.contains("No space left on device"), "the OS reason: \(failed)")
        #expect(failed.stderr.contains("stick/for-clinic.clbundle"), "names the bundle: \(failed)")
        #expect(!FileManager.default.fileExists(atPath: cli.path("stick/for-clinic.clbundle")), "no partial bundle")
        #expect(try cli.run(["verify", "--dir", "central"]).status == 0, "the site still verifies")
    }

    @Test("sync --folder onto a full stick exits 3 with the OS reason and the site still verifies")
    func folderSyncOnFullStick() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic-a"], admitted: ["clinic-a"])
        try TCPSyncTests.append(cli, site: "central", count: 3)
        try FileManager.default.createDirectory(atPath: cli.path("stick"), withIntermediateDirectories: true)
        let failed = try #require(try Self.runOnFullDisk(cli, ["sync", "--dir", "central", "--folder", "stick"]),
                                  "the sync did not finish in \(FIU.hangGuardSeconds) s under fiu-run")
        #expect(!failed.signaled && failed.status == 3, "a full stick is exit 3: \(failed)")
        #expect(failed.stderr.contains("No space left on device"), "the OS reason: \(failed)")
        #expect(try cli.run(["verify", "--dir", "central"]).status == 0, "the site still verifies")
    }

    @Test("bundle import onto a full disk exits 3 with the OS reason, not a rejected bundle, and stores nothing")
    func bundleImportOnFullDisk() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic-a"], admitted: ["clinic-a"])
        try TCPSyncTests.append(cli, site: "central", count: 3)
        try cli.run(["bundle", "export", "--dir", "central", "--to", "clinic-a", "--out", "for-clinic.clbundle"])
        let before = try cli.json(["stats", "--dir", "clinic-a"])["entries"] as? Int
        let failed = try #require(try Self.runOnFullDisk(cli, ["bundle", "import", "--dir", "clinic-a", "for-clinic.clbundle"]),
                                  "the import did not finish in \(FIU.hangGuardSeconds) s under fiu-run")
        #expect(!failed.signaled && failed.status == 3, "a full disk is exit 3, not a rejected bundle (1): \(failed)")
        #expect(failed.stderr.contains("No space left on device") && failed.stderr.contains("for-clinic.clbundle"), "\(failed)")
        #expect(try cli.json(["stats", "--dir", "clinic-a"])["entries"] as? Int == before, "nothing was stored")
        #expect(try cli.run(["verify", "--dir", "clinic-a"]).status == 0, "the site still verifies")
    }
}
