import Foundation
import LedgerCore
import LedgerSite
import LedgerSync
import Testing

/// The stick's capacity and its older per-recipient shape (Specs/bundle-format.md §9.3–§9.5).
@Suite("The stick: capacity and the older version")
struct StickMailboxTests {
    @Test("a pass writes what fits in --max-bytes, oldest entries first, reports the rest and leaves no partial file; the next pass carries the rest")
    func capacity() throws {
        let network = try StickNetwork(clinics: 1)
        let ids = try network.write(200, at: "clinic-1", tag: "a long enough note to take some room on the stick")
        let clinic = try #require(network.sites["clinic-1"])
        let central = try #require(network.sites["central"])
        let stick = try network.stick("small")

        let none = try FolderSync.run(clinic, folder: stick, maxBytes: 0)
        #expect(none.bundlesWritten == 0 && none.didNotFit > 0)

        let first = try FolderSync.run(clinic, folder: stick, maxBytes: 20_000)
        #expect(first.bundlesWritten == 1)
        #expect(first.bytesWritten <= 20_000)
        #expect(first.didNotFit > 0 && first.exported > 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: stick)
        #expect(!names.contains { $0.hasSuffix(".tmp") })
        _ = try FolderSync.run(central, folder: stick)
        // The oldest entries went first.
        let atCentral = try central.reconcilableSet()
        let carried = ids.filter(atCentral.contains)
        #expect(!carried.isEmpty && carried.count < ids.count)
        #expect(carried == Array(ids.prefix(carried.count)))

        let second = try FolderSync.run(clinic, folder: stick)
        #expect(second.didNotFit == 0)
        _ = try FolderSync.run(central, folder: stick)
        #expect(ids.allSatisfy(try central.reconcilableSet().contains))
    }

    @Test("a member on the older version: its per-recipient bundle is imported, and it gets a per-recipient bundle back that it can import")
    func olderVersion() throws {
        let network = try StickNetwork(clinics: 2)
        let old = try #require(network.sites["clinic-1"])
        let central = try #require(network.sites["central"])
        let stick = try network.stick("mixed")
        let oldIDs = try network.write(4, at: "clinic-1", tag: "old version")
        let centralIDs = try network.write(3, at: "central", tag: "new version")
        // clinic-1 runs the older version: one per-recipient bundle to central, no marker.
        let bundle = try old.writeBundle(to: [try old.member("central")])
        let oldName = MailboxPlanner.fileName(to: central.siteKey, from: old.siteKey, created: old.currentTime())
        try BundleFiles.write(bundle.bytes, to: stick + "/" + oldName)

        let pass = try FolderSync.run(central, folder: stick)
        #expect(pass.bundlesRead == 1)
        #expect(oldIDs.allSatisfy(try central.reconcilableSet().contains))
        #expect(pass.bundlesWritten == 2, "a mailbox bundle and a per-recipient one for the older member")
        let names = try FileManager.default.contentsOfDirectory(atPath: stick)
        let back = try #require(names.first { (try? MailboxPlanner.parse(fileName: $0))?.toPrefix == MailboxPlanner.keyPrefix(old.siteKey) })
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: stick + "/" + back)))
        #expect(bytes[9] == 1, "the older shape: format version 1")
        // What the older version does with the stick: import the files addressed to it, ignore the rest.
        let plan = MailboxPlanner(siteKey: old.siteKey).plan(listing: names, members: [], created: old.currentTime())
        #expect(plan.incoming == [back])
        let imported = try BundleImporter.importFiles(plan.incoming.map { stick + "/" + $0 }, into: old)
        #expect(imported.rejected.isEmpty)
        #expect(centralIDs.allSatisfy(try old.reconcilableSet().contains))
    }
}
