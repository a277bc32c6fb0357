import Foundation
import LedgerCore
import LedgerSync
import TestSupport
import Testing

/// Path tricks in the USB mailbox (Specs/bundle-format.md §9): names a hostile stick can hold,
/// given to the real `careledger sync --folder`. Nothing outside the folder is read through a
/// trick name or written, the trusted log is byte-identical, and every trick is refused with
/// `mailbox.unsafe-name` (or ignored as not addressed here).
@Suite("USB mailbox path tricks (real binary)")
struct MailboxPathTests {
    static let unsafeNames = [
        "", ".", "..", "../x.clbundle", "a/b.clbundle", "a\\b.clbundle", ".hidden.clbundle", "x\u{7}.clbundle",
        "x\u{85}.clbundle", "x\u{7F}.clbundle", String(repeating: "a", count: 256) + ".clbundle",
    ]

    @Test("names with separators, dot-dot, dot-prefix, control characters or over 255 bytes are unsafe", arguments: unsafeNames)
    func unsafeName(_ name: String) throws {
        #expect(throws: SyncError.self) { try MailboxPlanner.checkSafe(name) }
        do { try MailboxPlanner.checkSafe(name) } catch { #expect(error.code.name == "mailbox.unsafe-name", "\(error)") }
    }

    @Test("a hostile stick's names reach nothing outside the folder and leave the trusted log byte-identical")
    func hostileStick() throws {
        let fixture = try SyncFixture.get()
        let cli = try fixture.copy()
        let stick = cli.folder + "/stick"
        try FileManager.default.createDirectory(atPath: stick, withIntermediateDirectories: true)
        let hqPrefix = String(fixture.hqSigningKey.hex.prefix(16))
        let clinicPrefix = String(fixture.clinicKeys.signingPublicKey.hex.prefix(16))
        let valid = "\(hqPrefix)-\(clinicPrefix)-00000000000007d0-00000005.clbundle"
        // A secret outside the stick, reachable only through a symlink with a valid name.
        let secret = cli.folder + "/secret.txt"
        try Data("do not read".utf8).write(to: URL(fileURLWithPath: secret))
        try FileManager.default.createSymbolicLink(atPath: stick + "/" + valid, withDestinationPath: secret)
        // A folder with a valid name, a dot-file, a control character, upper-case hex.
        try FileManager.default.createDirectory(atPath: stick + "/" + valid.replacingOccurrences(of: "00000005", with: "00000006"), withIntermediateDirectories: true)
        try Data(fixture.goodBundle).write(to: URL(fileURLWithPath: stick + "/." + valid))
        try Data(fixture.goodBundle).write(to: URL(fileURLWithPath: stick + "/x\u{1}" + valid))
        try Data(fixture.goodBundle).write(to: URL(fileURLWithPath: stick + "/" + valid.uppercased().replacingOccurrences(of: ".CLBUNDLE", with: ".clbundle")))
        let outsideBefore = Set(try FileManager.default.contentsOfDirectory(atPath: cli.folder))
        let logBefore = FolderSnapshot(cli.folder + "/hq/log")
        let run = try cli.run(["sync", "--dir", "hq", "--folder", "stick", "--json"])
        #expect(run.status != 0 || (run.json["imported"] as? Int ?? -1) == 0, "nothing may be imported through a trick name: \(run)")
        #expect(FolderSnapshot(cli.folder + "/hq/log").differences(from: logBefore).isEmpty, "\(run)")
        #expect(try String(contentsOfFile: secret, encoding: .utf8) == "do not read", "the symlink's target was written")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: cli.folder)) == outsideBefore, "a file appeared outside the stick")
        #expect(!run.stderr.contains("do not read") && !run.stdout.contains("do not read"))
        #expect(try cli.run(["verify", "--dir", "hq"]).status == 0)
    }
}
